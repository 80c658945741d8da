// Must NOT compile: each line below is a mistake the declarations catch.
import { Model, toMap } from '../../www/pkg/saliency.js';

export function mistakes(model: Model, image: Float32Array) {
  model.explain(image, { methd: 'ig' }); // misspelt key
  model.explain(image, { method: 'integrated' }); // unknown method
  model.explain(image, { method: 'smoothgrad', average: 'mean' }); // not an average
  model.explain(image, { method: 'smoothgrad', base: 'smoothgrad' }); // SmoothGrad cannot wrap itself
  toMap(new Float32Array(1), 1, { normalise: { kind: 'none' } }); // misspelt key
}
