//! Sound to spectrogram, as Whisper's front end does it (Radford et al. 2022, "Robust Speech
//! Recognition via Large-Scale Weak Supervision"): 16 kHz audio, 25 ms Hann windows every 10 ms,
//! the power spectrum of each, 80 mel bands, log10 with an 8-decade floor. One difference: our
//! FFT is radix-2, so each 400-sample window is zero-padded to 512 points (Whisper uses 400).
//!
//! The sound is synthetic and every sample a function of time, so the page needs no audio file.

use std::f64::consts::PI;

use super::fft::{hann, power_spectrum};
use super::vit::Image;

/// Samples per second.
pub const RATE: f64 = 16_000.0;
/// Window length in samples: 25 ms.
pub const WINDOW: usize = 400;
/// Hop between windows in samples: 10 ms.
pub const HOP: usize = 160;
/// FFT length: the window zero-padded to a power of two.
pub const N_FFT: usize = 512;
/// Mel bands.
pub const N_MELS: usize = 80;
/// Whisper keeps 8 decades (80 dB) below the loudest value.
const FLOOR_DECADES: f64 = 8.0;

/// The synthetic clip: a rising chirp under the whole clip, and a two-note chord (a root and its
/// fifth, 3:2) in its middle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sound {
    /// Where the chirp starts, Hz.
    pub chirp_from: f64,
    /// Where the chirp ends, Hz.
    pub chirp_to: f64,
    /// The chord's lower note, Hz; the upper is 1.5× it.
    pub chord_root: f64,
    /// Length of the clip, seconds.
    pub seconds: f64,
}

/// When the chord sounds, seconds from the start, as fractions of the clip.
const CHORD: (f64, f64) = (0.4, 0.9);

/// A gain that rises and falls over 10 ms at `start` and `end`, so notes do not click.
fn envelope(t: f64, start: f64, end: f64) -> f64 {
    let ramp = 0.01;
    let edge = ((t - start) / ramp).min((end - t) / ramp).clamp(0.0, 1.0);
    0.5 - 0.5 * (PI * edge).cos()
}

/// The clip's samples at [`RATE`], within `[-1, 1]`.
pub fn synth(s: &Sound) -> Vec<f64> {
    let n = (s.seconds * RATE).round() as usize;
    let (on, off) = (CHORD.0 * s.seconds, CHORD.1 * s.seconds);
    (0..n)
        .map(|i| {
            let t = i as f64 / RATE;
            // A linear chirp's phase is the integral of its frequency f0 + (f1 − f0)·t/T.
            let phase = s.chirp_from * t + (s.chirp_to - s.chirp_from) * t * t / (2.0 * s.seconds);
            let chirp = 0.35 * (2.0 * PI * phase).sin() * envelope(t, 0.0, s.seconds);
            let root = (2.0 * PI * s.chord_root * t).sin();
            let fifth = (2.0 * PI * 1.5 * s.chord_root * t).sin();
            chirp + 0.3 * (root + fifth) * envelope(t, on, off)
        })
        .collect()
}

/// How many whole windows fit: `1 + (len − window) / hop`, none if the clip is shorter.
pub fn frame_count(len: usize, window: usize, hop: usize) -> usize {
    if len < window { 0 } else { 1 + (len - window) / hop }
}

/// Hz to mel on the Slaney scale (librosa's default, which Whisper's filters use): linear,
/// 200/3 Hz per mel, up to 1 kHz (mel 15), logarithmic above (×6.4 every 27 mels).
pub fn hz_to_mel(f: f64) -> f64 {
    let log_step = 6.4f64.ln() / 27.0;
    if f < 1000.0 { f * 3.0 / 200.0 } else { 15.0 + (f / 1000.0).ln() / log_step }
}

/// The inverse of [`hz_to_mel`].
pub fn mel_to_hz(m: f64) -> f64 {
    let log_step = 6.4f64.ln() / 27.0;
    if m < 15.0 { m * 200.0 / 3.0 } else { 1000.0 * ((m - 15.0) * log_step).exp() }
}

