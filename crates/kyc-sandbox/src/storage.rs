//! Object storage behind the presigned upload URLs.
//!
//! [`Storage::S3`] talks to a real S3-compatible server (`s3s-fs`, started by
//! [`crate::Sandbox`]): uploads go to SigV4 presigned `PutObject` URLs that sign the
//! `Content-Type` header, so storage itself refuses a mismatched type (403) and an expired URL
//! (403). [`Storage::Memory`] is an in-process stand-in with the same rules, used by the
//! oneshot tests of the routers, which do not start a server.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use crate::util::{now_unix, random_id};
use crate::SandboxError;

/// The bucket every provider's files go to.
pub const BUCKET: &str = "kyc-sandbox";

/// How many leading bytes of an object are read to recognise its format.
const SNIFF_BYTES: usize = 64;

/// A presigned upload: where to PUT, which headers to send, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedPut {
    /// The URL to PUT the bytes to.
    pub url: String,
    /// The `Content-Type` the PUT must carry (signed into the URL).
    pub content_type: String,
    /// When the URL stops working, in seconds since the Unix epoch.
    pub expires_at: u64,
}

/// What storage holds under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    /// The object's first bytes (at most 64), enough to sniff its format.
    pub prefix: Vec<u8>,
}

/// Where uploaded files live.
pub enum Storage {
    /// A real S3-compatible server.
    S3(S3Storage),
    /// An in-process store with the same rules, for tests that start no server.
    Memory(MemoryStorage),
}

impl Storage {
    /// A presigned PUT URL for `key` that only accepts `content_type`, valid for `ttl`.
    pub fn presign_put(&self, key: &str, content_type: &str, ttl: Duration) -> PresignedPut {
        let expires_at = now_unix() + ttl.as_secs();
        let url = match self {
            Storage::S3(s3) => s3.presign_put(key, content_type, ttl),
            Storage::Memory(memory) => memory.presign_put(key, content_type, ttl),
        };
        PresignedPut {
            url,
            content_type: content_type.to_owned(),
            expires_at,
        }
    }

    /// The object's first bytes if it has been uploaded, `None` if it has not.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectHead>, String> {
        match self {
            Storage::S3(s3) => s3.head(key).await,
            Storage::Memory(memory) => Ok(memory.head(key)),
        }
    }

    /// Stores `bytes` under `key` from the sandbox itself (B's direct upload endpoint).
    pub async fn put(&self, key: &str, content_type: &str, bytes: Vec<u8>) -> Result<(), String> {
        match self {
            Storage::S3(s3) => s3.put(key, content_type, bytes).await,
            Storage::Memory(memory) => {
                memory.store(key, content_type, bytes);
                Ok(())
            }
        }
    }

    /// The whole object, `None` if there is none.
    pub async fn get(&self, key: &str) -> Result<Option<(String, Vec<u8>)>, String> {
        match self {
            Storage::S3(s3) => s3.get(key).await,
            Storage::Memory(memory) => Ok(memory.get(key)),
        }
    }

    /// The in-memory store, if this is one.
    pub fn as_memory(&self) -> Option<&MemoryStorage> {
        match self {
            Storage::Memory(memory) => Some(memory),
            Storage::S3(_) => None,
        }
    }
}

/// An S3-compatible server reached with SigV4-signed requests.
pub struct S3Storage {
    bucket: Bucket,
    credentials: Credentials,
    client: reqwest::Client,
    endpoint: String,
}

impl S3Storage {
    /// A client of the server at `endpoint` (e.g. `http://127.0.0.1:9000`), bucket [`BUCKET`].
    pub fn new(endpoint: &str, access_key: &str, secret_key: &str) -> Result<S3Storage, String> {
        let url = url::Url::parse(endpoint).map_err(|e| format!("bad storage endpoint: {e}"))?;
        let bucket = Bucket::new(url, UrlStyle::Path, BUCKET, "us-east-1")
            .map_err(|e| format!("bad bucket: {e}"))?;
        Ok(S3Storage {
            bucket,
            credentials: Credentials::new(access_key, secret_key),
            client: reqwest::Client::new(),
            endpoint: endpoint.trim_end_matches('/').to_owned(),
        })
    }

    /// The server's base URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn presign_put(&self, key: &str, content_type: &str, ttl: Duration) -> String {
        let mut action = self.bucket.put_object(Some(&self.credentials), key);
        action
            .headers_mut()
            .insert("content-type", content_type.to_owned());
        action.sign(ttl).to_string()
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, String> {
        let url = self
            .bucket
            .get_object(Some(&self.credentials), key)
            .sign(Duration::from_secs(60));
        let response = self
            .client
            .get(url)
            .header("Range", format!("bytes=0-{}", SNIFF_BYTES - 1))
            .send()
            .await
            .map_err(|e| format!("storage did not answer: {e}"))?;
        match response.status().as_u16() {
            200 | 206 => {
                let bytes = response
                    .bytes()
                    .await
                    .map_err(|e| format!("storage read failed: {e}"))?;
                let end = bytes.len().min(SNIFF_BYTES);
                Ok(Some(ObjectHead {
                    prefix: bytes[..end].to_vec(),
                }))
            }
            // An empty object cannot satisfy a range.
            416 => Ok(Some(ObjectHead { prefix: Vec::new() })),
            404 => Ok(None),
            other => Err(format!("storage answered {other} to a signed GET of {key}")),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<(String, Vec<u8>)>, String> {
        let url = self
            .bucket
            .get_object(Some(&self.credentials), key)
            .sign(Duration::from_secs(60));
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| format!("storage did not answer: {e}"))?;
        match response.status().as_u16() {
            200 => {
                let content_type = response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let bytes = response
                    .bytes()
                    .await
                    .map_err(|e| format!("storage read failed: {e}"))?;
                Ok(Some((content_type, bytes.to_vec())))
            }
            404 => Ok(None),
            other => Err(format!("storage answered {other} to a signed GET of {key}")),
        }
    }

    async fn put(&self, key: &str, content_type: &str, bytes: Vec<u8>) -> Result<(), String> {
        let url = self.presign_put(key, content_type, Duration::from_secs(60));
        let response = self
            .client
            .put(url)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .map_err(|e| format!("storage did not answer: {e}"))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!(
                "storage answered {} to a signed PUT of {key}",
                response.status()
            ))
        }
    }
}

