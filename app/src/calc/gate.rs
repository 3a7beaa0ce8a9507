//! Gates: a sigmoid between 0 and 1 multiplied into a signal.

/// `σ(x) = 1 / (1 + e^−x)`.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `gate(x) = σ(w·x + b)`; the output is `gate · signal`. Returns `(gate, output)`.
pub fn gated(signal: f64, w: f64, x: f64, b: f64) -> (f64, f64) {
    let g = sigmoid(w * x + b);
    (g, g * signal)
}

/// SiLU (swish), `z·σ(z)`: the gate inside SwiGLU.
pub fn silu(z: f64) -> f64 {
    z * sigmoid(z)
}

/// One SwiGLU unit: `silu(gate pre-activation) × up value`.
pub fn swiglu(gate_pre: f64, up: f64) -> f64 {
    silu(gate_pre) * up
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_is_a_half_at_zero_and_symmetric() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() < 1e-15);
        assert!((sigmoid(2.0) - 0.880797).abs() < 1e-6);
    }

    #[test]
    fn the_guides_open_and_closed_gate() {
        // ln(0.95/0.05) makes the gate exactly 0.95: 0.8 × 0.95 = 0.76.
        let (g, out) = gated(0.8, 1.0, (0.95f64 / 0.05).ln(), 0.0);
        assert!((g - 0.95).abs() < 1e-12 && (out - 0.76).abs() < 1e-12);
        let (g, out) = gated(0.8, 1.0, (0.05f64 / 0.95).ln(), 0.0);
        assert!((g - 0.05).abs() < 1e-12 && (out - 0.04).abs() < 1e-12);
    }

    #[test]
    fn swiglu_passes_positive_gates_and_squashes_negative_ones() {
        assert!((silu(1.0) - 0.731059).abs() < 1e-6);
        assert!((swiglu(-6.0, 2.0) - (-6.0 * sigmoid(-6.0) * 2.0)).abs() < 1e-15);
        assert!(swiglu(-6.0, 2.0).abs() < 0.03);
    }
}
