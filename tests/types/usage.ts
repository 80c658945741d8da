// Compiles: the JS API as an app developer uses it, typed from the method registry.
import init, { Model, toMap, registry, type ExplainOptions, type Explanation, type MethodInfo } from '../../www/pkg/saliency.js';

export async function run(bytes: Uint8Array, image: Float32Array): Promise<number> {
  await init();
  const model = new Model(bytes, 'mnist');
  const options: ExplainOptions = { method: 'smoothgrad', base: 'guided', average: 'vargrad', samples: 20, noise: 0.1, seed: 3n, target: 7 };
  const e: Explanation = model.explain(image, options);
  const map: Float32Array = toMap(e.raw, e.rawChannels, { sign: 'signed', normalize: { kind: 'percentile', p: 99 } });
  const methods: MethodInfo[] = registry();
  model.explain(image, { method: 'ig', steps: 300, baseline: 'black' });
  model.explain(image, { method: 'integrated-gradients', baseline: new Float32Array(784) });
  return map.length + methods.length + (e.completenessGap ?? 0);
}