/// `n_mels` triangular filters over the `n_fft / 2 + 1` FFT bins from 0 Hz to half the sample
/// rate, centres evenly spaced in mel, each scaled to unit area in Hz (Slaney's normalisation,
/// as `librosa.filters.mel`). `(n_mels, n_fft / 2 + 1)`, row-major.
pub fn mel_filters(n_mels: usize, n_fft: usize, rate: f64) -> Vec<f64> {
    let bins = n_fft / 2 + 1;
    let top = hz_to_mel(rate / 2.0);
    let edges: Vec<f64> =
        (0..n_mels + 2).map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64)).collect();
    let mut w = vec![0.0; n_mels * bins];
    for (m, e) in edges.windows(3).enumerate() {
        let (lo, mid, hi) = (e[0], e[1], e[2]);
        let area = 2.0 / (hi - lo);
        for k in 0..bins {
            let f = k as f64 * rate / n_fft as f64;
            let rise = (f - lo) / (mid - lo);
            let fall = (hi - f) / (hi - mid);
            w[m * bins + k] = rise.min(fall).max(0.0) * area;
        }
    }
    w
}

/// Where frequency `f` falls on the band axis, with band `i` spanning `[i, i + 1]` and its
/// filter's centre at `i + 0.5`.
pub fn band_position(f: f64, n_mels: usize, rate: f64) -> f64 {
    let spacing = hz_to_mel(rate / 2.0) / (n_mels + 1) as f64;
    hz_to_mel(f) / spacing - 0.5
}

/// Where time `t` (seconds) falls on the frame axis, with frame `k` spanning `[k, k + 1]` and its
/// window centred on `k + 0.5`.
pub fn frame_position(t: f64) -> f64 {
    (t * RATE - WINDOW as f64 / 2.0) / HOP as f64 + 0.5
}

/// A log-mel spectrogram.
#[derive(Clone, Debug, PartialEq)]
pub struct Spectrogram {
    /// Mel bands, lowest first.
    pub bands: usize,
    /// Time frames.
    pub frames: usize,
    /// `(bands, frames)`, row-major: log10 of the band's power, floored 8 decades below the
    /// loudest value.
    pub values: Vec<f64>,
}

impl Spectrogram {
    /// The value of `band` in `frame`.
    pub fn at(&self, band: usize, frame: usize) -> f64 {
        self.values[band * self.frames + frame]
    }

