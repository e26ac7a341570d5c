//! Checking a chosen file in the browser with `kyc-core`, before anything is uploaded.

use kyc_core::{inspect_file, FileFormat, FileLimits, FileProblem, Slot};
use wasm_bindgen_futures::JsFuture;

/// A file that passed every check, ready to upload (and to upload again after a failure,
/// without asking the user to capture it again).
#[derive(Clone, Debug)]
pub struct CheckedFile {
    /// The format found in the bytes (sent as the upload's `Content-Type`).
    pub format: FileFormat,
    /// The file's bytes.
    pub bytes: js_sys::Uint8Array,
    /// The file's size in bytes.
    pub size: u64,
    /// The file's name, for the user's reference only.
    pub name: String,
}

/// Reads `file` and checks it for `slot`; on refusal, the code of every problem found.
///
/// A file over the size limit is refused from its size alone, without being read.
pub async fn check_file(
    file: &web_sys::File,
    slot: Slot,
    limits: &FileLimits,
) -> Result<CheckedFile, Vec<String>> {
    let size = file.size() as u64;
    if size > limits.max_bytes {
        return Err(vec![FileProblem::TooLarge {
            bytes: size,
            max_bytes: limits.max_bytes,
        }
        .code()
        .to_owned()]);
    }
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| vec![FileProblem::UnreadableImage.code().to_owned()])?;
    let bytes = js_sys::Uint8Array::new(&buffer);
    let claimed = file.type_();
    let claimed = (!claimed.is_empty()).then_some(claimed.as_str());
    match inspect_file(&bytes.to_vec(), claimed, slot, limits) {
        Ok(report) => Ok(CheckedFile {
            format: report.format,
            bytes,
            size,
            name: file.name(),
        }),
        Err(problems) => Err(problems
            .iter()
            .map(|problem| problem.code().to_owned())
            .collect()),
    }
}
