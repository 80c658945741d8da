//! The registry as TypeScript text for the JS package's declarations.

use super::list::{METHODS, all_params};
use super::params::ParamKind;
use crate::validate::MAX_BATCH;

/// The registry as TypeScript declarations for the JS package: the options of `Model.explain`
/// typed from the parameters, so a misspelt option is a type error.
pub fn typescript() -> String {
    let quote = |v: &[&str]| v.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(" | ");
    let ids: Vec<&str> = METHODS.iter().flat_map(|m| std::iter::once(m.id).chain(m.aliases.iter().copied())).collect();
    let wrappable: Vec<&str> = METHODS.iter().filter(|m| m.wrappable).map(|m| m.id).collect();
    let mut out =
        String::from("// Generated from the method registry (src/attribution/registry/); do not edit by hand.\n");
    out += &format!("export type MethodId = {};\n", quote(&ids));
    out += "export interface ExplainOptions {\n";
    out += "  /** The attribution method (default 'vanilla'). */\n  method?: MethodId;\n";
    out += "  /** Class to explain, 0..classes-1; the predicted class when absent or null. */\n  target?: number | null;\n";
    out += &format!("  /** Images per batch through the network (capped at {MAX_BATCH}). */\n  batchSize?: number;\n");
    for p in all_params() {
        let users: Vec<&str> =
            METHODS.iter().filter(|m| m.params.iter().any(|q| q.key == p.key)).map(|m| m.name).collect();
        let (ty, range) = match p.kind {
            ParamKind::Int { min, max, default } => {
                ("number | bigint".to_string(), format!("whole number {min}..{max}, default {default}"))
            }
            ParamKind::Float { min, max, default, .. } => {
                ("number".to_string(), format!("{min}..{max}, default {default}"))
            }
            ParamKind::Choice { choices, default } => (quote(choices), format!("default '{default}'")),
            ParamKind::Method { default } => (quote(&wrappable), format!("default '{default}'")),
            ParamKind::Layer { default } => {
                ("string".to_string(), format!("a node name; default '{default}': the model's default layer"))
            }
            ParamKind::Image { named, default } => (
                format!("Float32Array | number[] | {}", quote(named)),
                format!("H x W x C in [0, 1], default '{default}'"),
            ),
        };
        out += &format!("  /** {} ({}): {} ({range}). */\n  {}?: {ty};\n", p.label, users.join(", "), p.help, p.key);
    }
    out += "}\n";
    out += TYPESCRIPT_FIXED;
    out
}

/// The declarations that do not depend on the registry.
const TYPESCRIPT_FIXED: &str = r#"export interface PostOptions {
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
