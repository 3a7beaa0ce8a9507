//! A tiny network, 2 inputs → 2 sigmoid hidden units → 2 sigmoid outputs, with squared-error
//! loss, its forward pass and its backward pass by the chain rule. The starting weights are the
//! ones of Matt Mazur's well-known worked example, so every number can be checked by hand.

use super::gate::sigmoid;

/// Weights and biases. `w1[j][i]` joins input i to hidden j; `w2[k][j]` joins hidden j to
/// output k.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Net {
    pub w1: [[f64; 2]; 2],
    pub b1: f64,
    pub w2: [[f64; 2]; 2],
    pub b2: f64,
}

/// Everything the forward pass computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forward {
    pub hidden: [f64; 2],
    pub out: [f64; 2],
    /// `½ Σ (target − out)²`.
    pub loss: f64,
}

/// `∂L/∂w` for every weight (biases are held fixed, as in the worked example).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grads {
    pub w1: [[f64; 2]; 2],
    pub w2: [[f64; 2]; 2],
}

impl Net {
    /// The worked example's starting point.
    pub const EXAMPLE: Net = Net {
        w1: [[0.15, 0.20], [0.25, 0.30]],
        b1: 0.35,
        w2: [[0.40, 0.45], [0.50, 0.55]],
        b2: 0.60,
    };

    /// The forward pass.
    pub fn forward(&self, x: [f64; 2], target: [f64; 2]) -> Forward {
        let h = [0, 1].map(|j| sigmoid(self.w1[j][0] * x[0] + self.w1[j][1] * x[1] + self.b1));
        let o = [0, 1].map(|k| sigmoid(self.w2[k][0] * h[0] + self.w2[k][1] * h[1] + self.b2));
        let loss = 0.5 * ((target[0] - o[0]).powi(2) + (target[1] - o[1]).powi(2));
        Forward { hidden: h, out: o, loss }
    }

    /// The backward pass: the chain rule from the loss back to every weight.
    pub fn backward(&self, x: [f64; 2], target: [f64; 2]) -> (Forward, Grads) {
        let f = self.forward(x, target);
        // δ_k = ∂L/∂net_k = (out − target) · σ'(net), with σ' = out(1 − out).
        let d_out = [0, 1].map(|k| (f.out[k] - target[k]) * f.out[k] * (1.0 - f.out[k]));
        let w2 = [0, 1].map(|k| [0, 1].map(|j| d_out[k] * f.hidden[j]));
        let d_hid = [0, 1].map(|j| {
            let back = d_out[0] * self.w2[0][j] + d_out[1] * self.w2[1][j];
            back * f.hidden[j] * (1.0 - f.hidden[j])
        });
        let w1 = [0, 1].map(|j| [0, 1].map(|i| d_hid[j] * x[i]));
        (f, Grads { w1, w2 })
    }

    /// One gradient-descent update, `w ← w − η·∂L/∂w`.
    pub fn step(&self, g: &Grads, eta: f64) -> Net {
        let upd = |w: [[f64; 2]; 2], g: [[f64; 2]; 2]| {
            [0, 1].map(|a| [0, 1].map(|b| w[a][b] - eta * g[a][b]))
        };
        Net { w1: upd(self.w1, g.w1), w2: upd(self.w2, g.w2), ..*self }
    }
}

/// The worked example's input and target.
pub const X: [f64; 2] = [0.05, 0.10];
pub const TARGET: [f64; 2] = [0.01, 0.99];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_matches_the_hand_computed_example() {
        let f = Net::EXAMPLE.forward(X, TARGET);
        assert!((f.hidden[0] - 0.593269992).abs() < 1e-9);
        assert!((f.out[0] - 0.75136507).abs() < 1e-8);
        assert!((f.out[1] - 0.772928465).abs() < 1e-9);
        assert!((f.loss - 0.298371109).abs() < 1e-9);
    }

    #[test]
    fn backward_matches_the_hand_computed_gradients_and_update() {
        let (_, g) = Net::EXAMPLE.backward(X, TARGET);
        assert!((g.w2[0][0] - 0.082167041).abs() < 1e-9);
        assert!((g.w1[0][0] - 0.000438568).abs() < 1e-9);
        let next = Net::EXAMPLE.step(&g, 0.5);
        assert!((next.w2[0][0] - 0.35891648).abs() < 1e-8);
        assert!((next.w1[0][0] - 0.149780716).abs() < 1e-9);
    }

    #[test]
    fn gradients_agree_with_finite_differences_and_steps_lower_the_loss() {
        let (f, g) = Net::EXAMPLE.backward(X, TARGET);
        let h = 1e-6;
        let mut bumped = Net::EXAMPLE;
        bumped.w1[1][0] += h;
        let numeric = (bumped.forward(X, TARGET).loss - f.loss) / h;
        assert!((numeric - g.w1[1][0]).abs() < 1e-6);
        let after = Net::EXAMPLE.step(&g, 0.5).forward(X, TARGET).loss;
        assert!(after < f.loss);
    }
}
