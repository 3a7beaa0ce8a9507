//! Each kernel against the burn ops it replaces, on a real wgpu device: natively that is Mesa's
//! lavapipe (Vulkan on the CPU) where no GPU exists. Without any adapter these tests say so and
//! pass vacuously; `TUMBLER_REQUIRE_WGPU=1` turns that into a failure (for CI that has one).

use std::sync::OnceLock;

use burn::tensor::wgpu::WgpuInitError;
use burn::tensor::{Device, DeviceKind, Tensor, TensorData};

use super::{attention, runs_on_wgpu, softmax};
use crate::gpt::attention::causal_attention_reference;
use crate::gpt::{Tumbler, TumblerConfig, ids_tensor};

/// Tolerance for attention outputs and probabilities: f32 sums in a different order; observed
/// errors are ~1e-7, so 1e-5 leaves room without hiding a wrong mask or scale (which move
/// values by ~1e-2 or more).
const ATTENTION_TOLERANCE: f32 = 1e-5;
/// Tolerance for softmax probabilities, same reasoning.
const SOFTMAX_TOLERANCE: f32 = 1e-6;

/// The wgpu device, initialised once per test process (burn allows one initialisation); the
/// training test on wgpu (`learn::wgpu_tests`) shares it.
pub(crate) fn wgpu() -> Option<Device> {
    static DEVICE: OnceLock<Option<Device>> = OnceLock::new();
    DEVICE
        .get_or_init(|| match Device::wgpu_options().init() {
            // Another test of this process reached burn's default device first (with the `wgpu`
            // feature that is wgpu), which started the runtime. burn's `ModuleOptimizer` loaded
            // saved states there; `learn::AdamW` no longer does, but any `Device::default()` would.
            Err(WgpuInitError::Registration { message })
                if message.contains("already initialized") =>
            {
                Some(Device::wgpu(DeviceKind::DefaultDevice))
            }
            Ok(device) => {
                // Which adapter ran them (lavapipe says "llvmpipe"): `--show-output` prints it.
                let name = device.identity().map_or_else(|| "unnamed".into(), |i| i.name);
                eprintln!("kernel tests on the wgpu adapter {name:?}");
                Some(device)
            }
            Err(e) => {
                assert!(
                    std::env::var_os("TUMBLER_REQUIRE_WGPU").is_none(),
                    "TUMBLER_REQUIRE_WGPU is set but no wgpu adapter: {e:?}"
                );
                eprintln!("SKIPPED: no wgpu adapter ({e:?}); kernel tests did not run");
                None
            }
        })
        .clone()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn random(shape: [usize; 4], seed: u64) -> Vec<f32> {
    let mut rng = crate::sampling::Rng::new(seed);
    (0..shape.iter().product()).map(|_| rng.next_normal() as f32).collect()
}

#[test]
fn attention_kernel_matches_burn_ops() {
    let Some(gpu) = wgpu() else { return };
    let cpu = Device::flex();
    // (B, nh, nkv, T, T_total, hs): plain, grouped-query, a cached decode step, a long row.
    for (b, nh, nkv, t, t_total, hs) in
        [(1, 2, 2, 5, 5, 8), (2, 4, 2, 7, 7, 16), (1, 6, 3, 1, 40, 32), (1, 2, 1, 3, 130, 8)]
    {
        let (q, k, v) = (
            random([b, nh, t, hs], 1),
            random([b, nkv, t_total, hs], 2),
            random([b, nkv, t_total, hs], 3),
        );
        let on = |data: &Vec<f32>, shape: [usize; 4], device: &Device| {
            Tensor::<4>::from_data(TensorData::new(data.clone(), shape), device)
        };
        let gq = on(&q, [b, nh, t, hs], &gpu);
        assert!(runs_on_wgpu(&gq), "the test tensor must be on wgpu");
        let (y, p) = attention::causal_attention(
            &gq,
            &on(&k, [b, nkv, t_total, hs], &gpu),
            &on(&v, [b, nkv, t_total, hs], &gpu),
        )
        .expect("kernel runs on wgpu");
        let (y_ref, p_ref) = causal_attention_reference(
            on(&q, [b, nh, t, hs], &cpu),
            on(&k, [b, nkv, t_total, hs], &cpu),
            on(&v, [b, nkv, t_total, hs], &cpu),
        );
        let dy = max_abs_diff(&values(y), &values(y_ref));
        let dp = max_abs_diff(&values(p), &values(p_ref));
        eprintln!(
            "attention kernel (B={b}, nh={nh}, nkv={nkv}, T={t}, T_total={t_total}, hs={hs}): max |Δy| = {dy:e}, max |Δp| = {dp:e}"
        );
        assert!(dy < ATTENTION_TOLERANCE && dp < ATTENTION_TOLERANCE, "Δy {dy}, Δp {dp}");
    }
}

#[test]
fn softmax_kernel_matches_burn_ops() {
    let Some(gpu) = wgpu() else { return };
    let cpu = Device::flex();
    for (rows, vocab, temperature) in [(1, 4096, 1.0f32), (3, 300, 0.7), (2, 1000, 2.5)] {
        let logits: Vec<f32> = random([1, 1, rows, vocab], 11).iter().map(|x| x * 3.0).collect();
        let g = Tensor::<2>::from_data(TensorData::new(logits.clone(), [rows, vocab]), &gpu);
        let c = Tensor::<2>::from_data(TensorData::new(logits, [rows, vocab]), &cpu);
        let d = max_abs_diff(
            &values(softmax::softmax_with_temperature(g, temperature)),
            &values(softmax::softmax_with_temperature_reference(c, temperature)),
        );
        eprintln!("softmax kernel ({rows}×{vocab}, T={temperature}): max |Δp| = {d:e}");
        assert!(d < SOFTMAX_TOLERANCE, "Δp {d}");
    }
}

#[test]
fn the_model_on_wgpu_uses_the_kernels_and_matches_flex() {
    let Some(gpu) = wgpu() else { return };
    let config = TumblerConfig::tiny();
    let on_gpu = Tumbler::init(&config, 5, &gpu).unwrap();
    let on_cpu = Tumbler::init(&config, 5, &Device::flex()).unwrap();
    let ids = [3u32, 141, 59, 26, 5, 35, 89, 79, 32];
    let a = values(on_gpu.forward(ids_tensor(&ids, &gpu)));
    let b = values(on_cpu.forward(ids_tensor(&ids, &Device::flex())));
    let d = max_abs_diff(&a, &b);
    eprintln!("tiny model logits, wgpu (kernels) vs flex: max |Δ| = {d:e}");
    assert!(d < 1e-4, "Δ {d}");
    // A cached decode step on wgpu goes through the kernel with T < T_total.
    let mut cache = on_gpu.new_cache();
    on_gpu.forward_with(ids_tensor(&ids[..8], &gpu), Default::default(), Some(&mut cache));
    let step = values(
        on_gpu
            .forward_with(ids_tensor(&ids[8..], &gpu), Default::default(), Some(&mut cache))
            .logits,
    );
    let v = config.vocab_size;
    assert!(max_abs_diff(&step, &b[8 * v..]) < 1e-4);
}
