//! Mapping the staging buffer for reading as a future: the browser calls `map_async`'s callback
//! from its event loop (so the worker awaits it), a native device calls it from `poll`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use super::GpuError;

/// What the map callback left: its result, and who to wake.
#[derive(Default)]
struct Slot {
    result: Option<Result<(), wgpu::BufferAsyncError>>,
    waker: Option<Waker>,
}

/// Resolves when the map callback has run.
struct Mapped(Arc<Mutex<Slot>>);

impl Future for Mapped {
    type Output = Result<(), wgpu::BufferAsyncError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The first `len` bytes of `staging` once the GPU has written them (after the submit that
/// copies them there); the buffer is unmapped again before this returns.
pub(super) async fn read(
    device: &wgpu::Device,
    staging: &wgpu::Buffer,
    len: u64,
) -> Result<Vec<u8>, GpuError> {
    let slot = Arc::new(Mutex::new(Slot::default()));
    let callback = Arc::clone(&slot);
    staging.map_async(wgpu::MapMode::Read, 0..len, move |result| {
        let mut slot = callback.lock().unwrap_or_else(|e| e.into_inner());
        slot.result = Some(result);
        if let Some(waker) = slot.waker.take() {
            waker.wake();
        }
    });
    // Natively this runs the callback; on WebGPU it does nothing and the event loop does.
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| GpuError::Readback(e.to_string()))?;
    Mapped(slot).await.map_err(|e| GpuError::Readback(e.to_string()))?;
    let bytes =
        staging.get_mapped_range(0..len).map_err(|e| GpuError::Readback(e.to_string()))?.to_vec();
    staging.unmap();
    Ok(bytes)
}
