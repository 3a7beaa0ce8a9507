//! Saving and loading the weights: `model.safetensors` (the format every tool in the field
//! reads) beside `config.json`. Loading checks every tensor's name, shape and dtype and turns
//! any problem into a [`WeightsError`]; a damaged file never panics.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::config::{ConfigJsonError, TumblerConfig};
use super::model::{ParamSource, Tumbler, f32_values};

/// The weights file inside a model directory.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The config file inside a model directory.
pub const CONFIG_FILE: &str = "config.json";

/// How the numbers are stored on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageDtype {
    /// 4 bytes per weight, exact.
    F32,
    /// 2 bytes per weight: half the download, ~3 significant digits.
    F16,
}

/// Why weights could not be saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `config.json` is unusable.
    #[error(transparent)]
    Config(#[from] ConfigJsonError),
    /// The safetensors file is malformed or truncated.
    #[error("not a valid safetensors file (truncated or corrupt?): {0}")]
    Format(String),
    /// A tensor the config calls for is absent.
    #[error("tensor {0} is missing from the weights")]
    Missing(String),
    /// A tensor the config does not call for is present: the weights belong to another model.
    #[error("unexpected tensor {0}: the weights do not match config.json")]
    Unexpected(String),
    /// A tensor has the wrong shape for the config.
    #[error("tensor {name} has shape {found:?}, config.json implies {expected:?}")]
    Shape {
        /// Tensor name.
        name: String,
        /// Shape the config implies.
        expected: Vec<usize>,
        /// Shape in the file.
        found: Vec<usize>,
    },
    /// A tensor is stored in a dtype we do not read.
    #[error(
        "tensor {name} is stored as {found}; only F32, F16 and BF16 are read (converted to f32)"
    )]
    Dtype {
        /// Tensor name.
        name: String,
        /// Dtype in the file.
        found: String,
    },
    /// Reading a tensor back from the device failed while saving.
    #[error("reading weights back from the device failed: {0}")]
    Readback(String),
}

/// Serialises the model's weights to safetensors bytes.
pub fn to_safetensors(model: &Tumbler, dtype: StorageDtype) -> Result<Vec<u8>, WeightsError> {
    let mut params = Vec::new();
    for (name, tensor, shape) in model.named_params() {
        let data = tensor.try_into_data().map_err(|e| WeightsError::Readback(format!("{e:?}")))?;
        params.push((name, data, shape));
    }
    encode(params, dtype)
}

/// [`to_safetensors`] with each tensor read back asynchronously: a GPU backend in the browser
/// cannot wait for a read synchronously.
pub async fn to_safetensors_async(
    model: &Tumbler,
    dtype: StorageDtype,
) -> Result<Vec<u8>, WeightsError> {
    let mut params = Vec::new();
    for (name, tensor, shape) in model.named_params() {
        let data =
            tensor.into_data_async().await.map_err(|e| WeightsError::Readback(format!("{e:?}")))?;
        params.push((name, data, shape));
    }
    encode(params, dtype)
}

