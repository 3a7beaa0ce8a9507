//! The run on the reader's own text, kept in the browser's origin private file system (OPFS), so
//! it survives a reload: the worker writes a checkpoint every few steps, the page reads its state
//! to offer a resume and hands its files out as the export.
//!
//! Layout, in the folder [`DIR`]: the files that never change after the start (the text's tokens
//! and the tokenizer) at its top, and each checkpoint's files in one of two slots, `slot-0` and
//! `slot-1`, taken in turn, its `state.json` written last. A reload mid-write leaves the other
//! slot whole; the newest whole slot is the run (each file is replaced only when its stream
//! closes, so a half-written file is never read).
//!
//! The File System API is reached through `js_sys::Reflect` rather than web-sys bindings: the
//! same few calls on the page and in the worker, without more web-sys features in every build.

use js_sys::{Function, Reflect, Uint8Array};
use tumbler_model::own::{OwnState, STATE_FILE, TOKENIZER_FILE, TOKENS_FILE};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The folder of the run.
pub const DIR: &str = "tumbler-own";
/// The checkpoint slots.
pub const SLOTS: [&str; 2] = ["slot-0", "slot-1"];

/// The files at the folder's top; every other file is in a slot.
pub fn in_slot(name: &str) -> bool {
    name != TOKENS_FILE && name != TOKENIZER_FILE
}

/// A JS error as text.
fn message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// `object.name(args…)`, awaited.
async fn call(object: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let f: Function = Reflect::get(object, &name.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| format!("this browser has no {name} (its private file system)"))?;
    let list: js_sys::Array = args.iter().collect();
    let result = f.apply(object, &list).map_err(|e| message(&e))?;
    match result.dyn_into::<js_sys::Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map_err(|e| message(&e)),
        Err(value) => Ok(value),
    }
}

/// `{create: true}`, or an empty options object.
fn options(create: bool) -> JsValue {
    let o = js_sys::Object::new();
    let _ = Reflect::set(&o, &"create".into(), &create.into());
    o.into()
}

/// The origin's private root folder.
async fn root() -> Result<JsValue, String> {
    let navigator =
        Reflect::get(&js_sys::global(), &"navigator".into()).map_err(|e| message(&e))?;
    let storage = Reflect::get(&navigator, &"storage".into()).map_err(|e| message(&e))?;
    if storage.is_undefined() {
        return Err("this browser has no storage manager (its private file system)".into());
    }
    call(&storage, "getDirectory", &[]).await
}

/// The folder at `path` under the root (made when `create`); `None` where it does not exist.
async fn folder(path: &[&str], create: bool) -> Result<Option<JsValue>, String> {
    let mut dir = root().await?;
    for name in path {
        match call(&dir, "getDirectoryHandle", &[(*name).into(), options(create)]).await {
            Ok(d) => dir = d,
            Err(_) if !create => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Ok(Some(dir))
}

/// Where `name` lives: the slot, or the folder's top.
fn path_of<'a>(slot: &'a str, name: &str) -> Vec<&'a str> {
    if in_slot(name) { vec![DIR, slot] } else { vec![DIR] }
}

/// Writes `bytes` as `name` (in `slot` if it belongs in one).
pub async fn write(slot: &str, name: &str, bytes: &[u8]) -> Result<(), String> {
    let dir = folder(&path_of(slot, name), true).await?.expect("created");
    let file = call(&dir, "getFileHandle", &[name.into(), options(true)]).await?;
    let stream = call(&file, "createWritable", &[]).await?;
    call(&stream, "write", &[Uint8Array::from(bytes).into()]).await?;
    call(&stream, "close", &[]).await?;
    Ok(())
}

/// The `File` (a `Blob`) `name`, if it is there.
async fn file(slot: &str, name: &str) -> Result<Option<JsValue>, String> {
    let Some(dir) = folder(&path_of(slot, name), false).await? else { return Ok(None) };
    match call(&dir, "getFileHandle", &[name.into()]).await {
        Ok(handle) => call(&handle, "getFile", &[]).await.map(Some),
        Err(_) => Ok(None),
    }
}

/// The bytes of `name`, if it is there.
pub async fn read(slot: &str, name: &str) -> Result<Option<Vec<u8>>, String> {
    let Some(file) = file(slot, name).await? else { return Ok(None) };
    let buffer = call(&file, "arrayBuffer", &[]).await?;
    Ok(Some(Uint8Array::new(&buffer).to_vec()))
}

/// A `blob:` URL of `name`, for a download link.
pub async fn object_url(slot: &str, name: &str) -> Result<Option<String>, String> {
    let Some(file) = file(slot, name).await? else { return Ok(None) };
    let url = Reflect::get(&js_sys::global(), &"URL".into()).map_err(|e| message(&e))?;
    Ok(call(&url, "createObjectURL", &[file]).await?.as_string())
}

/// Deletes the whole run.
pub async fn clear() -> Result<(), String> {
    let root = root().await?;
    let recursive = js_sys::Object::new();
    let _ = Reflect::set(&recursive, &"recursive".into(), &true.into());
    match call(&root, "removeEntry", &[DIR.into(), recursive.into()]).await {
        // Nothing to delete is fine.
        Err(e) if !e.contains("could not be found") && !e.contains("NotFound") => {
            // Some browsers word it differently; check that it is gone.
            match folder(&[DIR], false).await? {
                None => Ok(()),
                Some(_) => Err(e),
            }
        }
        _ => Ok(()),
    }
}

/// Deletes `name` from `slot` (there or not): a slot about to be rewritten first loses its
/// state, so that a reload mid-write never takes its mix of old and new files for a checkpoint.
pub async fn forget(slot: &str, name: &str) -> Result<(), String> {
    let Some(dir) = folder(&path_of(slot, name), false).await? else { return Ok(()) };
    let _ = call(&dir, "removeEntry", &[name.into()]).await;
    Ok(())
}

/// The newest whole checkpoint: its slot and state. A slot whose state does not parse is
/// passed over.
pub async fn latest() -> Result<Option<(&'static str, OwnState)>, String> {
    let mut best: Option<(&'static str, OwnState)> = None;
    for slot in SLOTS {
        let Some(bytes) = read(slot, STATE_FILE).await? else { continue };
        let Ok(state) = serde_json::from_slice::<OwnState>(&bytes) else { continue };
        if best.as_ref().is_none_or(|(_, b)| state.step > b.step) {
            best = Some((slot, state));
        }
    }
    Ok(best)
}

/// The slot the checkpoint after one in `slot` goes to.
pub fn other(slot: &str) -> &'static str {
    if slot == SLOTS[0] { SLOTS[1] } else { SLOTS[0] }
}
