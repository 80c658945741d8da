//! Adam with Keras's defaults and Keras 3's arithmetic (f32): α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ),
//! m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂), θ −= α·m / (√v + ε).

#[derive(Clone, Debug)]
pub struct Adam {
    pub learning_rate: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub epsilon: f32,
    /// Updates applied so far.
    pub steps: u32,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
}

impl Adam {
    /// `keras.optimizers.Adam(learning_rate)`: β₁ 0.9, β₂ 0.999, ε 1e-7.
    pub fn keras(learning_rate: f32) -> Self {
        Adam { learning_rate, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, steps: 0, m: Vec::new(), v: Vec::new() }
    }

    /// One update of every parameter vector by its gradient (same shapes; the moments start at
    /// zero on the first call).
    pub fn update(&mut self, params: &mut [Vec<f32>], grads: &[Vec<f32>]) {
        if self.m.len() != params.len() {
            self.m = params.iter().map(|p| vec![0.0; p.len()]).collect();
            self.v = self.m.clone();
        }
        self.steps += 1;
        let t = self.steps as i32;
        let alpha = self.learning_rate * (1.0 - self.beta2.powi(t)).sqrt() / (1.0 - self.beta1.powi(t));
        let (b1, b2, eps) = (1.0 - self.beta1, 1.0 - self.beta2, self.epsilon);
        for (((p, g), m), v) in params.iter_mut().zip(grads).zip(&mut self.m).zip(&mut self.v) {
            for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                *m += (g - *m) * b1;
                *v += (g * g - *v) * b2;
                *p -= *m * alpha / (v.sqrt() + eps);
            }
        }
    }
}
