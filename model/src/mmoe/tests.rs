//! Tests of the MMoE toy: the data generator against the paper's definitions, the model's
//! shapes and gates, and the run's learning and repeatability.

use super::data::{Tasks, cosine, pearson};
use super::*;
use crate::sampling::Rng;

#[test]
fn task_vectors_have_the_requested_cosine_and_length() {
    for p in [-1.0, -0.5, 0.0, 0.3, 0.9, 1.0] {
        let options = MmoeOptions::page(p, 10, 3);
        let tasks = Tasks::draw(&options, &mut Rng::new(3));
        assert!((cosine(&tasks.w_a, &tasks.w_b) - p).abs() < 1e-12, "cos at p = {p}");
        for w in [&tasks.w_a, &tasks.w_b] {
            let norm = data::dot(w, w).sqrt();
            assert!((norm - options.scale).abs() < 1e-12, "|w| = c");
        }
        assert_eq!(tasks.alphas.len(), options.sinusoids);
    }
}

#[test]
fn label_correlation_rises_with_the_cosine() {
    let label_corr = |p: f64| {
        let options = MmoeOptions::page(p, 10, 5);
        let mut rng = Rng::new(5);
        let tasks = Tasks::draw(&options, &mut rng);
        let ex = tasks.examples(4000, &mut rng);
        pearson(&ex.labels_a, &ex.labels_b)
    };
    let (a, b, c, d) = (label_corr(-0.5), label_corr(0.0), label_corr(0.9), label_corr(1.0));
    assert!(a < b && b < c && c < d, "{a} < {b} < {c} < {d}");
    assert!(b.abs() < 0.1, "orthogonal tasks' labels are nearly uncorrelated: {b}");
    assert!(d > 0.999, "identical tasks differ only by the noise: {d}");
}

#[test]
fn overlap_is_one_for_equal_mixtures_and_zero_for_disjoint() {
    assert!((overlap(&[0.25; 4], &[0.25; 4]) - 1.0).abs() < 1e-6);
    assert_eq!(overlap(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
    assert!((overlap(&[0.5, 0.5, 0.0], &[0.0, 0.5, 0.5]) - 0.5).abs() < 1e-6);
}

#[test]
fn options_are_checked_and_counted() {
    assert!(MmoeOptions::page(1.5, 10, 1).validated().is_err());
    assert!(MmoeOptions::page(f64::NAN, 10, 1).validated().is_err());
    assert!(MmoeOptions::page(0.5, 0, 1).validated().is_err());
    // experts 8·(16·8 + 8), per task a gate 16·8 + 8 and a tower 8·8 + 8 + 8 + 1
    assert_eq!(MmoeOptions::page(0.5, 10, 1).param_count(), 1088 + 2 * (136 + 81));
}

#[cfg(feature = "learn")]
mod run {
    use burn::tensor::{Device, Tensor, TensorData};

    use super::super::run::Mmoe;
    use super::*;

    #[test]
    fn forward_has_the_documented_shapes_and_gates_sum_to_one() {
        let options = MmoeOptions::page(0.5, 10, 1);
        let device = Device::flex();
        let model = Mmoe::init(&options, 9, &device);
        let mut rng = Rng::new(2);
        let x: Vec<f32> = (0..5 * options.dim).map(|_| rng.next_normal() as f32).collect();
        let x = Tensor::from_data(TensorData::new(x, [5, options.dim]), &device);
        let outputs = model.forward(x);
        assert_eq!(outputs.len(), 2);
        for (y, g) in outputs {
            assert_eq!(y.dims(), [5]);
            assert_eq!(g.dims(), [5, options.experts]);
            let sums = g.sum_dim(1).into_data().try_to_vec::<f32>().unwrap();
            assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-5), "{sums:?}");
        }
    }

    #[test]
    fn loss_falls_and_the_same_seed_gives_the_same_numbers() {
        let run = || {
            let mut run = MmoeRun::new(MmoeOptions::page(0.9, 60, 4)).unwrap();
            let initial = run.setup().initial.clone();
            let mut last = None;
            while !run.finished() {
                last = Some(run.step());
            }
            (initial, last.unwrap().eval.unwrap())
        };
        let (initial, end) = run();
        assert!(end.loss_a < 0.7 * initial.loss_a, "{} → {}", initial.loss_a, end.loss_a);
        assert!(end.loss_b < 0.7 * initial.loss_b, "{} → {}", initial.loss_b, end.loss_b);
        for m in [&end.mixture_a, &end.mixture_b] {
            assert!((m.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        }
        assert!((initial.overlap - 1.0).abs() < 1e-5, "zero gates start identical");
        assert_eq!(run(), (initial, end));
    }

    #[test]
    #[ignore = "prints the numbers the chapter shows; run with --ignored --nocapture"]
    fn survey() {
        let var =
            |k: &str, d: usize| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
        for p in [0.9, 0.0, -0.5] {
            for seed in [1, 2, 3] {
                let options = MmoeOptions {
                    experts: var("E", 8),
                    expert_width: var("H", 8),
                    ..MmoeOptions::page(p, var("STEPS", 600), seed)
                };
                let mut run = MmoeRun::new(options).unwrap();
                let s = run.setup().clone();
                let mut last = None;
                while !run.finished() {
                    last = Some(run.step());
                }
                let e = last.unwrap().eval.unwrap();
                println!(
                    "p {p:>4} seed {seed} labels r {:.2} var {:.2?} | loss {:.3} {:.3} → {:.3} {:.3} overlap {:.3} A {:.2?} B {:.2?}",
                    s.label_correlation,
                    s.label_variance,
                    s.initial.loss_a,
                    s.initial.loss_b,
                    e.loss_a,
                    e.loss_b,
                    e.overlap,
                    e.mixture_a,
                    e.mixture_b
                );
                println!("   overlap of means {:.3}", overlap(&e.mixture_a, &e.mixture_b));
            }
        }
    }
}
