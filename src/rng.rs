//! A small seeded generator (SplitMix64) so shuffles, SmoothGrad noise and sanity-check
//! re-initialisation give the same numbers natively and in WASM.

use std::cell::RefCell;
use std::rc::Rc;

pub struct Rng {
    state: u64,
    spare: Option<f64>,
}

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: seed ^ GAMMA, spare: None }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        if let Some(s) = self.spare.take() {
            return s;
        }
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let t = std::f64::consts::TAU * u2;
        self.spare = Some(r * t.sin());
        r * t.cos()
    }

    /// Moves on as if `n` normals had been drawn, without computing them: SplitMix64's state is a
    /// counter, so whole Box-Muller pairs are skipped in one step. A worker computing a share of
    /// SmoothGrad's samples skips the others' noise this way.
    pub fn skip_normals(&mut self, mut n: u64) {
        if n > 0 && self.spare.take().is_some() {
            n -= 1;
        }
        self.state = self.state.wrapping_add(GAMMA.wrapping_mul(2 * (n / 2)));
        if n % 2 == 1 {
            self.normal();
        }
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Normals kept, in all: 2^18 values, 2 MB: a CIFAR-10 SmoothGrad-50 (153,600) and an MNIST one.
/// A soak of 10,000 maps, each with its own seed, grew WASM memory by 12 MB after warm-up when
/// 8 MB were kept (runs of many sizes fragment the heap).
const KEEP: usize = 1 << 18;

/// A run of normals: seed, first position, values.
type Run = (u64, u64, Rc<[f64]>);

thread_local! {
    /// The runs kept, oldest first.
    static KEPT: RefCell<Vec<Run>> = const { RefCell::new(Vec::new()) };
}

/// The standard normals of `Rng::new(seed)`'s stream from position `first` on. Runs are drawn
/// once per thread and kept (up to `KEEP` values in all, the oldest dropped first): drawing
/// (libm's ln, sin and cos) is ~7 % of a CIFAR-10 SmoothGrad in WASM, and a map drawn again (the
/// pen moved, another setting, a pool worker's parts of the next job) reads the same runs.
/// Longer runs, and reads past a run, are drawn as they are read.
pub struct Normals {
    seed: u64,
    first: u64,
    /// How many have been read.
    at: usize,
    kept: Option<Rc<[f64]>>,
    /// Positioned at `first + at` once reads go past `kept`.
    rng: Option<Rng>,
}

impl Normals {
    /// Normals `first..first + count` (and on).
    pub fn new(seed: u64, first: u64, count: usize) -> Self {
        Self::keeping(seed, first, count, KEEP)
    }

    fn keeping(seed: u64, first: u64, count: usize, keep: usize) -> Self {
        let kept = (count <= keep).then(|| {
            KEPT.with_borrow_mut(|runs| {
                if let Some((.., run)) = runs.iter().find(|(s, f, run)| (*s, *f, run.len()) == (seed, first, count)) {
                    return run.clone();
                }
                let mut rng = Rng::new(seed);
                rng.skip_normals(first);
                let run: Rc<[f64]> = (0..count).map(|_| rng.normal()).collect();
                runs.push((seed, first, run.clone()));
                let mut total: usize = runs.iter().map(|(.., run)| run.len()).sum();
                while total > keep {
                    total -= runs.remove(0).2.len();
                }
                run
            })
        });
        Normals { seed, first, at: 0, kept, rng: None }
    }

    /// Fills `out` with the next normals.
    pub fn fill(&mut self, out: &mut [f64]) {
        let end = self.at + out.len();
        if let Some(run) = self.kept.as_ref().and_then(|k| k.get(self.at..end)) {
            out.copy_from_slice(run);
        } else {
            let (seed, first, at) = (self.seed, self.first, self.at as u64);
            let rng = self.rng.get_or_insert_with(|| {
                let mut rng = Rng::new(seed);
                rng.skip_normals(first.saturating_add(at));
                rng
            });
            out.iter_mut().for_each(|z| *z = rng.normal());
        }
        self.at = end;
        // Once past the kept run, every read is drawn: the generator stays in step.
        if self.rng.is_some() {
            self.kept = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{KEEP, Normals, Rng};
    use std::rc::Rc;

    #[test]
    fn skipping_normals_lands_where_drawing_them_does() {
        for start in 0..3 {
            for n in [0u64, 1, 2, 3, 784, 785, 3072] {
                let (mut drawn, mut skipped) = (Rng::new(7), Rng::new(7));
                for _ in 0..start {
                    drawn.normal();
                    skipped.normal();
                }
                for _ in 0..n {
                    drawn.normal();
                }
                skipped.skip_normals(n);
                let next = |r: &mut Rng| [r.normal(), r.normal(), r.normal(), r.uniform()];
                assert_eq!(next(&mut drawn), next(&mut skipped), "start {start}, n {n}");
            }
        }
    }

    #[test]
    fn normals_kept_or_drawn_are_the_streams() {
        for (first, count) in [(0, 10), (7, 784), (784 * 3, 3072)] {
            let mut rng = Rng::new(9);
            rng.skip_normals(first);
            // Past the run too: reads beyond `count` go on drawing from the right place.
            let want: Vec<f64> = (0..count + 5).map(|_| rng.normal()).collect();
            for keep in [0, count, usize::MAX] {
                let mut normals = Normals::keeping(9, first, count, keep);
                let mut got = vec![0.0; count + 5];
                let (a, rest) = got.split_at_mut(count / 2);
                normals.fill(a);
                let (b, c) = rest.split_at_mut(count - count / 2);
                normals.fill(b);
                normals.fill(c);
                assert_eq!(got, want, "first {first}, count {count}, keep {keep}");
            }
        }
        // Kept runs are reused, not drawn again (a pool worker alternates between its parts'),
        // until newer ones push them out.
        let run = |n: Normals| n.kept.expect("kept");
        let same = |a: &Rc<[f64]>, b: Normals| Rc::ptr_eq(a, &run(b));
        let (a, b) = (run(Normals::new(3, 5, 100)), run(Normals::new(3, 105, 100)));
        assert!(same(&a, Normals::new(3, 5, 100)) && same(&b, Normals::new(3, 105, 100)));
        assert!(!same(&a, Normals::new(4, 5, 100)), "another seed");
        assert!(Normals::new(3, 5, KEEP + 1).kept.is_none(), "too long to keep");
        let _ = run(Normals::new(3, 0, KEEP - 100));
        assert!(!same(&a, Normals::new(3, 5, 100)), "dropped to keep KEEP in all");
    }
}
