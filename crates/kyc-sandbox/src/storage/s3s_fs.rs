//! The `s3s-fs` storage server as a child process: finding its binary, starting it on a free
//! port, waiting until it answers, stopping it with the sandbox.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::{S3Storage, BUCKET};
use crate::error::SandboxError;

/// A running `s3s-fs` child process, killed when dropped.
pub struct S3sFs {
    child: tokio::process::Child,
    endpoint: String,
    _temp_root: Option<tempfile::TempDir>,
}

/// The credentials the sandbox gives its `s3s-fs`.
pub const ACCESS_KEY: &str = "kyc-sandbox-access";
/// The secret key the sandbox gives its `s3s-fs`.
pub const SECRET_KEY: &str = "kyc-sandbox-secret-key-not-for-production";

/// The message given when `s3s-fs` cannot be found.
pub const INSTALL_HINT: &str = "s3s-fs not found on PATH nor in ~/.cargo/bin: install it with \
     `cargo install s3s-fs --version 0.14.1 --features binary --locked` \
     (or run `cargo xtask` which installs it), or point KYC_SANDBOX_S3S_FS at the binary";

/// The command that runs `s3s-fs`. Where util-linux's `setpriv` exists, the storage server is
/// told to die with the sandbox (`--pdeathsig TERM`): `kill_on_drop` covers a normal drop, but
/// not a sandbox that is killed or aborts, which would otherwise leave the server running.
fn storage_command(binary: &Path) -> tokio::process::Command {
    let setpriv = Path::new("/usr/bin/setpriv");
    if setpriv.is_file() {
        let mut command = tokio::process::Command::new(setpriv);
        command.args(["--pdeathsig", "TERM", "--"]).arg(binary);
        command
    } else {
        tokio::process::Command::new(binary)
    }
}

/// Where the `s3s-fs` binary is: `$KYC_SANDBOX_S3S_FS`, then `PATH`, then `$CARGO_HOME/bin`,
/// then `~/.cargo/bin`.
pub fn locate_s3s_fs() -> Result<PathBuf, SandboxError> {
    if let Some(explicit) = std::env::var_os("KYC_SANDBOX_S3S_FS") {
        let path = PathBuf::from(explicit);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(SandboxError::StorageBinaryMissing(format!(
                "KYC_SANDBOX_S3S_FS={} is not a file; {INSTALL_HINT}",
                path.display()
            )))
        };
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|dir| dir.join("s3s-fs")));
    }
    if let Some(cargo_home) = std::env::var_os("CARGO_HOME") {
        candidates.push(Path::new(&cargo_home).join("bin").join("s3s-fs"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cargo").join("bin").join("s3s-fs"));
    }
    candidates
        .into_iter()
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| SandboxError::StorageBinaryMissing(INSTALL_HINT.to_owned()))
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl S3sFs {
    /// Starts `s3s-fs` on an ephemeral port of 127.0.0.1 with the sandbox's credentials, serving
    /// `root` (or a temporary directory removed on drop), and waits until it answers.
    pub async fn start(root: Option<&Path>) -> Result<S3sFs, SandboxError> {
        let binary = locate_s3s_fs()?;
        let (root, temp_root) = match root {
            Some(root) => (root.to_path_buf(), None),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("kyc-sandbox-storage-")
                    .tempdir()
                    .map_err(|e| SandboxError::Io(format!("cannot create a temp dir: {e}")))?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        std::fs::create_dir_all(root.join(BUCKET)).map_err(|e| {
            SandboxError::Io(format!(
                "cannot create {}: {e}",
                root.join(BUCKET).display()
            ))
        })?;
        let mut last_error = String::new();
        // A port picked by bind-and-release may be taken again before s3s-fs binds it: retry.
        for _ in 0..3 {
            let port = free_port().map_err(|e| SandboxError::Io(e.to_string()))?;
            let mut child = storage_command(&binary)
                .arg("--host")
                .arg("127.0.0.1")
                .arg("--port")
                .arg(port.to_string())
                .arg("--access-key")
                .arg(ACCESS_KEY)
                .arg("--secret-key")
                .arg(SECRET_KEY)
                .arg(&root)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| {
                    SandboxError::StorageStart(format!("cannot run {}: {e}", binary.display()))
                })?;
            let endpoint = format!("http://127.0.0.1:{port}");
            match wait_until_ready(&mut child, &endpoint).await {
                Ok(()) => {
                    return Ok(S3sFs {
                        child,
                        endpoint,
                        _temp_root: temp_root,
                    })
                }
                Err(e) => {
                    last_error = e;
                    let _ = child.kill().await;
                }
            }
        }
        Err(SandboxError::StorageStart(format!(
            "{} did not start: {last_error}",
            binary.display()
        )))
    }

    /// The server's base URL, e.g. `http://127.0.0.1:41235`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The child's process id, if it is still running.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

/// Polls the server with a signed HeadBucket until it answers 200 (10 s at most).
async fn wait_until_ready(child: &mut tokio::process::Child, endpoint: &str) -> Result<(), String> {
    let storage = S3Storage::new(endpoint, ACCESS_KEY, SECRET_KEY)?;
    let url = storage.head_bucket_url();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = String::from("no answer");
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("s3s-fs exited with {status}"));
        }
        match client.head(url.clone()).send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => last = format!("HeadBucket answered {}", response.status()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(last)
}
