//! Hand-written WGSL compute kernels (`shaders/`) run on the device of burn's wgpu backend.
//!
//! Each kernel has a reference — the burn ops it replaces — and a test comparing the two within a
//! stated tolerance. The entry points return `None` when a tensor does not live on a plain wgpu
//! device (flex, or an autodiff device: the kernels have no backward pass), and the caller then
//! runs the reference. Launching goes through burn's template-kernel launcher: a `SourceKernel`
//! whose language is `"wgsl"`, on the same compute client burn uses, so no copies are made.

pub mod attention;
pub mod softmax;

use burn::backend::Wgpu;
use burn::backend::wgpu::{
    CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous,
};
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::cubecl::{CubeCount, CubeDim};
use burn::tensor::{DType, Shape, Tensor};

/// A kernel whose source is one of our WGSL files.
struct Wgsl {
    /// The file's text.
    source: &'static str,
    /// Distinguishes kernels in burn's compilation cache.
    id: KernelId,
}

impl KernelSource for Wgsl {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(self.source)
    }

    fn id(&self) -> KernelId {
        self.id.clone()
    }

    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// The contiguous f32 wgpu primitive behind `tensor`, or `None` if it lives anywhere else.
fn wgpu_f32<const D: usize>(tensor: &Tensor<D>) -> Option<CubeTensor> {
    if tensor.dtype() != DType::F32 {
        return None;
    }
    let primitive = tensor.clone().try_into_primitive::<Wgpu>().ok()?;
    Some(into_contiguous(primitive))
}

/// A fresh contiguous f32 tensor on `like`'s device.
fn empty_like(like: &CubeTensor, shape: Vec<usize>) -> CubeTensor {
    let shape = Shape::from(shape);
    let handle = like.client.empty(shape.num_elements() * DType::F32.size());
    CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), shape, handle, DType::F32)
}

/// Launches `source` with `workgroup` threads per workgroup over `count` workgroups, binding
/// `tensors` in order and then `info` (a small u32 array of sizes) as the last binding.
fn launch<K: 'static>(
    source: &'static str,
    workgroup: u32,
    count: (u32, u32, u32),
    tensors: &[&CubeTensor],
    info: &[u32],
) {
    let client = &tensors[0].client;
    let info_bytes: Vec<u8> = info.iter().flat_map(|v| v.to_le_bytes()).collect();
    let info_handle = client.create_from_slice(&info_bytes);
    let mut buffers: Vec<_> = tensors.iter().map(|t| t.handle.clone().binding()).collect();
    buffers.push(info_handle.binding());
    let kernel = Wgsl { source, id: KernelId::new::<K>() };
    client.launch(
        Box::new(SourceKernel::new(kernel, CubeDim::new_1d(workgroup))),
        CubeCount::Static(count.0, count.1, count.2),
        KernelArguments::new().with_buffers(buffers),
    );
}

/// Whether `tensor` lives on a plain (non-autodiff) wgpu device, where the kernels run.
pub fn runs_on_wgpu<const D: usize>(tensor: &Tensor<D>) -> bool {
    wgpu_f32(tensor).is_some()
}

#[cfg(test)]
pub(crate) mod tests;
