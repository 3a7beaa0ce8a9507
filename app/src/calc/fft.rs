//! The discrete Fourier transform, computed by the radix-2 Cooley–Tukey FFT, and the Hann window
//! that short-time transforms multiply each frame by.

use std::f64::consts::PI;

/// Replaces `(re, im)` by its discrete Fourier transform, `X[k] = Σₙ x[n]·e^(−2πi·k·n/N)`, in
/// place and unnormalised. `N` must be a power of two.
pub fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    assert_eq!(im.len(), n, "fft: real and imaginary parts differ in length");
    assert!(n.is_power_of_two(), "fft: length {n} is not a power of two");
    if n == 1 {
        return; // X[0] = x[0]
    }
    // Reorder into bit-reversed index order, so each pass below combines neighbours in place.
    let bits = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    // Each pass merges pairs of half-length transforms with the butterfly
    // X[k] = E[k] + w^k·O[k], X[k + half] = E[k] − w^k·O[k], where w = e^(−2πi/len).
    let mut len = 2;
    while len <= n {
        let half = len / 2;
        let step = -2.0 * PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..half {
                let (wi, wr) = (step * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + half);
                let (tr, ti) = (re[b] * wr - im[b] * wi, re[b] * wi + im[b] * wr);
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len *= 2;
    }
}

/// The power spectrum `|X[k]|²` for `k = 0 ..= n/2` of a real signal, zero-padded to `n` (a power
/// of two, at least `x.len()`). The bins above `n/2` mirror these and are left out.
pub fn power_spectrum(x: &[f64], n: usize) -> Vec<f64> {
    assert!(x.len() <= n, "power_spectrum: {} samples do not fit in {n}", x.len());
    let mut re = x.to_vec();
    re.resize(n, 0.0);
    let mut im = vec![0.0; n];
    fft(&mut re, &mut im);
    re.iter().zip(&im).take(n / 2 + 1).map(|(r, i)| r * r + i * i).collect()
}

/// The periodic Hann window of length `n`, `0.5 − 0.5·cos(2πi/n)`: zero at the first sample,
/// one in the middle. (Periodic, as PyTorch's `hann_window` and Whisper use it.)
pub fn hann(n: usize) -> Vec<f64> {
    (0..n).map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The transform by its definition, O(N²), to check the fast one against.
    fn dft(x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = x.len();
        (0..n)
            .map(|k| {
                x.iter().enumerate().fold((0.0, 0.0), |(r, i), (t, &v)| {
                    let a = -2.0 * PI * (k * t) as f64 / n as f64;
                    (r + v * a.cos(), i + v * a.sin())
                })
            })
            .unzip()
    }

    #[test]
    fn matches_the_definition() {
        for n in [1, 2, 4, 8, 64] {
            let x: Vec<f64> = (0..n).map(|i| ((i * 7 + 3) % 11) as f64 - 5.0).collect();
            let (mut re, mut im) = (x.clone(), vec![0.0; n]);
            fft(&mut re, &mut im);
            let (dr, di) = dft(&x);
            for (k, (fast, slow)) in re.iter().zip(&im).zip(dr.iter().zip(&di)).enumerate() {
                let err = (fast.0 - slow.0).abs().max((fast.1 - slow.1).abs());
                assert!(err < 1e-9, "n={n} k={k}: off by {err}");
            }
        }
    }

    #[test]
    fn small_cases_by_hand() {
        // [1, 2, 3, 4] → [10, −2+2i, −2, −2−2i].
        let (mut re, mut im) = (vec![1.0, 2.0, 3.0, 4.0], vec![0.0; 4]);
        fft(&mut re, &mut im);
        let want = [(10.0, 0.0), (-2.0, 2.0), (-2.0, 0.0), (-2.0, -2.0)];
        for (k, (r, i)) in want.into_iter().enumerate() {
            assert!((re[k] - r).abs() < 1e-12 && (im[k] - i).abs() < 1e-12, "k={k}");
        }
        // An impulse has a flat spectrum.
        let (mut re, mut im) = (vec![0.0; 8], vec![0.0; 8]);
        re[0] = 1.0;
        fft(&mut re, &mut im);
        assert!(re.iter().all(|&v| (v - 1.0).abs() < 1e-12) && im.iter().all(|&v| v.abs() < 1e-12));
    }

    #[test]
    fn a_constant_is_all_in_bin_zero() {
        let p = power_spectrum(&[0.5; 16], 16);
        assert_eq!(p.len(), 9);
        assert!((p[0] - 8.0 * 8.0).abs() < 1e-9, "X[0] = N·c = 8");
        assert!(p[1..].iter().all(|&v| v < 1e-20));
    }

    #[test]
    fn a_pure_tone_peaks_in_its_bin() {
        // 1000 Hz sampled at 16 kHz, 512 points: bins are 31.25 Hz apart, so the tone is bin 32
        // exactly and a cosine of amplitude 1 puts N/2 = 256 there.
        let x: Vec<f64> =
            (0..512).map(|t| (2.0 * PI * 1000.0 * t as f64 / 16_000.0).cos()).collect();
        let p = power_spectrum(&x, 512);
        let peak = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
        assert_eq!(peak, 32);
        assert!((p[32] - 256.0 * 256.0).abs() < 1e-6);
        assert!(p.iter().enumerate().all(|(k, &v)| k == 32 || v < 1e-12));
    }

    #[test]
    fn parseval_energy_is_kept() {
        // Σ|x|² = (1/N)·Σ|X|² over all N bins.
        let x: Vec<f64> = (0..128).map(|i| ((i * 37) % 17) as f64 / 17.0 - 0.4).collect();
        let (mut re, mut im) = (x.clone(), vec![0.0; 128]);
        fft(&mut re, &mut im);
        let time: f64 = x.iter().map(|v| v * v).sum();
        let freq: f64 = re.iter().zip(&im).map(|(r, i)| r * r + i * i).sum::<f64>() / 128.0;
        assert!((time - freq).abs() < 1e-9 * time, "{time} vs {freq}");
    }

    #[test]
    fn hann_is_zero_at_the_start_and_one_in_the_middle() {
        let w = hann(400);
        assert_eq!(w[0], 0.0);
        assert!((w[200] - 1.0).abs() < 1e-12);
        assert!((w[100] - 0.5).abs() < 1e-12 && (w[300] - 0.5).abs() < 1e-12);
        // Periodic: the sum is exactly n/2.
        assert!((w.iter().sum::<f64>() - 200.0).abs() < 1e-9);
    }

    #[test]
    #[should_panic(expected = "not a power of two")]
    fn other_lengths_are_refused() {
        fft(&mut [0.0; 6], &mut [0.0; 6]);
    }
}
