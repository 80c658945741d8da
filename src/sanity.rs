//! Model-randomisation sanity check (Adebayo et al. 2018): re-initialise layers cascading from the
//! top (fc2, then fc1, conv2, conv1) so a user can see whether a method's map depends on what the
//! network learned.

use crate::model::Cnn;
use crate::rng::Rng;
use crate::weights::WeightSet;

/// Layers in cascade order, top first.
pub const CASCADE: [&str; 4] = ["fc2", "fc1", "conv2", "conv1"];

/// A copy of `model` with the top `depth` layers of `CASCADE` re-initialised (PyTorch's default
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases). A layer's new values depend only
/// on the seed and its name, so deeper cascades extend shallower ones.
pub fn randomize_cascade(model: &Cnn, depth: usize, seed: u64) -> Cnn {
    let mut set = WeightSet::from_model(model);
    for (li, layer) in CASCADE.iter().take(depth).enumerate() {
        let wname = format!("{layer}.weight");
        let bname = format!("{layer}.bias");
        let weight_len = set.tensors.get(wname.as_str()).map_or(0, Vec::len);
        let out = set.tensors.get(bname.as_str()).map_or(1, Vec::len).max(1);
        let fan_in = (weight_len / out).max(1);
        let bound = 1.0 / (fan_in as f64).sqrt();
        let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(li as u64 + 1));
        for name in [wname, bname] {
            if let Some(v) = set.tensors.get_mut(name.as_str()) {
                for x in v.iter_mut() {
                    *x = ((rng.uniform() * 2.0 - 1.0) * bound) as f32;
                }
            }
        }
    }
    set.to_model(&model.device())
}
