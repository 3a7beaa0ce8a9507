//! The WebGPU device: started once per worker for the GPU decoder, watched for loss, and given
//! up for good when it fails.

use tumbler_engine::Backend;
use tumbler_model::decode::DecodeWeights;

/// The GPU decoder for one model, or `()` in the CPU-only build.
#[cfg(feature = "webgpu")]
pub type GpuSlot = std::cell::RefCell<Option<tumbler_model::decode::GpuText>>;
#[cfg(not(feature = "webgpu"))]
pub type GpuSlot = ();

/// The WebGPU device of this worker, or why there is none.
#[cfg(feature = "webgpu")]
#[derive(Default)]
pub struct Gpu {
    /// The device and its queue, once started.
    device: std::cell::RefCell<Option<(wgpu::Device, wgpu::Queue)>>,
    /// Why WebGPU is out of use, once it failed to start or was lost.
    gone: std::cell::RefCell<Option<String>>,
}

/// This build has no WebGPU backend.
#[cfg(not(feature = "webgpu"))]
#[derive(Default)]
pub struct Gpu;

#[cfg(feature = "webgpu")]
use tumbler_model::decode::gpu::wgpu;

#[cfg(feature = "webgpu")]
impl Gpu {
    /// A GPU decoder for `weights` when `backend` asks for WebGPU and it starts; else none, with
    /// the reason. `on_lost` is called with the reason if the browser later reports the device
    /// lost.
    pub async fn decoder(
        &self,
        backend: Backend,
        weights: &DecodeWeights,
        on_lost: impl FnOnce(String) + 'static,
    ) -> (GpuSlot, Backend, Option<String>) {
        use tumbler_model::decode::{GpuDecoder, GpuError, GpuText, gpu::request_device};
        let cpu = |note: Option<String>| (GpuSlot::default(), Backend::Cpu, note);
        if backend == Backend::Cpu {
            return cpu(None);
        }
        if let Some(reason) = self.gone.borrow().clone() {
            return cpu(Some(format!("{reason}; running on the CPU")));
        }
        let started = self.device.borrow().clone();
        let (device, queue) = match started {
            Some(started) => started,
            None => match request_device().await {
                Ok((device, queue, _info)) => {
                    watch_loss(&device, on_lost);
                    *self.device.borrow_mut() = Some((device.clone(), queue.clone()));
                    (device, queue)
                }
                Err(e) => {
                    let reason = format!("WebGPU did not start in the engine worker ({e})");
                    *self.gone.borrow_mut() = Some(reason.clone());
                    return cpu(Some(format!("{reason}; running on the CPU")));
                }
            },
        };
        match GpuDecoder::new(device, queue, weights) {
            Ok(decoder) => (GpuSlot::new(Some(GpuText::new(decoder))), Backend::Webgpu, None),
            // A model beyond the kernels' sizes (a reader's checkpoint): this model decodes on
            // the CPU, and WebGPU stays for the next.
            Err(GpuError::Unsupported(why)) => {
                cpu(Some(format!("the GPU decoder does not run this model ({why}); on the CPU")))
            }
            Err(e) => {
                let reason = format!("the GPU decoder did not start ({e})");
                *self.gone.borrow_mut() = Some(reason.clone());
                cpu(Some(format!("{reason}; running on the CPU")))
            }
        }
    }

    /// Gives WebGPU up for good because of `reason`; the first reason given, which stands.
    pub fn give_up(&self, reason: String) -> String {
        self.device.borrow_mut().take();
        self.gone.borrow_mut().get_or_insert(reason).clone()
    }

    /// Destroys the WebGPU device (`GPUDevice.destroy()`), as a driver reset would lose it: the
    /// tests' way to exercise the fall-back to the CPU.
    pub fn destroy(&self) -> Result<(), String> {
        match self.device.borrow().clone() {
            Some((device, _)) => {
                device.destroy();
                Ok(())
            }
            None => Err("there is no GPU device to destroy".into()),
        }
    }
}

#[cfg(not(feature = "webgpu"))]
impl Gpu {
    /// This build has the CPU backend only.
    pub async fn decoder(
        &self,
        backend: Backend,
        _weights: &DecodeWeights,
        _on_lost: impl FnOnce(String) + 'static,
    ) -> (GpuSlot, Backend, Option<String>) {
        let note = (backend == Backend::Webgpu).then(|| {
            "this build of the engine has no WebGPU backend; running on the CPU".to_string()
        });
        ((), Backend::Cpu, note)
    }

    /// There is no WebGPU to give up.
    pub fn give_up(&self, reason: String) -> String {
        reason
    }

    /// There is no GPU device to destroy.
    pub fn destroy(&self) -> Result<(), String> {
        Err("this engine runs on the CPU only".into())
    }
}

/// Calls `on_lost` with the reason when the browser reports `device`'s loss (`GPUDevice.lost`).
#[cfg(feature = "webgpu")]
fn watch_loss(device: &wgpu::Device, on_lost: impl FnOnce(String) + 'static) {
    use wasm_bindgen::JsValue;
    let Some(gpu) = device.as_webgpu() else { return };
    let lost = wasm_bindgen_futures::JsFuture::from(gpu.lost());
    wasm_bindgen_futures::spawn_local(async move {
        let info: JsValue = lost.await.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let field = |name: &str| {
            js_sys::Reflect::get(&info, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_string())
                .filter(|s| !s.is_empty())
        };
        let reason = field("reason").unwrap_or_else(|| "unknown".into());
        let detail = field("message").map(|m| format!(": {m}")).unwrap_or_default();
        on_lost(format!("the GPU device was lost ({reason}{detail})"));
    });
}
