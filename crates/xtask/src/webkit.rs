//! WebKit for the wasm tests: WebKitGTK's MiniBrowser driven by `WebKitWebDriver`, on a
//! virtual display (MiniBrowser has no headless mode).
//!
//! wasm-bindgen's test runner sends a Safari driver no capabilities, and MiniBrowser needs
//! some: its binary, `--automation`, and the switches of its mock camera. So the runner talks
//! to a small proxy that replaces the body of the new-session request with those capabilities
//! and passes everything else through unchanged, one request per connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::free_port;
use crate::{browser, Fail};

/// Debian's WebKitGTK driver (package webkit2gtk-driver).
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
/// WebKitGTK's MiniBrowser (package libwebkit2gtk-4.1-0).
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
/// Runs a command on a fresh virtual X display (package xvfb).
pub const XVFB_RUN: &str = "/usr/bin/xvfb-run";
/// Runs a command with a session D-Bus of its own (package dbus-daemon).
pub const DBUS_RUN_SESSION: &str = "/usr/bin/dbus-run-session";

/// The capabilities of every new session: MiniBrowser under automation, with a camera that
/// is granted without asking and shows a mock picture.
fn new_session_body() -> String {
    format!(
        r#"{{"capabilities": {{"alwaysMatch": {{"webkitgtk:browserOptions": {{"binary": "{MINIBROWSER}", "args": ["--automation", "--enable-media-stream=true", "--enable-mock-capture-devices=true"]}}}}}}}}"#
    )
}

/// What GLib prints when it kills a WebKit process (its `g_check_setuid` finds `EINTR` left in
/// `errno` around `getauxval`, a signal's doing): GLib's failure, in a process of the browser,
/// seen now and then on these machines (Debian 12's GLib 2.74), and no finding of a test.
pub const GLIB_CRASH: &str = "getauxval () failed";

/// What MiniBrowser prints when one of its web processes dies.
pub const WEB_PROCESS_CRASH: &str = "WebProcess CRASHED";

/// `WebKitWebDriver` on a virtual display and the proxy in front of it; both stop when this
/// is dropped.
pub struct WebKitDriver {
    /// `xvfb-run` leads its own process group: the display, the driver and the browsers.
    group: Child,
    proxy: SocketAddr,
    stopping: Arc<AtomicBool>,
    log_path: std::path::PathBuf,
}

impl WebKitDriver {
    /// Starts the driver and the proxy; waits until both listen.
    pub fn start() -> Result<WebKitDriver, Fail> {
        let driver_port = free_port();
        // What the driver and MiniBrowser print (a crash, a refused session) goes to a log that
        // a failed step shows: without it, a failure in CI said nothing about its cause.
        let log_dir = crate::workspace_root().join("target/xtask/webkit");
        let _ = std::fs::create_dir_all(&log_dir);
        let log_path = log_dir.join(format!("driver-{driver_port}.log"));
        let log = std::fs::File::create(&log_path)
            .map_err(|err| Fail(format!("cannot write {}: {err}", log_path.display())))?;
        let log_err = log
            .try_clone()
            .map_err(|err| Fail(format!("cannot write {}: {err}", log_path.display())))?;
        // On a session bus of its own: without one, each web process looked for a bus again
        // and again (about 20 times a run, each time trying to start `dbus-launch`), and each
        // look runs GLib's `getauxval` check, the one that kills a process when it finds
        // `errno` changed under it ([`GLIB_CRASH`]).
        let mut group = Command::new(DBUS_RUN_SESSION)
            .args([
                "--",
                XVFB_RUN,
                "-a",
                "-s",
                "-screen 0 1280x1024x24",
                WEBKIT_DRIVER,
            ])
            .arg(format!("--port={driver_port}"))
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .map_err(|err| {
                Fail(format!(
                    "cannot start {DBUS_RUN_SESSION} {XVFB_RUN} {WEBKIT_DRIVER}: {err}"
                ))
            })?;
        let driver = SocketAddr::from(([127, 0, 0, 1], driver_port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&driver, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = group.try_wait() {
                return Err(Fail(format!("WebKitWebDriver exited with {status}")));
            }
            if Instant::now() > deadline {
                stop_group(&mut group);
                return Err(Fail(format!("WebKitWebDriver did not listen on {driver}")));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|err| Fail(format!("cannot listen on loopback: {err}")))?;
        let proxy = listener
            .local_addr()
            .map_err(|err| Fail(format!("no address: {err}")))?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopping);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                std::thread::spawn(move || {
                    if let Err(err) = pass(client, driver) {
                        eprintln!("xtask: WebKit driver proxy: {err}");
                    }
                });
            }
        });
        Ok(WebKitDriver {
            group,
            proxy,
            stopping,
            log_path,
        })
    }

    /// The proxy's URL, where a WebDriver client talks to the driver.
    pub fn url(&self) -> String {
        format!("http://{}", self.proxy)
    }

    /// Points `cargo test --target wasm32-unknown-unknown` at the driver, the whole run given
    /// at most `timeout_secs` (the runner's timeout is not per test).
    pub fn drive(&self, cargo: &mut Command, timeout_secs: u32) {
        browser::clear_drivers(cargo);
        cargo
            .env("SAFARIDRIVER_REMOTE", format!("http://{}", self.proxy))
            .env_remove("WASM_BINDGEN_TEST_WEBDRIVER_JSON")
            .env("WASM_BINDGEN_TEST_TIMEOUT", timeout_secs.to_string());
    }
}