/// An in-process object store with the rules of the real one: a presigned URL works until it
/// expires and only with the `Content-Type` it was signed for.
#[derive(Default)]
pub struct MemoryStorage {
    objects: Mutex<HashMap<String, (String, Vec<u8>)>>,
    grants: Mutex<HashMap<String, MemoryGrant>>,
}

struct MemoryGrant {
    key: String,
    content_type: String,
    expires: Instant,
}

/// The host of the in-memory store's URLs (reserved, never resolvable).
pub const MEMORY_HOST: &str = "http://storage.sandbox.invalid";

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    fn presign_put(&self, key: &str, content_type: &str, ttl: Duration) -> String {
        let token = random_id("sig");
        self.grants.lock().unwrap().insert(
            token.clone(),
            MemoryGrant {
                key: key.to_owned(),
                content_type: content_type.to_owned(),
                expires: Instant::now() + ttl,
            },
        );
        format!(
            "{MEMORY_HOST}/{BUCKET}/{key}?X-Amz-Expires={}&X-Sandbox-Signature={token}",
            ttl.as_secs()
        )
    }

    /// Performs a PUT to a URL this store presigned, with the storage's answer status:
    /// 200 stored, 403 expired, unknown or wrong `Content-Type`.
    pub fn upload(&self, url: &str, content_type: &str, bytes: &[u8]) -> u16 {
        let Some(token) = url.split("X-Sandbox-Signature=").nth(1) else {
            return 403;
        };
        let grants = self.grants.lock().unwrap();
        let Some(grant) = grants.get(token) else {
            return 403;
        };
        if Instant::now() >= grant.expires || grant.content_type != content_type {
            return 403;
        }
        self.store(&grant.key, content_type, bytes.to_vec());
        200
    }

    fn store(&self, key: &str, content_type: &str, bytes: Vec<u8>) {
        self.objects
            .lock()
            .unwrap()
            .insert(key.to_owned(), (content_type.to_owned(), bytes));
    }

    fn head(&self, key: &str) -> Option<ObjectHead> {
        self.objects.lock().unwrap().get(key).map(|(_, bytes)| {
            let end = bytes.len().min(SNIFF_BYTES);
            ObjectHead {
                prefix: bytes[..end].to_vec(),
            }
        })
    }

    fn get(&self, key: &str) -> Option<(String, Vec<u8>)> {
        self.objects.lock().unwrap().get(key).cloned()
    }
}

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
fn storage_command(binary: &std::path::Path) -> tokio::process::Command {
    let setpriv = std::path::Path::new("/usr/bin/setpriv");
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
    let url = storage
        .bucket
        .head_bucket(Some(&storage.credentials))
        .sign(Duration::from_secs(60));
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

/// The object key of a provider's file: `<provider>/<customer>/<file>`.
pub fn object_key(provider: &str, customer_id: &str, file_id: &str) -> String {
    format!("{provider}/{customer_id}/{file_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_storage_enforces_type_and_expiry() {
        let storage = Storage::Memory(MemoryStorage::new());
        let memory = storage.as_memory().unwrap();
        let put = storage.presign_put("d/c/f", "image/jpeg", Duration::from_secs(60));
        assert_eq!(memory.upload(&put.url, "image/png", b"x"), 403);
        assert_eq!(memory.upload(&put.url, "image/jpeg", b"\xFF\xD8\xFF"), 200);
        assert_eq!(memory.head("d/c/f").unwrap().prefix, b"\xFF\xD8\xFF");
        let expired = storage.presign_put("d/c/g", "image/jpeg", Duration::ZERO);
        assert_eq!(memory.upload(&expired.url, "image/jpeg", b"x"), 403);
        assert!(memory.head("d/c/g").is_none());
        assert_eq!(memory.upload("http://elsewhere/x", "image/jpeg", b"x"), 403);
    }

    #[test]
    fn s3_presigned_put_signs_the_content_type() {
        let s3 = S3Storage::new("http://127.0.0.1:9000", ACCESS_KEY, SECRET_KEY).unwrap();
        let url = s3.presign_put("d/cus_1/file_1", "image/jpeg", Duration::from_secs(900));
        assert!(url.starts_with("http://127.0.0.1:9000/kyc-sandbox/d/cus_1/file_1?"));
        assert!(url.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"), "{url}");
        assert!(url.contains("X-Amz-Expires=900"), "{url}");
        assert!(
            url.contains("X-Amz-SignedHeaders=content-type%3Bhost"),
            "{url}"
        );
    }
}
