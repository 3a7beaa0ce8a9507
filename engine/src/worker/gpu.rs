//! The WebGPU device: started once per worker, watched for loss, and given up for the CPU when it
//! is lost (burn's wgpu runtime cannot be initialised again in the same worker).

use std::rc::Rc;

use burn::tensor::Device;
use tumbler_engine::{Backend, LoadStatus, Model, Reply};

use super::{Worker, post};

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
    /// There is no GPU device to destroy.
    pub fn destroy(&self) -> Result<(), String> {
        Err("this engine runs on the CPU only".into())
    }
}

impl Worker {
    /// The device for `backend`: WebGPU when asked and it starts, else the CPU, with the reason.
    #[cfg(feature = "webgpu")]
    pub(super) async fn device(
        self: &Rc<Self>,
        backend: Backend,
    ) -> (Device, Backend, Option<String>) {
        if backend == Backend::Cpu {
            return (Device::flex(), Backend::Cpu, None);
        }
        if let Some(reason) = self.gpu.gone.borrow().clone() {
            return (Device::flex(), Backend::Cpu, Some(format!("{reason}; running on the CPU")));
        }
        if let Some(device) = self.gpu.device.borrow().clone() {
            return (device, Backend::Webgpu, None);
        }
        match Device::wgpu_options().init_with_setup_async().await {
            Ok((device, setup)) => {
                self.watch_loss(&setup.device);
                *self.gpu.device.borrow_mut() = Some(device.clone());
                *self.gpu.wgpu.borrow_mut() = Some(setup.device);
                (device, Backend::Webgpu, None)
            }
            Err(e) => {
                let reason = format!("WebGPU did not start in the engine worker ({e})");
                *self.gpu.gone.borrow_mut() = Some(reason.clone());
                (Device::flex(), Backend::Cpu, Some(format!("{reason}; running on the CPU")))
            }
        }
    }

    /// The device for `backend`: this build has the CPU backend only.
    #[cfg(not(feature = "webgpu"))]
    pub(super) async fn device(
        self: &Rc<Self>,
        backend: Backend,
    ) -> (Device, Backend, Option<String>) {
        let note = (backend == Backend::Webgpu).then(|| {
            "this build of the engine has no WebGPU backend; running on the CPU".to_string()
        });
        (Device::flex(), Backend::Cpu, note)
    }

    /// Calls [`Worker::gpu_lost`] when the browser reports `device`'s loss (`GPUDevice.lost`).
    #[cfg(feature = "webgpu")]
    fn watch_loss(self: &Rc<Self>, device: &burn::tensor::wgpu::wgpu::Device) {
        use wasm_bindgen::JsValue;
        let Some(gpu) = device.as_webgpu() else { return };
        let lost = wasm_bindgen_futures::JsFuture::from(gpu.lost());
        let worker = self.clone();
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
            worker.gpu_lost(format!("the GPU device was lost ({reason}{detail})"));
        });
    }

    /// The GPU is gone: never use WebGPU again in this worker, rebuild the loaded model on the
    /// CPU from its weights, and tell the page with a fresh ready status (its note says why).
    pub(super) fn gpu_lost(&self, reason: String) {
        #[cfg(feature = "webgpu")]
        let reason = {
            let gone = self.gpu.gone.borrow_mut().get_or_insert(reason).clone();
            self.gpu.device.borrow_mut().take();
            self.gpu.wgpu.borrow_mut().take();
            gone
        };
        // The chat model loads again, on the CPU, with the next question for it.
        self.chat.forget(None);
        let Some(gpu) = self.loaded.borrow().clone().filter(|l| l.on_gpu()) else { return };
        let status = match gpu.on_cpu(format!("{reason}; running on the CPU")) {
            Ok(cpu) => {
                let status = cpu.ready();
                *self.loaded.borrow_mut() = Some(Rc::new(cpu));
                status
            }
            Err(message) => {
                self.loaded.borrow_mut().take();
                LoadStatus::Failed { message }
            }
        };
        post(&Reply::Load { model: Model::Base, status });
    }
}