/// Named parameters, read back, as safetensors bytes in `dtype`.
fn encode(
    params: Vec<(String, TensorData, Vec<usize>)>,
    dtype: StorageDtype,
) -> Result<Vec<u8>, WeightsError> {
    let mut buffers: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::new();
    for (name, data, shape) in params {
        let values = f32_values(data).map_err(|e| WeightsError::Readback(e.0))?;
        let bytes = match dtype {
            StorageDtype::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            StorageDtype::F16 => {
                values.iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect()
            }
        };
        buffers.push((name, bytes, shape));
    }
    let st_dtype = match dtype {
        StorageDtype::F32 => Dtype::F32,
        StorageDtype::F16 => Dtype::F16,
    };
    let views = buffers
        .iter()
        .map(|(name, bytes, shape)| {
            TensorView::new(st_dtype, shape.clone(), bytes)
                .map(|view| (name.clone(), view))
                .map_err(|e| WeightsError::Format(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metadata = HashMap::from([("format".to_string(), "tumbler".to_string())]);
    safetensors::serialize(views, Some(metadata)).map_err(|e| WeightsError::Format(e.to_string()))
}

/// Builds a model for `config` from safetensors bytes (what the browser fetched).
pub fn from_safetensors(
    config: &TumblerConfig,
    bytes: &[u8],
    device: &Device,
) -> Result<Tumbler, WeightsError> {
    config.validate().map_err(ConfigJsonError::from)?;
    let file = SafeTensors::deserialize(bytes).map_err(|e| WeightsError::Format(e.to_string()))?;
    let mut source = FileSource { file: &file, device, used: HashSet::new() };
    let model = Tumbler::build(config, &mut source)?;
    if let Some(extra) = file.names().into_iter().find(|n| !source.used.contains(*n)) {
        return Err(WeightsError::Unexpected(extra.to_string()));
    }
    Ok(model)
}

/// Writes `config.json` and `model.safetensors` into `dir` (created if needed).
pub fn save(model: &Tumbler, dir: &Path, dtype: StorageDtype) -> Result<(), WeightsError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WeightsError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let config_path = dir.join(CONFIG_FILE);
    std::fs::write(&config_path, model.config.to_json()).map_err(io(&config_path))?;
    let weights_path = dir.join(WEIGHTS_FILE);
    std::fs::write(&weights_path, to_safetensors(model, dtype)?).map_err(io(&weights_path))
}

/// Reads `config.json` and `model.safetensors` from `dir`.
pub fn load(dir: &Path, device: &Device) -> Result<Tumbler, WeightsError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|source| WeightsError::Io { path, source })
    };
    let config_bytes = read(CONFIG_FILE)?;
    let config_text = String::from_utf8_lossy(&config_bytes);
    let config = TumblerConfig::from_json(&config_text)?;
    from_safetensors(&config, &read(WEIGHTS_FILE)?, device)
}

/// Parameters read from a safetensors file, checked against the shapes the config implies.
/// The values of tensor `name` in `file` as f32 (stored as f32, f16 or bf16), after checking that it
/// exists and has the `expected` shape. Both weight readers (the Tumbler's and the MoE's) use it.
pub(crate) fn tensor_values(
    file: &SafeTensors<'_>,
    name: &str,
    expected: &[usize],
) -> Result<Vec<f32>, WeightsError> {
    let view = file.tensor(name).map_err(|_| WeightsError::Missing(name.to_string()))?;
    if view.shape() != expected {
        return Err(WeightsError::Shape {
            name: name.to_string(),
            expected: expected.to_vec(),
            found: view.shape().to_vec(),
        });
    }
    let bytes = view.data();
    match view.dtype() {
        Dtype::F32 => Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()),
        Dtype::F16 => Ok(bytes
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect()),
        Dtype::BF16 => Ok(bytes
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect()),
        other => Err(WeightsError::Dtype { name: name.to_string(), found: format!("{other:?}") }),
    }
}

struct FileSource<'a> {
    file: &'a SafeTensors<'a>,
    device: &'a Device,
    used: HashSet<String>,
}

impl FileSource<'_> {
    fn read(&mut self, name: &str, expected: &[usize]) -> Result<Vec<f32>, WeightsError> {
        let values = tensor_values(self.file, name, expected)?;
        self.used.insert(name.to_string());
        Ok(values)
    }
}

impl ParamSource for FileSource<'_> {
    type Error = WeightsError;

    fn matrix(
        &mut self,
        name: &str,
        shape: [usize; 2],
        _: f64,
    ) -> Result<Param<Tensor<2>>, WeightsError> {
        let values = self.read(name, &shape)?;
        Ok(Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), self.device)))
    }

    fn vector(&mut self, name: &str, len: usize) -> Result<Param<Tensor<1>>, WeightsError> {
        let values = self.read(name, &[len])?;
        Ok(Param::from_tensor(Tensor::from_data(TensorData::new(values, [len]), self.device)))
    }
}
