//! Which backend runs the Tumbler, chosen by measurement and remembered per device.
//!
//! The Tumbler is small (1.4 M parameters, ≈2.8 MFLOP a token): on one CPU core its fused path
//! decodes a token in well under a millisecond, and a GPU cannot return a token faster than its
//! round trip (write, submit, map the result back), which in browsers takes 0.5–15 ms. So the
//! page starts the small CPU worker, and where the browser has WebGPU it measures both once:
//! the CPU worker's decode time per token ([`Query::DecodeSpeed`]) and one WebGPU round trip
//! (the least a decoded token costs there). WebGPU is chosen only where that round trip takes
//! less than half a CPU token ([`decide`]; the other half is left for the kernels themselves),
//! and only then is its worker downloaded; once it is ready, its own decoding is timed too, and
//! if it is no faster than the CPU was, the CPU is remembered and runs instead. The choice and its reason are kept in
//! `localStorage`, so the measurement runs once per device; `?backend=cpu|webgpu` forces either.
//!
//! [`Query::DecodeSpeed`]: tumbler_engine::Query::DecodeSpeed

use serde::{Deserialize, Serialize};
use tumbler_engine::Backend;
use wasm_bindgen::prelude::*;

/// Where the choice is remembered.
const STORAGE_KEY: &str = "tumbler-backend";
/// Single tokens the CPU worker times.
pub const PROBE_TOKENS: usize = 16;
/// WebGPU round trips timed (after one untimed, which compiles nothing but warms the queue).
const PROBE_ROUNDS: u32 = 7;

/// A backend and why it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The backend.
    pub backend: Backend,
    /// Why, in a sentence for the reader.
    pub why: String,
}

/// The two measurements of one device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// The CPU worker's median time per decoded token, ms.
    pub cpu_ms: f64,
    /// The median WebGPU round trip, ms.
    pub gpu_round_trip_ms: f64,
}

/// The rule: WebGPU only where a round trip takes less than half of a CPU token.
pub fn decide(m: Measured, adapter: &str) -> Choice {
    let (cpu, gpu) = (m.cpu_ms, m.gpu_round_trip_ms);
    if gpu < cpu / 2.0 {
        Choice {
            backend: Backend::Webgpu,
            why: format!(
                "measured on this device: a WebGPU round trip on {adapter} takes {gpu:.2} ms, \
                 under half the {cpu:.2} ms the CPU takes per token"
            ),
        }
    } else {
        Choice {
            backend: Backend::Cpu,
            why: format!(
                "measured on this device: the CPU decodes a token in {cpu:.2} ms; one WebGPU \
                 round trip on {adapter} alone takes {gpu:.2} ms"
            ),
        }
    }
}

/// The choice remembered on this device, if any.
pub fn remembered() -> Option<Choice> {
    let text = storage()?.get_item(STORAGE_KEY).ok()??;
    serde_json::from_str(&text).ok()
}

/// Remembers `choice` on this device.
pub fn remember(choice: &Choice) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(choice)) {
        let _ = storage.set_item(STORAGE_KEY, &text);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[wasm_bindgen(inline_js = r#"
export async function gpu_round_trip(rounds) {
  const gpu = globalThis.navigator && navigator.gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const device = await adapter.requestDevice();
  try {
    const size = 256;
    const src = device.createBuffer({ size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const dst = device.createBuffer({ size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const times = [];
    for (let i = 0; i <= rounds; i++) {
      const started = performance.now();
      device.queue.writeBuffer(src, 0, new Uint32Array([i]));
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(src, 0, dst, 0, size);
      device.queue.submit([encoder.finish()]);
      await dst.mapAsync(GPUMapMode.READ);
      dst.unmap();
      if (i > 0) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const info = adapter.info || {};
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(" ");
    return { ms: times[times.length >> 1], adapter: name || "this adapter" };
  } finally {
    device.destroy();
  }
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn gpu_round_trip(rounds: u32) -> Result<JsValue, JsValue>;
}

/// The median WebGPU round trip in ms and the adapter's name, or why there is none.
pub async fn measure_gpu() -> Result<(f64, String), String> {
    let result = gpu_round_trip(PROBE_ROUNDS).await.map_err(|e| {
        let why = js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string());
        why.unwrap_or_else(|| format!("{e:?}"))
    })?;
    if result.is_null() || result.is_undefined() {
        return Err("WebGPU has no adapter in this browser".into());
    }
    let get = |key: &str| js_sys::Reflect::get(&result, &key.into()).ok();
    let ms = get("ms").and_then(|v| v.as_f64()).ok_or("the round trip was not timed")?;
    let adapter = get("adapter").and_then(|v| v.as_string()).unwrap_or_default();
    Ok((ms, adapter))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_wins_unless_a_round_trip_is_under_half_a_cpu_token() {
        let slow_gpu = decide(Measured { cpu_ms: 0.5, gpu_round_trip_ms: 1.8 }, "SwiftShader");
        assert_eq!(slow_gpu.backend, Backend::Cpu);
        assert!(slow_gpu.why.contains("0.50 ms") && slow_gpu.why.contains("1.80 ms"));
        let tie = decide(Measured { cpu_ms: 1.0, gpu_round_trip_ms: 0.5 }, "a GPU");
        assert_eq!(tie.backend, Backend::Cpu, "exactly half is not enough");
        let fast_gpu = decide(Measured { cpu_ms: 4.0, gpu_round_trip_ms: 0.3 }, "a GPU");
        assert_eq!(fast_gpu.backend, Backend::Webgpu);
        assert!(fast_gpu.why.contains("a GPU"));
    }

    #[test]
    fn a_choice_survives_its_json() {
        let choice = decide(Measured { cpu_ms: 0.4, gpu_round_trip_ms: 2.0 }, "x");
        let text = serde_json::to_string(&choice).unwrap();
        assert_eq!(serde_json::from_str::<Choice>(&text).unwrap(), choice);
    }
}
