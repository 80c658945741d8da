//! Where one map's time goes: each node of the graph engine (`src/graph`) forward and
//! backward, next to burn's whole forward pass and autodiff gradient, natively, medians over test-like
//! images: `cargo run --release --example profile [-- --reps N]`. (The release profile builds burn
//! for size, as the WASM ships it; burn's columns at opt-level 3 come from the dev profile.)

mod common;

use std::time::Instant;

use saliency::attribution::{ReluRule, autodiff_gradient};
use saliency::graph::Maps;
use saliency::model::images_to_tensor;

fn median(mut t: Vec<f64>) -> f64 {
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// Median milliseconds of `reps` calls of `f`.
fn time(reps: usize, f: impl Fn()) -> f64 {
    median(
        (0..reps)
            .map(|_| {
                let t0 = Instant::now();
                f();
                t0.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

fn main() {
    let reps = common::reps(300);
    for (kind, net) in common::shipped_networks() {
        // A blob on a dark background, like a digit: about as many zeros as a real input.
        let side = kind.side() as f32;
        let img: Vec<f32> = (0..kind.input_len())
            .map(|i| {
                let p = i / kind.channels();
                let (y, x) = ((p / kind.side()) as f32 / side - 0.5, (p % kind.side()) as f32 / side - 0.5);
                (1.0 - 12.0 * (x * x + y * y)).clamp(0.0, 1.0)
            })
            .collect();
        let x = images_to_tensor(kind, &img, &net.device()).expect("a valid image");
        let chw = saliency::model::to_vec(x.clone());
        let graph = net.graph();
        let input = || Maps::from_chw(&chw, kind.channels(), kind.side(), kind.side());
        let trace = graph.forward(input());
        println!("{} (median of {reps}, ms)\n  node        forward   backward", kind.title());
        let (mut fsum, mut bsum) = (0.0, 0.0);
        // The gradient arriving at each node's output in the backward pass of logit 3.
        let mut grads = vec![Maps::default(); graph.nodes().len()];
        for (i, g) in grads.iter_mut().enumerate() {
            *g = graph.backward(&trace, Maps::one_hot(10, 3), ReluRule::Gradient, i + 1);
        }
        for (i, node) in graph.nodes().iter().enumerate() {
            let inputs: Vec<_> = node.inputs.iter().map(|&v| &trace.values[v]).collect();
            let f = time(reps, || {
                std::hint::black_box(node.op.forward(&inputs));
            });
            let b = time(reps, || {
                std::hint::black_box(node.op.backward(&inputs, &trace.values[i + 1], &grads[i], ReluRule::Gradient));
            });
            (fsum, bsum) = (fsum + f, bsum + b);
            println!("  {:10} {f:8.3} {b:10.3}", node.name);
        }
        println!("  {:10} {fsum:8.3} {bsum:10.3}", "sum");
        let whole = time(reps, || {
            std::hint::black_box(net.backward(&graph.forward(input()), 3, ReluRule::Gradient, 0));
        });
        let burn_forward = time(reps, || {
            std::hint::black_box(net.cnn().unwrap().forward(x.clone()));
        });
        let burn_grad = time(reps, || {
            std::hint::black_box(autodiff_gradient(net.frozen().unwrap(), &x, &[3]));
        });
        println!(
            "  direct forward + backward {whole:.3}; burn forward {burn_forward:.3}, burn autodiff gradient {burn_grad:.3}\n"
        );
    }
}
