//! Headless Chromium for the wasm tests and the browser bench: where Debian puts it and its
//! driver, the flags it runs with, and the webdriver capabilities wasm-bindgen's test runner
//! reads.

use std::process::Command;

use crate::{scratch_dir, Fail};

/// Debian's Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver (package chromium-driver).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

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

/// Makes `cargo test --target wasm32-unknown-unknown` run in headless Chromium through
/// chromedriver, each test given at most `timeout_secs`: writes the webdriver capabilities
/// (Chromium's binary and [`CHROMIUM_FLAGS`]) to `webdriver.json` in the scratch directory
/// `scratch` and points the test runner at it.
pub fn in_headless_chromium(
    cargo: &mut Command,
    scratch: &str,
    timeout_secs: u32,
) -> Result<(), Fail> {
    let dir = scratch_dir(scratch)?;
    let capabilities = format!(
        r#"{{"goog:chromeOptions": {{"binary": "{CHROMIUM}", "args": [{}]}}}}"#,
        CHROMIUM_FLAGS
            .iter()
            .map(|flag| format!("\"{flag}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let json = dir.join("webdriver.json");
    std::fs::write(&json, capabilities)
        .map_err(|err| Fail(format!("cannot write {json:?}: {err}")))?;
    cargo
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &json)
        .env("WASM_BINDGEN_TEST_TIMEOUT", timeout_secs.to_string());
    Ok(())
}
