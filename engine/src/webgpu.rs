//! The engine worker with the GPU decoder: the same worker as `main.rs`, built with the `webgpu`
//! feature as its own binary, so that the page downloads it only where it chose WebGPU
//! (`app/src/engine/choice.rs`). It runs on the CPU when WebGPU fails.

#[cfg(target_arch = "wasm32")]
mod worker;

#[cfg(target_arch = "wasm32")]
fn main() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("tumbler engine panicked: {info}").into());
    }));
    worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "tumbler-engine-webgpu runs as a Web Worker in the browser (trunk builds it); natively, \
         use `tumbler`"
    );
    std::process::exit(2);
}
