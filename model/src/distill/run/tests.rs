use burn::tensor::{Device, Tensor, TensorData};

use super::*;
use crate::gpt::{TumblerConfig, weights};
use crate::tokenizer::Encoding;

/// T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) averaged over rows, in f64: the reference.
fn soft_loss_f64(student: &[f64], teacher: &[f64], v: usize, temperature: f64) -> f64 {
    let log_softmax = |row: &[f64]| -> Vec<f64> {
        let max = row.iter().fold(f64::MIN, |m, &x| m.max(x / temperature));
        let log_z = max + row.iter().map(|&x| (x / temperature - max).exp()).sum::<f64>().ln();
        row.iter().map(|&x| x / temperature - log_z).collect()
    };
    let rows = student.len() / v;
    let total: f64 = (0..rows)
        .map(|r| {
            let log_q = log_softmax(&student[r * v..][..v]);
            let log_p = log_softmax(&teacher[r * v..][..v]);
            log_p.iter().zip(&log_q).map(|(&lp, &lq)| lp.exp() * (lp - lq)).sum::<f64>()
        })
        .sum();
    temperature * temperature * total / rows as f64
}

const STUDENT: [f32; 8] = [0.3, -1.2, 2.0, 0.5, 1.0, 1.0, -0.5, 0.0];
const TEACHER: [f32; 8] = [2.5, 0.1, -1.0, 0.7, -0.3, 1.8, 0.4, 0.9];

#[test]
fn the_soft_loss_and_its_gradient_match_the_formula_and_a_finite_difference() {
    let device = Device::flex().autodiff();
    for temperature in [1.0f32, 2.0, 4.5] {
        let z_s: Tensor<2> =
            Tensor::from_data(TensorData::new(STUDENT.to_vec(), [2, 4]), &device).require_grad();
        let z_t: Tensor<2> = Tensor::from_data(TensorData::new(TEACHER.to_vec(), [2, 4]), &device);
        let loss = soft_loss(z_s.clone(), z_t, temperature);
        let grads = loss.backward();
        let grad = z_s.grad(&grads).unwrap().into_data().try_to_vec::<f32>().unwrap();
        let student: Vec<f64> = STUDENT.iter().map(|&x| f64::from(x)).collect();
        let teacher: Vec<f64> = TEACHER.iter().map(|&x| f64::from(x)).collect();
        let t = f64::from(temperature);
        let reference = soft_loss_f64(&student, &teacher, 4, t);
        let value = f64::from(loss.into_scalar::<f32>());
        assert!((value - reference).abs() < 1e-5, "T={t}: loss {value} vs {reference}");
        let h = 1e-5;
        for i in 0..student.len() {
            let (mut up, mut down) = (student.clone(), student.clone());
            up[i] += h;
            down[i] -= h;
            let numeric = (soft_loss_f64(&up, &teacher, 4, t)
                - soft_loss_f64(&down, &teacher, 4, t))
                / (2.0 * h);
            let got = f64::from(grad[i]);
            assert!((got - numeric).abs() < 1e-5, "T={t}, ∂L/∂z_s[{i}]: {got} vs {numeric}");
        }
    }
}

#[test]
fn a_student_with_the_teachers_logits_has_no_soft_loss() {
    let device = Device::flex();
    for temperature in [0.5f32, 1.0, 2.0, 8.0] {
        let z: Tensor<2> = Tensor::from_data(TensorData::new(TEACHER.to_vec(), [2, 4]), &device);
        let loss = soft_loss(z.clone(), z.clone(), temperature).into_scalar::<f32>();
        assert!(loss.abs() < 1e-6, "T={temperature}: {loss}");
        // Shifting every logit of a row by a constant changes no probability either.
        let loss = soft_loss(z.clone().add_scalar(3.0), z, temperature).into_scalar::<f32>();
        assert!(loss.abs() < 1e-5, "T={temperature}, shifted: {loss}");
    }
}

/// A random teacher of toy size and a patterned stream: quick runs for the bookkeeping tests.
fn toy_teacher() -> Tumbler {
    Tumbler::init(&TumblerConfig::toy(64), 11, &Device::flex()).unwrap()
}

fn toy_tokens() -> Vec<u32> {
    (0..2000u32).map(|i| (i * 7 + i / 13) % 64).collect()
}

fn toy_options(steps: usize, seed: u64) -> DistillOptions {
    DistillOptions {
        train_windows: 8,
        heldout_windows: 4,
        batch_size: 4,
        seq_len: 16,
        eval_every: 2,
        ..DistillOptions::page(2.0, steps, seed)
    }
}

