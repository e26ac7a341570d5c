//! The relay's log lines, captured for the current thread (the tests run the relay on their own
//! thread's runtime): shared by the security and leak tests (each includes it next to
//! `support`).
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

/// What the capturing subscriber wrote.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

impl Logs {
    /// Captures every INFO (and more severe) line of this thread.
    pub fn capture() -> (Logs, tracing::subscriber::DefaultGuard) {
        Logs::capture_filtered("info")
    }

    /// Captures this thread's lines that `filter` (an `EnvFilter` directive such as
    /// `kyc_relay=debug`) lets through.
    pub fn capture_filtered(filter: &str) -> (Logs, tracing::subscriber::DefaultGuard) {
        let logs = Logs::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_ansi(false)
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        (logs, guard)
    }

    /// The lines logged since the last call.
    pub fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.0.lock().unwrap())).into_owned()
    }
}
