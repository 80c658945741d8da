//! A small seeded generator (SplitMix64) so shuffles, SmoothGrad noise and sanity-check
//! re-initialisation give the same numbers natively and in WASM.

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
    pub fn skip_normals(&mut self, mut n: usize) {
        if n > 0 && self.spare.take().is_some() {
            n -= 1;
        }
        self.state = self.state.wrapping_add(GAMMA.wrapping_mul(2 * (n / 2) as u64));
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

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn skipping_normals_lands_where_drawing_them_does() {
        for start in 0..3 {
            for n in [0, 1, 2, 3, 784, 785, 3072] {
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
}
