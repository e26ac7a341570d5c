//! The browser engines the widget's wasm tests run in (Chromium, Firefox, WebKit): where Debian
//! puts each and its driver, the flags they run with, and the webdriver capabilities
//! wasm-bindgen's test runner reads.

use std::process::Command;

use crate::{scratch_dir, Fail};

/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver (package chromium-driver).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's Firefox ESR (package firefox-esr); its driver, geckodriver, comes from crates.io.
pub const FIREFOX: &str = "/usr/bin/firefox-esr";

/// A browser engine the widget's tests run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
    WebKit,
}

impl Engine {
    /// Every engine, in the order the steps run.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// The name `--engine` takes.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The engine `--engine NAME` names.
    pub fn from_name(name: &str) -> Option<Engine> {
        Engine::ALL
            .into_iter()
            .find(|engine| engine.name().eq_ignore_ascii_case(name))
    }
}

/// The environment variables by which wasm-bindgen's test runner picks a driver; a step sets
/// its own and removes the others (the runner prefers geckodriver when several are set).
const DRIVER_VARS: [&str; 6] = [
    "CHROMEDRIVER",
    "CHROMEDRIVER_REMOTE",
    "GECKODRIVER",
    "GECKODRIVER_REMOTE",
    "SAFARIDRIVER",
    "SAFARIDRIVER_REMOTE",
];

/// Chromium flags for a closed network, as root, headless.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
];

/// Firefox prefs: a fake camera, granted without asking, on a closed network.
const FIREFOX_PREFS: &[(&str, &str)] = &[
    ("media.navigator.streams.fake", "true"),
    ("media.navigator.permission.disabled", "true"),
    ("app.update.auto", "false"),
    ("browser.shell.checkDefaultBrowser", "false"),
    ("datareporting.policy.dataSubmissionEnabled", "false"),
    ("toolkit.telemetry.enabled", "false"),
];

/// Makes `cargo test --target wasm32-unknown-unknown` run in headless Chromium through
/// chromedriver, the whole run given at most `timeout_secs`: writes the webdriver capabilities
/// (Chromium's binary and [`CHROMIUM_FLAGS`]) to `webdriver.json` in the scratch directory
/// `scratch` and points the test runner at it.
pub fn in_headless_chromium(
    cargo: &mut Command,
    scratch: &str,
    timeout_secs: u32,
) -> Result<(), Fail> {
    in_headless_chromium_with(cargo, scratch, timeout_secs, &[])
}

/// As [`in_headless_chromium`], with `extra` flags for Chromium.
pub fn in_headless_chromium_with(
    cargo: &mut Command,
    scratch: &str,
    timeout_secs: u32,
    extra: &[&str],
) -> Result<(), Fail> {
    // The test runner adds headless itself.
    with_capabilities(cargo, scratch, &chromium_capabilities(extra), timeout_secs)?;
    cargo.env("CHROMEDRIVER", CHROMEDRIVER);
    Ok(())
}

/// As [`in_headless_chromium`], in Firefox ESR through geckodriver (the test runner adds
/// `-headless` itself), with [`FIREFOX_PREFS`].
pub fn in_headless_firefox(
    cargo: &mut Command,
    scratch: &str,
    timeout_secs: u32,
) -> Result<(), Fail> {
    let geckodriver = crate::find_program("geckodriver")
        .ok_or_else(|| Fail("geckodriver is not installed".to_owned()))?;
    with_capabilities(cargo, scratch, &firefox_capabilities(&[]), timeout_secs)?;
    cargo.env("GECKODRIVER", geckodriver);
    Ok(())
}

/// A Chromium session's capabilities: Debian's binary, [`CHROMIUM_FLAGS`] and `extra` flags.
pub fn chromium_capabilities(extra: &[&str]) -> String {
    format!(
        r#"{{"goog:chromeOptions": {{"binary": "{CHROMIUM}", "args": [{}]}}}}"#,
        CHROMIUM_FLAGS
            .iter()
            .chain(extra)
            .map(|flag| format!("\"{flag}\""))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A Firefox session's capabilities: Firefox ESR, [`FIREFOX_PREFS`] and `args`.
pub fn firefox_capabilities(args: &[&str]) -> String {
    format!(
        r#"{{"moz:firefoxOptions": {{"binary": "{FIREFOX}", "args": [{}], "prefs": {{{}}}}}}}"#,
        args.iter()
            .map(|arg| format!("\"{arg}\""))
            .collect::<Vec<_>>()
            .join(", "),
        FIREFOX_PREFS
            .iter()
            .map(|(pref, value)| format!("\"{pref}\": {value}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Writes `capabilities` to `webdriver.json` in the scratch directory `scratch`, points the
/// test runner at it, and clears every driver choice the caller's environment may hold.
fn with_capabilities(
    cargo: &mut Command,
    scratch: &str,
    capabilities: &str,
    timeout_secs: u32,
) -> Result<(), Fail> {
    let dir = scratch_dir(scratch)?;
    let json = dir.join("webdriver.json");
    std::fs::write(&json, capabilities)
        .map_err(|err| Fail(format!("cannot write {json:?}: {err}")))?;
    clear_drivers(cargo);
    cargo
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &json)
        .env("WASM_BINDGEN_TEST_TIMEOUT", timeout_secs.to_string());
    Ok(())
}

/// Removes every driver variable from `cargo`'s environment.
pub fn clear_drivers(cargo: &mut Command) {
    for var in DRIVER_VARS {
        cargo.env_remove(var);
    }
}
