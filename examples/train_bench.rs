//! Native training speed of the graph engine (`saliency::learn`): images per second of a
//! batch-250 step on 1 and 2 threads, each over a few steps of the data set's first images
//! (`cargo run --example train_bench [-- --reps N]`). Numbers only: no test reads them.

use std::time::Instant;

use saliency::learn::{Examples, Settings, Trainer};
use saliency::model::{Cnn, DatasetKind};

fn main() {
    let reps = std::env::args().skip_while(|a| a != "--reps").nth(1).and_then(|v| v.parse().ok()).unwrap_or(5);
    let dir = saliency::data::resolve_dir(None).expect("a data directory (SALIENCY_DATA)");
    for kind in DatasetKind::ALL {
        let data = saliency::data::load(kind, &dir, saliency::data::Split::Train).expect("training data");
        let graph = saliency::tutorial::graph_of(&Cnn::new(kind, &saliency::backend::default_device()));
        let graph = Trainer::initial(&graph, 1);
        let ex = Examples::new(&data.images, &data.labels, graph.input_shape()).expect("the data set's shape");
        for threads in [1, 2] {
            let mut t = Trainer::new(graph.clone(), ex.len(), Settings::default()).expect("settings");
            let _ = t.run_step(&ex, threads); // warm-up
            let t0 = Instant::now();
            for _ in 0..reps {
                let _ = t.run_step(&ex, threads);
            }
            let s = t0.elapsed().as_secs_f64() / reps as f64;
            println!(
                "{:8} {threads} thread(s): step of 250 {:7.1} ms, {:6.0} images/s, epoch of {} ≈ {:.0} s",
                kind.id(),
                s * 1e3,
                250.0 / s,
                ex.len() * 4 / 5,
                s * (ex.len() * 4 / 5) as f64 / 250.0
            );
        }
    }
}
