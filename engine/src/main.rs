//! The engine worker: the Tumbler in a Web Worker, answering the page's typed messages.
//!
//! Trunk builds this for wasm32 as a worker (`app/index.html`); its wasm-bindgen start function
//! is `main`, which installs the message handler and says [`Reply::Started`]. Natively there is
//! nothing to run: the CLI in `tumbler-model` is the native way to the same model.
//!
//! [`Reply::Started`]: tumbler_engine::Reply::Started

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
        "tumbler-engine runs as a Web Worker in the browser (trunk builds it); natively, use `tumbler`"
    );
    std::process::exit(2);
}
