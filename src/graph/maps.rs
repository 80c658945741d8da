//! The engine's one tensor: an activation of one image, `h × w × c`, channel last. A flat vector
//! (after Flatten or a dense layer) is `1 × 1 × c`, its index in (C, H, W) flattening order.

/// The shape of a value: channels and spatial size (a vector has `h = w = 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    pub c: usize,
    pub h: usize,
    pub w: usize,
}

impl Shape {
    pub const fn new(c: usize, h: usize, w: usize) -> Self {
        Shape { c, h, w }
    }
    pub const fn vector(c: usize) -> Self {
        Shape { c, h: 1, w: 1 }
    }
    pub const fn len(self) -> usize {
        self.c * self.h * self.w
    }
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }
    /// Whether it has a spatial extent (what a CAM or a feature-map grid needs).
    pub const fn is_map(self) -> bool {
        self.h * self.w > 1
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.h == 1 && self.w == 1 {
            write!(f, "{}", self.c)
        } else {
            write!(f, "{}×{}×{}", self.c, self.h, self.w)
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Maps {
    pub data: Vec<f32>,
    pub h: usize,
    pub w: usize,
    pub c: usize,
}

impl Maps {
    pub fn zeros(h: usize, w: usize, c: usize) -> Self {
        Maps { data: vec![0.0; h * w * c], h, w, c }
    }
    pub fn of_shape(s: Shape) -> Self {
        Maps::zeros(s.h, s.w, s.c)
    }
    pub fn shape(&self) -> Shape {
        Shape { c: self.c, h: self.h, w: self.w }
    }
    /// A vector with a one at `i` (a backward pass's seed at the logits).
    pub fn one_hot(len: usize, i: usize) -> Self {
        let mut m = Maps::zeros(1, 1, len);
        if let Some(v) = m.data.get_mut(i) {
            *v = 1.0;
        }
        m
    }
    /// From one image in (C, H, W) order.
    pub fn from_chw(chw: &[f32], c: usize, h: usize, w: usize) -> Self {
        let mut m = Maps::zeros(h, w, c);
        for (ch, plane) in chw.chunks_exact(h * w).enumerate() {
            for (p, &v) in plane.iter().enumerate() {
                m.data[p * c + ch] = v;
            }
        }
        m
    }
    /// Appends the values in (C, H, W) order to `out`.
    pub fn extend_chw(&self, out: &mut Vec<f32>) {
        let plane = self.h * self.w;
        out.extend((0..self.c * plane).map(|i| self.data[(i % plane) * self.c + i / plane]));
    }
    pub fn to_chw(&self) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.data.len());
        self.extend_chw(&mut out);
        out
    }
    /// `self += other`, elementwise (gradients meeting where a value feeds two nodes).
    pub fn add_assign(&mut self, other: &Maps) {
        for (a, &b) in self.data.iter_mut().zip(&other.data) {
            *a += b;
        }
    }
}