    /// The loudest value.
    pub fn max(&self) -> f64 {
        self.values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}

/// Whisper's log-mel front end on `samples` at [`RATE`]: frames of [`WINDOW`] samples every
/// [`HOP`], Hann-windowed, power spectrum, [`N_MELS`] mel bands, log10, floored.
pub fn log_mel(samples: &[f64]) -> Spectrogram {
    let frames = frame_count(samples.len(), WINDOW, HOP);
    let bins = N_FFT / 2 + 1;
    let filters = mel_filters(N_MELS, N_FFT, RATE);
    let window = hann(WINDOW);
    let mut values = vec![0.0; N_MELS * frames];
    for t in 0..frames {
        let frame: Vec<f64> =
            samples[t * HOP..t * HOP + WINDOW].iter().zip(&window).map(|(x, w)| x * w).collect();
        let power = power_spectrum(&frame, N_FFT); // (bins,)
        for (m, filter) in filters.chunks(bins).enumerate() {
            let energy: f64 = filter.iter().zip(&power).map(|(w, p)| w * p).sum();
            values[m * frames + t] = energy.max(1e-10).log10();
        }
    }
    let mut spec = Spectrogram { bands: N_MELS, frames, values };
    let floor = spec.max() - FLOOR_DECADES;
    spec.values.iter_mut().for_each(|v| *v = v.max(floor));
    spec
}

/// The "magma"-like colour for `v` in `[0, 1]`: near black through purple and orange to pale
/// yellow, so loud reads bright in either page theme.
pub fn heat_colour(v: f64) -> [u8; 3] {
    const STOPS: [[f64; 3]; 5] = [
        [0.0, 0.0, 4.0],
        [81.0, 18.0, 124.0],
        [183.0, 55.0, 121.0],
        [252.0, 137.0, 97.0],
        [252.0, 253.0, 191.0],
    ];
    let x = v.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    std::array::from_fn(|c| (STOPS[i][c] + (STOPS[i + 1][c] - STOPS[i][c]) * f).round() as u8)
}

/// The spectrogram as a picture, one pixel per (frame, band): time left to right, the lowest band
/// at the bottom, the floor black and the loudest value pale yellow.
pub fn to_image(spec: &Spectrogram) -> Image {
    let (max, span) = (spec.max(), FLOOR_DECADES);
    let mut rgb = Vec::with_capacity(spec.bands * spec.frames * 3);
    for band in (0..spec.bands).rev() {
        for t in 0..spec.frames {
            rgb.extend_from_slice(&heat_colour((spec.at(band, t) - (max - span)) / span));
        }
    }
    Image { width: spec.frames, height: spec.bands, rgb }
}

/// How many `patch × patch` patches tile `(bands, frames)`, as (rows, columns); partial patches
/// at the edges are dropped.
pub fn patch_grid(bands: usize, frames: usize, patch: usize) -> (usize, usize) {
    (bands / patch, frames / patch)
}

/// The length a 1-D convolution leaves: `(len + 2·padding − kernel) / stride + 1`.
pub fn conv_len(len: usize, kernel: usize, stride: usize, padding: usize) -> usize {
    (len + 2 * padding).saturating_sub(kernel) / stride + 1
}

/// Whisper's audio tokens for `frames` spectrogram frames: its encoder starts with two
/// convolutions of width 3 and padding 1, the second with stride 2, so it halves the frames.
pub fn whisper_tokens(frames: usize) -> usize {
    conv_len(conv_len(frames, 3, 1, 1), 3, 2, 1)
}

/// A mono 16-bit PCM WAV file of `samples` (clamped to `[-1, 1]`) at `rate` samples a second.
pub fn to_wav(samples: &[f64], rate: u32) -> Vec<u8> {
    let data = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes()); // bytes per second
    out.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIP: Sound =
        Sound { chirp_from: 200.0, chirp_to: 6000.0, chord_root: 440.0, seconds: 1.0 };

    fn tone(f: f64, seconds: f64) -> Vec<f64> {
        (0..(seconds * RATE) as usize).map(|i| (2.0 * PI * f * i as f64 / RATE).sin()).collect()
    }

    /// The loudest band of frame `t`.
    fn loudest(spec: &Spectrogram, t: usize) -> usize {
        (0..spec.bands).max_by(|&a, &b| spec.at(a, t).total_cmp(&spec.at(b, t))).unwrap()
    }

    #[test]
    fn one_second_makes_98_frames_of_80_bands() {
        let x = synth(&CLIP);
        assert_eq!(x.len(), 16_000);
        assert!(x.iter().all(|v| v.abs() <= 1.0));
        assert_eq!(frame_count(16_000, 400, 160), 98); // 1 + 15600/160, rounded down
        assert_eq!(frame_count(399, 400, 160), 0);
        let spec = log_mel(&x);
        assert_eq!((spec.bands, spec.frames, spec.values.len()), (80, 98, 80 * 98));
        let (max, min) = (spec.max(), spec.values.iter().copied().fold(f64::INFINITY, f64::min));
        assert!(max - min <= 8.0 + 1e-12);
    }

