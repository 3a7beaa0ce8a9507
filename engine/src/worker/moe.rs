//! The `moe` chapter's live part: the mixture-of-experts Tumbler downloaded once (its progress
//! streamed), then each text's routing through it. The model runs on the CPU (burn's flex
//! backend) in either worker build; the maths is `tumbler_model::moe`.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use tumbler_engine::fetch::download;
use tumbler_engine::{DoneReason, MoeDownload, MoeUrls, Reply, RouteTrace};
use tumbler_model::moe::{MoeTumbler, weights};

use super::io::{now, post};
use super::load::Loaded;
use super::state::{Failure, Worker};

/// The downloaded model, with the URL of its weights.
#[derive(Default)]
pub struct Slot(RefCell<Option<(String, Rc<MoeTumbler>)>>);

/// Downloads and builds the model at `urls`, telling `progress` as bytes arrive.
async fn fetch(urls: &MoeUrls, progress: impl Fn(MoeDownload)) -> Result<MoeTumbler, String> {
    let card = download(&urls.card, false, |loaded, total| {
        progress(MoeDownload { file: "moe.json".into(), loaded, total })
    })
    .await
    .map_err(|e| format!("moe.json ({}): {e}", urls.card))?;
    let card = weights::card_from_json(&String::from_utf8_lossy(&card))
        .map_err(|e| format!("moe.json: {e}"))?;
    let bytes = download(&urls.weights, true, |loaded, total| {
        progress(MoeDownload { file: "moe.safetensors".into(), loaded, total })
    })
    .await
    .map_err(|e| format!("moe.safetensors ({}): {e}", urls.weights))?;
    weights::from_safetensors(&card.config, &bytes, &Device::flex())
        .map_err(|e| format!("moe.safetensors: {e}"))
}

impl Worker {
    /// The model at `urls`: the one held, or downloaded now (progress to the stream `id`).
    async fn moe(&self, urls: &MoeUrls, id: Option<u32>) -> Result<Rc<MoeTumbler>, String> {
        if let Some((url, model)) = self.moe.0.borrow().as_ref()
            && *url == urls.weights
        {
            return Ok(model.clone());
        }
        let progress = |step: MoeDownload| {
            if let Some(id) = id {
                post(&Reply::Step { id, step: step.into() });
            }
        };
        let model = Rc::new(fetch(urls, progress).await?);
        *self.moe.0.borrow_mut() = Some((urls.weights.clone(), model.clone()));
        Ok(model)
    }

    /// Downloads the model (once), streaming the bytes received.
    pub async fn moe_load(&self, id: u32, urls: &MoeUrls) -> Result<DoneReason, Failure> {
        self.moe(urls, Some(id)).await?;
        Ok(DoneReason::Length)
    }

    /// The routing of `text` through the model at `urls`, read with the base model's tokenizer
    /// (the two share it).
    pub async fn route(
        &self,
        base: &Loaded,
        text: &str,
        urls: &MoeUrls,
    ) -> Result<RouteTrace, Failure> {
        let model = self.moe(urls, None).await?;
        let started = now();
        let mut trace = model.route(&base.encoding, text).await?;
        trace.millis = now() - started;
        Ok(trace)
    }
}