#[test]
fn the_same_seed_gives_the_same_numbers() {
    let teacher = toy_teacher();
    let run = |seed| {
        let mut run = DistillRun::new(&teacher, &toy_tokens(), toy_options(4, seed)).unwrap();
        let steps: Vec<DistillStep> = (0..4).map(|_| run.step()).collect();
        (run.setup().clone(), steps)
    };
    let (a, b) = (run(5), run(5));
    assert_eq!(a, b);
    // The two students start equal.
    assert_eq!(a.0.initial.hard, a.0.initial.soft);
    assert_eq!(a.1.iter().filter(|s| s.eval.is_some()).count(), 2);
    assert_ne!(run(6).1, a.1);
}

#[test]
fn with_alpha_1_the_soft_student_is_a_second_hard_student() {
    let teacher = toy_teacher();
    let options = DistillOptions { alpha: 1.0, ..toy_options(3, 4) };
    let mut run = DistillRun::new(&teacher, &toy_tokens(), options).unwrap();
    for _ in 0..3 {
        let step = run.step();
        assert!((step.soft_loss - step.hard_loss).abs() < 1e-6, "{step:?}");
    }
    let end = run.evaluate();
    assert!((end.soft.loss - end.hard.loss).abs() < 1e-5, "{end:?}");
    assert!((end.soft.kl - end.hard.kl).abs() < 1e-5, "{end:?}");
}

#[test]
fn refuses_short_text_foreign_tokens_and_bad_settings() {
    let teacher = toy_teacher();
    let options = toy_options(4, 1);
    let needed = options.tokens_needed();
    assert_eq!(needed, 12 * 16 + 1);
    assert!(matches!(
        DistillRun::new(&teacher, &toy_tokens()[..needed - 1], options.clone()),
        Err(DistillError::TooFewTokens(n, m)) if n == needed - 1 && m == needed
    ));
    let mut foreign = toy_tokens();
    foreign[20] = 64;
    assert!(matches!(
        DistillRun::new(&teacher, &foreign, options.clone()),
        Err(DistillError::OutOfVocabulary(64, 64))
    ));
    for bad in [
        DistillOptions { temperature: 0.0, ..options.clone() },
        DistillOptions { temperature: f32::NAN, ..options.clone() },
        DistillOptions { alpha: 1.5, ..options.clone() },
        DistillOptions { steps: 0, ..options.clone() },
        DistillOptions { seq_len: 65, ..options.clone() },
    ] {
        assert!(matches!(
            DistillRun::new(&teacher, &toy_tokens(), bad),
            Err(DistillError::Options(_))
        ));
    }
}

/// The shipped base model and the held-out text, as the page and `tumbler distill` use them.
fn real() -> (Tumbler, Vec<u32>) {
    let dir = crate::repo_file("public/model");
    let teacher = weights::load(&dir.join("base"), &Device::flex()).unwrap();
    let encoding =
        Encoding::from_tokenizer_json(&std::fs::read(dir.join("tokenizer.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir.join("heldout.txt")).unwrap();
    (teacher, encoding.encode(&text))
}

/// The page's default run: both students' held-out loss falls, and the one taught by the
/// teacher's soft distribution ends nearer the teacher than the one taught the hard labels.
#[test]
fn the_page_run_teaches_both_students_and_the_soft_one_ends_nearer_the_teacher() {
    let (teacher, tokens) = real();
    let mut run = DistillRun::new(&teacher, &tokens, DistillOptions::page(2.0, 100, 7)).unwrap();
    let setup = run.setup().clone();
    assert_eq!(setup.student_params, TumblerConfig::toy(4096).param_count());
    assert!((setup.initial.hard.loss - (4096f32).ln()).abs() < 0.3, "{:?}", setup.initial);
    let mut last = None;
    while !run.finished() {
        let step = run.step();
        if let Some(eval) = step.eval {
            eprintln!(
                "step {}: train hard {:.3} soft {:.3} | held-out loss hard {:.3} soft {:.3} | KL hard {:.3} soft {:.3}",
                step.step,
                step.hard_loss,
                step.soft_loss,
                eval.hard.loss,
                eval.soft.loss,
                eval.hard.kl,
                eval.soft.kl
            );
            last = Some(eval);
        }
    }
    let end = last.unwrap();
    eprintln!("teacher's held-out loss {:.3}; initial {:?}", setup.teacher_loss, setup.initial);
    assert_eq!(end.step, 100);
    assert!(end.hard.loss < setup.initial.hard.loss - 1.0, "{end:?}");
    assert!(end.soft.loss < setup.initial.soft.loss - 1.0, "{end:?}");
    assert!(end.soft.kl < end.hard.kl, "{end:?}");
    assert!(setup.teacher_loss < end.soft.loss, "the teacher stays ahead: {}", setup.teacher_loss);
}