    #[test]
    fn the_slaney_mel_scale() {
        assert_eq!(hz_to_mel(500.0), 7.5);
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(6400.0) - 42.0).abs() < 1e-9); // 27 mels per ×6.4
        for f in [0.0, 300.0, 999.0, 1000.0, 2500.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(f)) - f).abs() < 1e-9, "{f}");
        }
    }

    #[test]
    fn every_filter_covers_some_bin_with_unit_area() {
        let bins = N_FFT / 2 + 1;
        let w = mel_filters(N_MELS, N_FFT, RATE);
        assert_eq!(w.len(), N_MELS * bins);
        let df = RATE / N_FFT as f64;
        for (m, row) in w.chunks(bins).enumerate() {
            assert!(row.iter().any(|&v| v > 0.0), "filter {m} is empty");
            // Sampled every 31.25 Hz, a triangle two or three bins wide keeps its unit area to
            // within about a tenth, depending on where the bins fall.
            let area: f64 = row.iter().sum::<f64>() * df;
            assert!((area - 1.0).abs() < 0.12, "filter {m}: area {area}");
        }
    }

    #[test]
    fn a_pure_tone_lights_the_band_of_its_frequency() {
        for f in [300.0, 1000.0, 3000.0] {
            let spec = log_mel(&tone(f, 0.2));
            let want = band_position(f, N_MELS, RATE).floor() as usize;
            for t in 0..spec.frames {
                assert!(loudest(&spec, t).abs_diff(want) <= 1, "{f} Hz frame {t}");
            }
        }
    }

    #[test]
    fn the_chirp_rises_and_the_chord_appears_in_its_time() {
        let spec = log_mel(&synth(&CLIP));
        let early = frame_position(0.1) as usize;
        let late = frame_position(0.95) as usize;
        assert!(loudest(&spec, late) > loudest(&spec, early) + 20);
        let root = band_position(440.0, N_MELS, RATE).floor() as usize;
        let during = frame_position(0.6) as usize;
        assert!(spec.at(root, during) > spec.at(root, early) + 2.0, "the chord adds 100× power");
    }

    #[test]
    fn a_silent_clip_is_all_floor() {
        let spec = log_mel(&vec![0.0; 800]);
        assert_eq!(spec.frames, 3);
        assert!(spec.values.iter().all(|&v| v == -10.0));
    }

    #[test]
    fn colours_run_dark_to_bright() {
        assert_eq!(heat_colour(0.0), [0, 0, 4]);
        assert_eq!(heat_colour(1.0), [252, 253, 191]);
        assert_eq!(heat_colour(-3.0), heat_colour(0.0));
        let lum = |c: [u8; 3]| u32::from(c[0]) + u32::from(c[1]) + u32::from(c[2]);
        let steps: Vec<u32> = (0..=10).map(|i| lum(heat_colour(f64::from(i) / 10.0))).collect();
        assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
    }

    #[test]
    fn the_picture_has_the_low_band_at_the_bottom() {
        let spec = log_mel(&tone(300.0, 0.1));
        let img = to_image(&spec);
        assert_eq!((img.width, img.height), (spec.frames, 80));
        let band = loudest(&spec, 0);
        assert_eq!(img.pixel(0, 79 - band), [252, 253, 191]);
    }

    #[test]
    fn tokens_from_the_sizes() {
        assert_eq!(patch_grid(80, 98, 16), (5, 6));
        assert_eq!(patch_grid(80, 98, 10), (8, 9));
        // Whisper: 30 s is 3000 frames and 1500 audio tokens.
        assert_eq!(whisper_tokens(3000), 1500);
        assert_eq!(whisper_tokens(98), 49);
        assert_eq!(conv_len(10, 3, 1, 1), 10);
    }

    #[test]
    fn wav_header_and_samples() {
        let wav = to_wav(&[0.0, 1.0, -1.0, 2.0], 16_000);
        assert_eq!(wav.len(), 44 + 8);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(u32::from_le_bytes(wav[4..8].try_into().unwrap()), 44);
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 16_000);
        assert_eq!(&wav[36..40], b"data");
        let s: Vec<i16> = wav[44..].chunks(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
        assert_eq!(s, [0, 32767, -32767, 32767]);
    }
}
