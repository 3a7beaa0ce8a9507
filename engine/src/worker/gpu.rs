//! The WebGPU device: started once per worker, watched for loss, and given up for good when it
//! fails (burn's wgpu runtime cannot be initialised again in the same worker).

use burn::tensor::Device;
use tumbler_engine::Backend;

/// The WebGPU device of this worker, or why there is none.
#[cfg(feature = "webgpu")]
#[derive(Default)]
pub struct Gpu {
    /// burn's device on it: burn's wgpu runtime initialises once per worker.
    device: std::cell::RefCell<Option<Device>>,
    /// The wgpu device behind it, for [`Request::DestroyGpu`](tumbler_engine::Request).
    wgpu: std::cell::RefCell<Option<burn::tensor::wgpu::wgpu::Device>>,
    /// Why WebGPU is out of use, once it failed to start or was lost.
    gone: std::cell::RefCell<Option<String>>,
}

/// This build has no WebGPU backend.
#[cfg(not(feature = "webgpu"))]
#[derive(Default)]
pub struct Gpu;

#[cfg(feature = "webgpu")]
impl Gpu {
    /// The device for `backend`: WebGPU when asked and it starts, else the CPU, with the reason.
    /// `on_lost` is called with the reason if the browser later reports the device lost.
    pub async fn device(
        &self,
        backend: Backend,
        on_lost: impl FnOnce(String) + 'static,
    ) -> (Device, Backend, Option<String>) {
        if backend == Backend::Cpu {
            return (Device::flex(), Backend::Cpu, None);
        }
        if let Some(reason) = self.gone.borrow().clone() {
            return (Device::flex(), Backend::Cpu, Some(format!("{reason}; running on the CPU")));
        }
        if let Some(device) = self.device.borrow().clone() {
            return (device, Backend::Webgpu, None);
        }
        match Device::wgpu_options().init_with_setup_async().await {
            Ok((device, setup)) => {
                watch_loss(&setup.device, on_lost);
                *self.device.borrow_mut() = Some(device.clone());
                *self.wgpu.borrow_mut() = Some(setup.device);
                (device, Backend::Webgpu, None)
            }
            Err(e) => {
                let reason = format!("WebGPU did not start in the engine worker ({e})");
                *self.gone.borrow_mut() = Some(reason.clone());
                (Device::flex(), Backend::Cpu, Some(format!("{reason}; running on the CPU")))
            }
        }
    }

    /// Gives WebGPU up for good because of `reason`; the first reason given, which stands.
    pub fn give_up(&self, reason: String) -> String {
        self.device.borrow_mut().take();
        self.wgpu.borrow_mut().take();
        self.gone.borrow_mut().get_or_insert(reason).clone()
    }

    /// Destroys the WebGPU device (`GPUDevice.destroy()`), as a driver reset would lose it: the
    /// tests' way to exercise the fall-back to the CPU.
    pub fn destroy(&self) -> Result<(), String> {
        match self.wgpu.borrow().clone() {
            Some(device) => {
                device.destroy();
                Ok(())
            }
            None => Err("there is no GPU device to destroy".into()),
        }
    }
}

#[cfg(not(feature = "webgpu"))]
impl Gpu {
    /// The device for `backend`: this build has the CPU backend only.
    pub async fn device(
        &self,
        backend: Backend,
        _on_lost: impl FnOnce(String) + 'static,
    ) -> (Device, Backend, Option<String>) {
        let note = (backend == Backend::Webgpu).then(|| {
            "this build of the engine has no WebGPU backend; running on the CPU".to_string()
        });
        (Device::flex(), Backend::Cpu, note)
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
fn watch_loss(device: &burn::tensor::wgpu::wgpu::Device, on_lost: impl FnOnce(String) + 'static) {
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
