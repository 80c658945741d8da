//! TypeScript declarations for the JS package's options and results, appended to its .d.ts.
//! Generated from the method registry by tests/typescript.rs; do not edit by hand.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
// Generated from the method registry (src/attribution/registry/); do not edit by hand.
export type MethodId = 'vanilla' | 'gradient' | 'saliency' | 'guided' | 'guided-backprop' | 'guidedbackprop' | 'deconvnet' | 'rectified' | 'deconvolution' | 'gradxinput' | 'grad-x-input' | 'gradient-x-input' | 'input-x-gradient' | 'smoothgrad' | 'smooth-grad' | 'noise-tunnel' | 'ig' | 'integrated-gradients' | 'integratedgradients' | 'blur-ig' | 'blurig' | 'blur-integrated-gradients' | 'expected-gradients' | 'expectedgradients' | 'eg' | 'gradcam' | 'grad-cam' | 'guided-gradcam' | 'guided-grad-cam' | 'guidedgradcam' | 'gradcam-plus-plus' | 'gradcam++' | 'grad-cam++' | 'gradcampp' | 'gradcam-pp' | 'scorecam' | 'score-cam' | 'occlusion' | 'lrp' | 'layer-wise-relevance-propagation';
export interface ExplainOptions {
  /** The attribution method (default 'vanilla'). */
  method?: MethodId;
  /** Class to explain, 0..classes-1; the predicted class when absent or null. */
  target?: number | null;
  /** Images per batch through the network (capped at 64). */
  batchSize?: number;
  /** Wraps (SmoothGrad): the method averaged over noisy copies (default 'vanilla'). */
  base?: 'vanilla' | 'guided' | 'deconvnet' | 'gradxinput' | 'ig' | 'blur-ig' | 'expected-gradients' | 'gradcam' | 'guided-gradcam' | 'gradcam-plus-plus' | 'scorecam' | 'occlusion' | 'lrp';
  /** Average (SmoothGrad): what is averaged: |a| (abs), a (plain, signed), a² (squared) or the variance of a (vargrad) (default 'abs'). */
  average?: 'abs' | 'plain' | 'squared' | 'vargrad';
  /** Samples (SmoothGrad, Expected gradients): noisy copies averaged (whole number 1..10000, default 50). */
  samples?: number | bigint;
  /** Noise (SmoothGrad): noise level: sigma as a fraction of the image's value range (0..10, default 0.2). */
  noise?: number;
  /** Seed (SmoothGrad, Integrated Gradients, Expected gradients): seed of the noise, for maps that reproduce exactly (whole number 0..9007199254740991, default 0). */
  seed?: number | bigint;
  /** Steps (Integrated Gradients, Blur IG): points on the path from the baseline to the input (right Riemann sum) (whole number 1..10000, default 50). */
  steps?: number | bigint;
  /** Baseline (Integrated Gradients): where the path starts: black (zeros), white (ones), uniform noise (seeded), the input after a 5x5 box blur, or an image (H x W x C in [0, 1], default 'black'). */
  baseline?: Float32Array | number[] | 'black' | 'white' | 'uniform' | 'blur';
  /** σ max (Blur IG): the blur the path starts from; 0 picks 10 for a 28-pixel image (MNIST), else 12 per 32 pixels of the longer side (CIFAR-10: 12) (0..50, default 0). */
  maxSigma?: number;
  /** References (Expected gradients): the images baselines are drawn from: the bundled gallery, or N images H x W x C concatenated (H x W x C in [0, 1], default 'gallery'). */
  references?: Float32Array | number[] | 'gallery';
  /** Layer (Grad-CAM, Guided Grad-CAM, Grad-CAM++, Score-CAM): the node whose output the class activation map reads (empty: the last Conv's, after its activation; the tutorial's conv1 and conv2 are after their ReLU) (a node name; default '': the model's default layer). */
  layer?: string;
  /** Patch (Occlusion): side of the square patch of zeros, in pixels (whole number 1..32, default 4). */
  patch?: number | bigint;
  /** Stride (Occlusion): pixels between patch positions (whole number 1..32, default 2). */
  stride?: number | bigint;
  /** ε (LRP (ε / z⁺)): the epsilon rule's stabiliser in the dense layers (0..10, default 0.000001). */
  epsilon?: number;
}
export interface PostOptions {
  /** Sign view: |a| (keras-vis), max(a, 0), max(-a, 0), or a itself. */
  sign?: 'absolute' | 'positive' | 'negative' | 'signed';
  /** Channel reduction: max (keras-vis) or sum of |a| (PAIR saliency). */
  reduce?: 'max' | 'sum-abs';
  normalize?: { kind: 'min-max' } | { kind: 'percentile'; p: number } | { kind: 'none' };
}
export interface Explanation {
  /** Raw signed attribution, H x W x rawChannels. */
  raw: Float32Array;
  rawChannels: number;
  logits: number[];
  probabilities: number[];
  predicted: number;
  target: number;
  /** The method's convergence report (IG: completeness gap), or null. */
  completenessGap: number | null;
}
export interface ParamInfo {
  key: string;
  label: string;
  help: string;
  shown: boolean;
  kind:
    | { type: 'int'; min: number; max: number; default: number }
    | { type: 'float'; min: number; max: number; step: number; default: number }
    | { type: 'choice'; choices: string[]; default: string }
    | { type: 'method'; default: string }
    | { type: 'image'; named: string[]; default: string }
    | { type: 'layer'; default: string };
}
export interface MethodInfo {
  id: string;
  name: string;
  description: string;
  aliases: string[];
  params: ParamInfo[];
  convergence: string | null;
  wrappable: boolean;
  singleChannel: boolean;
  /** Whether a worker pool can split one map's work (samples, steps, patches). */
  splittable: boolean;
  /** Network passes at the default options (MNIST): 1 for the one-pass methods. */
  passes: number;
}
export interface DreamOptions {
  /** The class whose logit is maximised (unless layer is set). */
  class?: number;
  /** Maximise the mean activation of one channel of this node's output instead (the
   * tutorial's conv1 and conv2 are after their ReLU). */
  layer?: string;
  /** Which channel of layer (the tutorial's conv1: 0..31, conv2: 0..63). */
  filter?: number;
  /** Gradient-ascent steps (default 200). */
  steps?: number;
  /** Step size (default 0.02). */
  rate?: number;
  /** Total-variation penalty (default 0.05). */
  tv?: number;
  /** L2 penalty (default 0.02). */
  l2?: number;
  /** Largest random shift per step, pixels (default 1). */
  jitter?: number;
  seed?: number | bigint;
}
export interface TrainOptions {
  /** Images per step (default 250, the tutorial's). */
  batchSize?: number;
  /** Adam's learning rate (default 0.001, Keras's). */
  learningRate?: number;
  /** The last fraction of the images held out for validation (default 0.2). */
  validationSplit?: number;
  /** Seeds the initial weights, the epochs' order and the dropout masks (default 42). */
  seed?: number | bigint;
}
export interface StepLog {
  step: number;
  epoch: number;
  /** Mean cross-entropy of the step's batch (dropout on). */
  loss: number;
  accuracy: number;
}
/** Labelled images, u8 H x W x C each. */
export interface LabelledImages {
  pixels: Uint8Array;
  labels: Uint8Array;
}
/** What `readTrainingFiles` found. */
export interface TrainingFiles {
  dataset: string;
  train?: LabelledImages;
  test?: LabelledImages;
}
/** A node of a step's summation tree (`Training.shareSums`): chunks start..start+size, summed. */
export interface StepPart {
  start: number;
  size: number;
  /** Summed loss gradient of every parameter, end to end. */
  gradient: Float32Array;
  loss: number;
  correct: number;
  count: number;
}
export interface Metrics {
  loss: number;
  accuracy: number;
}
export interface EvalOptions {
  /** K: points k = 0..K (default 28 MNIST, 32 CIFAR-10). */
  steps?: number;
  /** What removed pixels become: 0, or the image after a 5 x 5 box blur. */
  baseline?: 'zero' | 'blur';
  /** Seed of the random order (the chance line). */
  seed?: number | bigint;
  sign?: 'absolute' | 'positive' | 'negative' | 'signed';
  reduce?: 'max' | 'sum-abs';
  /** Score this H x W map instead of computing the method's. */
  map?: Float32Array | number[];
  /** Also score the seeded random order (default true). */
  random?: boolean;
}
export interface Curves {
  deletion: number;
  insertion: number;
  lerf: number;
  /** AUC(LeRF) - AUC(MoRF deletion). */
  srg: number;
  deletionCurve: number[];
  insertionCurve: number[];
  lerfCurve: number[];
}
export interface Evaluation extends Curves {
  method: string;
  target: number;
  steps: number;
  baseline: 'zero' | 'blur';
  /** The random order's curves (null when evalOptions.random is false). */
  random: Curves | null;
}
export interface AgreementOptions {
  /** k = max(1, floor(topPercent / 100 * H * W)), default 10. */
  topPercent?: number;
}
export interface Agreement {
  k: number;
  spearman: number[][];
  iou: number[][];
}
export interface Similarity {
  /** Spearman rank correlation of the absolute maps. */
  spearman: number;
  /** SSIM (7 x 7 window) of the min-max-normalised maps. */
  ssim: number;
}
export interface RandomisationCurve {
  method: string;
  target: number;
  layers: string[];
  /** Point d: the first d + 1 of layers randomised. */
  cascading: Similarity[];
  /** Point i: layers[i] alone randomised. */
  independent: Similarity[];
  randomLogitClass: number;
  randomLogit: Similarity;
}
export interface TraceOptions {
  /** The class whose logit is differentiated; the predicted class when absent or null. */
  target?: number | null;
  /** The ReLU rule of the backward pass (default 'vanilla'). */
  method?: 'vanilla' | 'guided' | 'deconvnet';
}
export interface NodeTrace {
  name: string;
  /** The op as ONNX spells it ('Conv', 'Relu', 'MaxPool', 'Gemm', …). */
  op: string;
  /** Without the batch dim: [C, H, W] for maps, [C] for a vector. */
  shape: number[];
  /** The node's output, row-major in shape's order. */
  output: Float32Array;
  /** d target logit / d output under the chosen rule, in the same order. */
  gradient: Float32Array;
}
export interface LayerTrace {
  target: number;
  nodes: NodeTrace[];
}
export interface ChannelOptions {
  target?: number | null;
  /** A layer as the CAM methods' layer option names it; '' (default) the model's default. */
  layer?: string;
}
export interface ChannelWeight {
  channel: number;
  /** Grad-CAM's w_k: the mean over positions of d target logit / d A_k. */
  weight: number;
  /** w_k * mean(A_k); the contributions sum to the mean of sum_k w_k A_k. */
  contribution: number;
}
export interface OnnxOptions {
  /** One name per output; default: the model's class_names metadata, else 'class 0' … */
  classNames?: string[];
  /** Per-channel mean subtracted from the [0, 1] pixels before the graph. */
  mean?: number[];
  /** Per-channel standard deviation the pixels are divided by. */
  std?: number[];
}
export interface ModelCard {
  /** Height, width, channels. */
  input: [number, number, number];
  classes: string[];
  parameters: number;
  flops: number;
  nodes: { name: string; op: string; inputs: string[]; shape: number[]; parameters: number; flops: number }[];
  /** What a CAM method's layer option (and a filter dream) can name. */
  layers: string[];
  defaultLayer: string;
}
export interface DatasetInfo {
  id: string;
  title: string;
  side: number;
  channels: number;
  classNames: string[];
}
"#;
