//! The relay as a real process: the `kyc-relay` binary cargo built, in sandbox mode on a free
//! loopback port, killed (SIGKILL) when dropped.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use super::HOST_KEY;

/// A running relay process and the base URL it serves.
pub struct RelayProcess {
    pub child: Child,
    pub base: String,
}

impl RelayProcess {
    /// Spawns the binary on `database` (a SQLite path or a PostgreSQL URL) with provider D at
    /// `provider_d`, plus `extra` flags; [`RelayProcess::ready`] waits for it. Spawning several
    /// before waiting starts them side by side.
    pub fn spawn(database: impl AsRef<OsStr>, provider_d: &str, extra: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_kyc-relay"))
            .args([
                "--sandbox",
                "--listen",
                "127.0.0.1:0",
                "--host-api-key",
                HOST_KEY,
            ])
            .arg("--database")
            .arg(database)
            .args(["--provider-d-url", provider_d])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the relay binary starts")
    }

    /// Waits for the spawned relay's first line, which names its address.
    pub fn ready(mut child: Child) -> RelayProcess {
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        // The log lines after it are drained, so a log line is never a broken pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let base = line
            .trim()
            .strip_prefix("kyc-relay listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        RelayProcess { child, base }
    }

    /// Spawns and waits: [`RelayProcess::spawn`] then [`RelayProcess::ready`].
    pub fn start(database: impl AsRef<OsStr>, provider_d: &str, extra: &[&str]) -> RelayProcess {
        RelayProcess::ready(RelayProcess::spawn(database, provider_d, extra))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process (SIGKILL: no graceful shutdown) and waits for it.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
