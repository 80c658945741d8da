//! Native timings of every method on the shipped weights (median of repeated runs), for the
//! notes and for spotting regressions: `cargo run --example bench [-- --reps N]`.

mod common;

use std::time::Instant;

use saliency::attribution::{METHODS, MethodOptions};
use saliency::explain::explain;

fn main() {
    let reps = common::reps(15);
    for (kind, net) in common::shipped_networks() {
        // A new image each run, as a user drawing would: the network reuses the forward pass of
        // the last image it saw, which a repeated image would flatter.
        let img =
            |r: usize| -> Vec<f32> { (0..kind.input_len()).map(|i| ((i * 37 + r) % 101) as f32 / 100.0).collect() };
        for method in METHODS {
            let Ok(opts) = MethodOptions::new(method.id) else { continue };
            let _ = explain(&net, &img(reps), &opts); // warm-up
            let mut t: Vec<f64> = (0..reps)
                .map(|r| {
                    let img = img(r);
                    let t0 = Instant::now();
                    let _ = explain(&net, &img, &opts);
                    t0.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            t.sort_by(f64::total_cmp);
            println!("{:8} {:15} median {:8.2} ms  (min {:.2})", kind.id(), method.id, t[t.len() / 2], t[0]);
        }
    }
}
