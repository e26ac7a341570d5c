//! The client of a real S3-compatible server: SigV4-presigned URLs (signed with `rusty-s3`),
//! requests sent with reqwest.

use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use super::{ObjectHead, BUCKET, SNIFF_BYTES};

/// How long the URLs of the sandbox's own requests to storage stay valid.
const OWN_REQUEST_TTL: Duration = Duration::from_secs(60);

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

    pub(super) fn presign_put(&self, key: &str, content_type: &str, ttl: Duration) -> String {
        let mut action = self.bucket.put_object(Some(&self.credentials), key);
        action
            .headers_mut()
            .insert("content-type", content_type.to_owned());
        action.sign(ttl).to_string()
    }

    /// A signed HeadBucket URL: answered 200 once the server serves the bucket.
    pub(super) fn head_bucket_url(&self) -> url::Url {
        self.bucket
            .head_bucket(Some(&self.credentials))
            .sign(OWN_REQUEST_TTL)
    }

    /// A signed GET of `key`, with `Range: <range>` when given.
    async fn signed_get(
        &self,
        key: &str,
        range: Option<&str>,
    ) -> Result<reqwest::Response, String> {
        let url = self
            .bucket
            .get_object(Some(&self.credentials), key)
            .sign(OWN_REQUEST_TTL);
        let mut request = self.client.get(url);
        if let Some(range) = range {
            request = request.header("Range", range);
        }
        request
            .send()
            .await
            .map_err(|e| format!("storage did not answer: {e}"))
    }

    pub(super) async fn head(&self, key: &str) -> Result<Option<ObjectHead>, String> {
        let range = format!("bytes=0-{}", SNIFF_BYTES - 1);
        let response = self.signed_get(key, Some(&range)).await?;
        match response.status().as_u16() {
            200 | 206 => {
                let bytes = response
                    .bytes()
                    .await
                    .map_err(|e| format!("storage read failed: {e}"))?;
                Ok(Some(ObjectHead::of(&bytes)))
            }
            // An empty object cannot satisfy a range.
            416 => Ok(Some(ObjectHead { prefix: Vec::new() })),
            404 => Ok(None),
            other => Err(format!("storage answered {other} to a signed GET of {key}")),
        }
    }

    pub(super) async fn get(&self, key: &str) -> Result<Option<(String, Vec<u8>)>, String> {
        let response = self.signed_get(key, None).await?;
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

    pub(super) async fn put(
        &self,
        key: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), String> {
        let url = self.presign_put(key, content_type, OWN_REQUEST_TTL);
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
