//! A run on the reader's text trained on burn's wgpu backend (autodiff over cubecl's kernels)
//! against the same run on the flex CPU backend: the same seed, so the same initial weights and
//! batches; the losses and the weights after a few steps must agree within float noise. Natively
//! the adapter is Mesa's lavapipe where there is no GPU; in the browser the same code runs on
//! WebGPU. Without an adapter the test says so and passes, unless `TUMBLER_REQUIRE_WGPU` is set
//! (CI's kernel step sets it).

use super::own::OwnRun;
use super::own::tests::{files_of, text};
use crate::own::WEIGHTS_FILE;

/// Steps compared.
const STEPS: usize = 5;
/// Largest difference allowed between the two devices' losses (nats per token): f32 sums in a
/// different order. Measured on lavapipe: 5.2e-6 over the first 5 steps.
const LOSS_TOLERANCE: f32 = 1e-4;
/// Largest mean absolute difference allowed between the two devices' weights after [`STEPS`]
/// steps. Measured on lavapipe: 8.9e-10 on average over 115,008 weights.
const WEIGHT_MEAN_TOLERANCE: f32 = 1e-7;
/// Largest difference allowed in any one weight. Measured on lavapipe: 3.5e-7. AdamW's first
/// steps move a weight by about the learning rate (1e-2 here) whatever its gradient's size, so a
/// gradient within float noise of zero could take opposite signs on the two backends and move
/// one weight ~2e-2 apart; none did, and a wrong gradient moves many by that much, which the
/// mean catches.
const WEIGHT_MAX_TOLERANCE: f32 = 1e-3;

fn weights(run: &OwnRun) -> Vec<(String, Vec<f32>)> {
    let bytes = run.export().unwrap().into_iter().find(|(n, _)| *n == WEIGHTS_FILE).unwrap().1;
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut out: Vec<(String, Vec<f32>)> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let values = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            (name, values)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_training_run_on_wgpu_matches_the_cpu() {
    let Some(device) = crate::kernels::tests::wgpu() else { return };
    let text = text();
    let mut cpu = OwnRun::new(&text, "tiny", 3, "austen").unwrap();
    let mut gpu = OwnRun::new_on(&text, "tiny", 3, "austen", device).unwrap();
    let before = weights(&gpu);
    for (name, values) in &before {
        let cpu_values = &weights(&cpu).into_iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(values, cpu_values, "{name}: the initial weights come from the seed alone");
    }
    let mut worst_loss = 0f32;
    for step in 0..STEPS {
        let (a, b) = (cpu.step(), gpu.step());
        eprintln!("step {step}: loss {a:.6} on the CPU, {b:.6} on wgpu");
        worst_loss = worst_loss.max((a - b).abs());
    }
    let (mut sum, mut count, mut worst, mut worst_name) = (0f64, 0usize, 0f32, String::new());
    for ((name, a), (_, b)) in weights(&cpu).iter().zip(&weights(&gpu)) {
        for (x, y) in a.iter().zip(b) {
            let d = (x - y).abs();
            sum += f64::from(d);
            count += 1;
            if d > worst {
                (worst, worst_name) = (d, name.clone());
            }
        }
    }
    let mean = (sum / count as f64) as f32;
    eprintln!(
        "after {STEPS} steps: losses differ by at most {worst_loss:e}; weights by {mean:e} on \
         average, {worst:e} at most (in {worst_name}; {count} weights)"
    );
    assert!(worst_loss < LOSS_TOLERANCE, "losses differ by {worst_loss}");
    assert!(mean < WEIGHT_MEAN_TOLERANCE, "weights differ by {mean} on average");
    assert!(worst < WEIGHT_MAX_TOLERANCE, "{worst_name} differs by {worst}");
    // The moved weights really moved: the comparison is not between two untouched models.
    let moved: f32 = before
        .iter()
        .zip(&weights(&gpu))
        .flat_map(|((_, a), (_, b))| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
        .fold(0.0, f32::max);
    assert!(moved > 1e-3, "training on wgpu did not move the weights ({moved})");
}

/// A checkpoint written by the run on wgpu resumes on the CPU, and one written on the CPU
/// resumes on wgpu, each taking the step the other would have.
#[test]
fn checkpoints_move_between_the_devices() {
    let Some(device) = crate::kernels::tests::wgpu() else { return };
    let text = text();
    let mut gpu = OwnRun::new_on(&text, "tiny", 4, "austen", device.clone()).unwrap();
    let mut cpu = OwnRun::new(&text, "tiny", 4, "austen").unwrap();
    for _ in 0..3 {
        gpu.step();
        cpu.step();
    }
    let (from_gpu, from_cpu) = (gpu.checkpoint(true).unwrap(), cpu.checkpoint(true).unwrap());
    let mut on_cpu = OwnRun::resume(files_of(&from_gpu)).unwrap();
    let mut on_gpu = OwnRun::resume_on(files_of(&from_cpu), device).unwrap();
    assert_eq!((on_cpu.state().step, on_gpu.state().step), (3, 3));
    let (next_gpu, next_cpu) = (gpu.step(), cpu.step());
    let (resumed_on_cpu, resumed_on_gpu) = (on_cpu.step(), on_gpu.step());
    eprintln!(
        "step 4: wgpu {next_gpu:.6}, its checkpoint on the CPU {resumed_on_cpu:.6}; CPU \
         {next_cpu:.6}, its checkpoint on wgpu {resumed_on_gpu:.6}"
    );
    // Measured on lavapipe: equal to 1e-6.
    assert!((next_gpu - resumed_on_cpu).abs() < LOSS_TOLERANCE);
    assert!((next_cpu - resumed_on_gpu).abs() < LOSS_TOLERANCE);
}

/// A run on wgpu checkpointed only through the asynchronous path (the one a GPU trainer in the
/// browser can take: nothing in it waits for the device) resumes on the CPU and on wgpu, each
/// taking the step the uninterrupted run takes.
#[test]
fn an_async_checkpoint_from_wgpu_resumes_on_either_device() {
    let Some(device) = crate::kernels::tests::wgpu() else { return };
    let text = text();
    let mut gpu = OwnRun::new_on(&text, "tiny", 5, "austen", device.clone()).unwrap();
    for _ in 0..3 {
        gpu.step();
    }
    let files = burn::tensor::read_sync(gpu.checkpoint_async(true)).unwrap();
    // The asynchronous files are the synchronous ones (the same reads, the same encoding).
    assert_eq!(files, gpu.checkpoint(true).unwrap());
    let mut on_cpu = OwnRun::resume(files_of(&files)).unwrap();
    let mut on_gpu = OwnRun::resume_on(files_of(&files), device).unwrap();
    let next = gpu.step();
    let (cpu_next, gpu_next) = (on_cpu.step(), on_gpu.step());
    eprintln!(
        "step 4 on wgpu {next:.7}; from its async checkpoint on the CPU {cpu_next:.7}, on wgpu \
         {gpu_next:.7}"
    );
    // Measured on lavapipe: on wgpu the same to the bit (the same kernels on the same weights
    // and moments); on the CPU within 1e-6 (f32 sums in another order).
    assert_eq!(next.to_bits(), gpu_next.to_bits(), "{next} vs {gpu_next}");
    assert!((next - cpu_next).abs() < LOSS_TOLERANCE, "{next} vs {cpu_next}");
    // And the step after that, which uses the resumed moments a second time.
    let (a, b) = (gpu.step(), on_cpu.step());
    assert!((a - b).abs() < LOSS_TOLERANCE, "{a} vs {b}");
}
