//! An engine's WebDriver server for the tests that speak the protocol themselves (the
//! end-to-end tests and the startup bench that run in every engine).

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::browser::{chromium_capabilities, firefox_capabilities, Engine, CHROMEDRIVER};
use crate::webkit::{Driven, WebKitDriver};
use crate::{free_port, Fail};

/// An engine's WebDriver server: its URL and the capabilities a new session asks for. Stopped
/// when dropped.
pub struct DriverServer {
    /// The engine.
    pub engine: Engine,
    /// Where the driver listens.
    pub url: String,
    /// The `alwaysMatch` capabilities of a session, as JSON.
    pub capabilities: String,
    process: Option<Child>,
    webkit: Option<WebKitDriver>,
}

impl Driven for DriverServer {
    /// Whether WebKit itself died (the other engines' drivers keep no log: never).
    fn engine_died(&self) -> bool {
        self.webkit.as_ref().is_some_and(Driven::engine_died)
    }

    /// `failed`, with what WebKit's driver and browser printed last (the other drivers' output
    /// is not kept).
    fn explain(&self, failed: Fail) -> Fail {
        match &self.webkit {
            Some(webkit) => webkit.explain(failed),
            None => failed,
        }
    }
}

impl DriverServer {
    /// Starts `engine`'s driver (chromedriver, geckodriver, or WebKitWebDriver on a virtual
    /// display behind [`WebKitDriver`]'s proxy, which adds MiniBrowser's capabilities) and
    /// waits until it listens.
    pub fn start(engine: Engine) -> Result<DriverServer, Fail> {
        let (program, capabilities) = match engine {
            Engine::WebKit => {
                let webkit = WebKitDriver::start()?;
                return Ok(DriverServer {
                    engine,
                    url: webkit.url(),
                    capabilities: "{}".to_owned(),
                    process: None,
                    webkit: Some(webkit),
                });
            }
            Engine::Chromium => (
                PathBuf::from(CHROMEDRIVER),
                chromium_capabilities(&["--headless=new"]),
            ),
            Engine::Firefox => (
                crate::find_program("geckodriver")
                    .ok_or_else(|| Fail("geckodriver is not installed".to_owned()))?,
                firefox_capabilities(&["-headless"]),
            ),
        };
        let port = free_port();
        let mut process = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| Fail(format!("cannot start {program:?}: {err}")))?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            let exited = process.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                let _ = process.kill();
                let _ = process.wait();
                return Err(Fail(format!(
                    "{program:?} did not listen on {address} ({})",
                    exited.map_or("timed out".to_owned(), |status| status.to_string())
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(DriverServer {
            engine,
            url: format!("http://{address}"),
            capabilities,
            process: Some(process),
            webkit: None,
        })
    }
}

impl Drop for DriverServer {
    fn drop(&mut self) {
        if let Some(process) = &mut self.process {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}