/// A driven run's driver, as [`once_more_if_the_engine_died`] needs it.
pub trait Driven {
    /// Whether the engine itself died in the run (for WebKit: what its driver's log shows).
    fn engine_died(&self) -> bool;
    /// `failed`, with what the engine printed last where it is kept.
    fn explain(&self, failed: Fail) -> Fail;
}

impl Driven for WebKitDriver {
    /// Whether the engine itself failed while driven, which the driver's log shows: GLib killed
    /// one of its processes ([`GLIB_CRASH`]), or one of MiniBrowser's web processes died
    /// ([`WEB_PROCESS_CRASH`]). The second is seen on these machines in Skia, WebKitGTK's
    /// renderer, compiling its own shaders: "integer is too large: 2" (or 255) for a literal of
    /// its own source, then `Unable to load module sksl_shared` or `SkRuntimeEffectPriv.h: fatal
    /// error`. Both look like `errno` changed under the code that checks it (Skia's integer
    /// parsing checks `errno`; GLib's check found `EINTR`), i.e. by a signal handler in the
    /// process: about one driver run in ten, whatever the tests did; after the session bus of
    /// [`WebKitDriver::start`] GLib's kill still came once in nine runs.
    fn engine_died(&self) -> bool {
        std::fs::read_to_string(&self.log_path)
            .is_ok_and(|log| log.contains(GLIB_CRASH) || log.contains(WEB_PROCESS_CRASH))
    }

    /// `failed` with the last lines the driver and the browser printed.
    fn explain(&self, failed: Fail) -> Fail {
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        Fail(format!(
            "{}\nthe WebKit driver's and MiniBrowser's last output ({}):\n{tail}",
            failed.0,
            self.log_path.display()
        ))
    }
}

/// Runs `attempt`, which starts its own driver and returns it with the run's outcome; once
/// more, with a new driver and browser, when the first failed because the engine itself died
/// ([`Driven::engine_died`]). Any other failure fails at once, and so does the engine
/// dying twice: a crash the page causes would come again. `what` names the run in the note.
pub fn once_more_if_the_engine_died<D: Driven>(
    what: &str,
    mut attempt: impl FnMut() -> Result<(D, Result<(), Fail>), Fail>,
) -> Result<(), Fail> {
    let (driver, outcome) = attempt()?;
    match outcome {
        Ok(()) => return Ok(()),
        Err(failed) if driver.engine_died() => eprintln!(
            "xtask: a WebKit process died (\"{GLIB_CRASH}\" or \"{WEB_PROCESS_CRASH}\" in the \
             driver's log), not a finding of the {what}: the {what} once more, in a new \
             browser\n{}",
            driver.explain(failed).0
        ),
        Err(failed) => return Err(driver.explain(failed)),
    }
    drop(driver);
    let (driver, outcome) = attempt()?;
    outcome.map_err(|failed| driver.explain(failed))
}

