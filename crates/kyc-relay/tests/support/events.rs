//! A relay on a real port and its status stream (`GET /v1/session/events`) read block by block.

use std::time::Duration;

use futures_util::StreamExt;
use kyc_relay::RelayConfig;
use kyc_sandbox::SandboxConfig;
use serde_json::Value;

use super::{harness_with, Harness};

/// A relay served on a real port (its listener bound before the sandbox starts, so the
/// sandbox's webhooks can be pointed at it), with `sandbox` and `relay` configurations.
pub async fn serve(
    mut sandbox: SandboxConfig,
    relay: RelayConfig,
    webhooks: bool,
) -> (Harness, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    if webhooks {
        sandbox.webhook_url = Some(format!("http://{address}/webhooks/d"));
        sandbox.webhook_secret = "sandbox-webhook-secret".to_owned();
    }
    let h = harness_with(sandbox, relay).await;
    listener.set_nonblocking(true).unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let router = h.relay.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (h, format!("http://{address}"))
}

/// The blocks of a `text/event-stream`, one at a time.
pub struct EventStream {
    chunks: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

/// One block of the stream: an event (`event:` and `data:` lines) or a comment.
#[derive(Debug)]
pub enum Block {
    Event { name: String, data: Value },
    Comment(String),
}

impl EventStream {
    pub fn new(response: reqwest::Response) -> EventStream {
        EventStream {
            chunks: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next block, within `within`.
    pub async fn next(&mut self, within: Duration) -> Block {
        tokio::time::timeout(within, async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    return parse(block.trim_end());
                }
                let chunk = self
                    .chunks
                    .next()
                    .await
                    .expect("the stream stays open")
                    .unwrap();
                self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no event within {within:?}; buffered {:?}", self.buffer))
    }

    /// The next `status` event's data, skipping keep-alive comments.
    pub async fn status(&mut self, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Block::Event { name, data } => {
                    assert_eq!(name, "status");
                    return data;
                }
                Block::Comment(_) => {}
            }
        }
    }
}

fn parse(block: &str) -> Block {
    let mut name = String::new();
    let mut data = String::new();
    for line in block.lines() {
        if let Some(comment) = line.strip_prefix(':') {
            return Block::Comment(comment.trim().to_owned());
        }
        if let Some(value) = line.strip_prefix("event:") {
            name = value.trim().to_owned();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim());
        }
    }
    Block::Event {
        name,
        data: serde_json::from_str(&data).unwrap_or_else(|err| panic!("{err}: {block:?}")),
    }
}