impl Drop for WebKitDriver {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.proxy);
        stop_group(&mut self.group);
    }
}

/// SIGTERM to the whole group (xvfb-run, Xvfb, the driver, MiniBrowser), SIGKILL if it hangs.
fn stop_group(group: &mut Child) {
    let pgid = format!("-{}", group.id());
    let _ = Command::new("kill").args(["-TERM", "--", &pgid]).status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = group.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("kill").args(["-KILL", "--", &pgid]).status();
    let _ = group.wait();
}

/// Passes one request from `client` to the driver and its response back, the new-session
/// request with [`new_session_body`] as its body.
fn pass(client: TcpStream, driver: SocketAddr) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().unwrap_or(0);
        } else if !name.eq_ignore_ascii_case("connection") {
            headers.push(line);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut words = request_line.split_whitespace();
    if (words.next(), words.next()) == (Some("POST"), Some("/session")) {
        body = new_session_body().into_bytes();
    }
    let mut upstream = TcpStream::connect(driver)?;
    let mut head = request_line.trim_end().to_owned() + "\r\n";
    for header in headers {
        head += &header;
        head += "\r\n";
    }
    head += &format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    upstream.write_all(head.as_bytes())?;
    upstream.write_all(&body)?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response)?;
    // The connection closes after each response, so the client must not keep it.
    let mut client = client;
    client.write_all(&close_after(&response))?;
    client.shutdown(Shutdown::Both)
}

/// `response` with `Connection: close` in place of any connection header of its own.
fn close_after(response: &[u8]) -> Vec<u8> {
    let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return response.to_vec();
    };
    let head = String::from_utf8_lossy(&response[..end]);
    let mut out = String::new();
    for line in head.split("\r\n") {
        let name = line.split(':').next().unwrap_or_default();
        if !name.eq_ignore_ascii_case("connection") {
            out += line;
            out += "\r\n";
        }
    }
    out += "Connection: close\r\n";
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&response[end + 2..]);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's driver as the retry sees it: whether the engine died in it.
    struct Run(bool);

    impl Driven for Run {
        fn engine_died(&self) -> bool {
            self.0
        }
        fn explain(&self, failed: Fail) -> Fail {
            Fail(format!("{} (explained)", failed.0))
        }
    }

    /// Runs the retry over `runs` (engine died?, passed?) and returns its outcome and how many
    /// runs it started.
    fn retried(runs: &[(bool, bool)]) -> (Result<(), Fail>, usize) {
        let mut started = 0;
        let outcome = once_more_if_the_engine_died("tests", || {
            let (died, passed) = runs[started];
            started += 1;
            let outcome = if passed {
                Ok(())
            } else {
                Err(Fail(format!("run {started} failed")))
            };
            Ok((Run(died), outcome))
        });
        (outcome, started)
    }

    #[test]
    fn a_run_that_passes_is_not_repeated() {
        assert!(matches!(retried(&[(false, true)]), (Ok(()), 1)));
    }

    #[test]
    fn the_engine_dying_once_costs_one_more_run() {
        assert!(matches!(
            retried(&[(true, false), (false, true)]),
            (Ok(()), 2)
        ));
    }

    #[test]
    fn a_test_failure_fails_at_once_explained() {
        let (Err(Fail(message)), 1) = retried(&[(false, false), (false, true)]) else {
            panic!("a test's failure was run again");
        };
        assert_eq!(message, "run 1 failed (explained)");
    }

    #[test]
    fn the_engine_dying_twice_fails() {
        let (Err(Fail(message)), 2) = retried(&[(true, false), (true, false), (false, true)])
        else {
            panic!("not failed after the second death");
        };
        assert_eq!(message, "run 2 failed (explained)");
    }
}
