//! How the host configures the widget: [`WidgetOptions`] (read from a host's plain object by
//! [`crate::embed::parse_options`]) and its [`Theme`].

use crate::i18n::{Locale, Overrides, Texts};
use crate::upload::RetryPolicy;

/// How the host configures the widget.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WidgetOptions {
    /// The relay's base URL; empty for the page's own origin.
    pub endpoint: String,
    /// The session token the host's backend obtained; `None` asks a demo relay for one.
    pub session_token: Option<String>,
    /// The language; `None` follows the browser, then English.
    pub locale: Option<Locale>,
    /// Strings replacing the built-in ones, by key (see [`crate::i18n`]).
    pub messages: Overrides,
    /// Whether a steady, good preview frame is captured without pressing the button.
    pub auto_capture: bool,
    /// Light, dark, or the user's system setting.
    pub theme: Theme,
    /// How failed uploads are retried.
    pub retry: RetryPolicy,
    /// Whether a desktop offers to continue on the phone.
    pub handoff: Handoff,
    /// The phone page's URL (the code goes in its fragment); `None`: this page's own.
    pub handoff_url: Option<String>,
}

/// Continuing on the phone (`handoff` option): never, offered on a desktop (the default), or
/// forced there (a desktop always hands the captures to the phone).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Handoff {
    /// Never offered.
    Off,
    /// Offered on a desktop's capture steps.
    #[default]
    Offered,
    /// A desktop's capture steps are the handoff.
    Forced,
}

impl Handoff {
    /// The mode named `code` (`off`, `offered`, `forced`).
    pub fn from_code(code: &str) -> Option<Handoff> {
        match code {
            "off" => Some(Handoff::Off),
            "offered" => Some(Handoff::Offered),
            "forced" => Some(Handoff::Forced),
            _ => None,
        }
    }
}

impl WidgetOptions {
    /// The strings: the options' locale, else the browser's language, else English; with the
    /// host's overrides.
    pub fn texts(&self) -> Texts {
        let locale = self
            .locale
            .or_else(|| {
                web_sys::window()
                    .and_then(|w| w.navigator().language())
                    .and_then(|tag| Locale::from_tag(&tag))
            })
            .unwrap_or_default();
        Texts::new(locale, self.messages.clone())
    }
}

/// The colour scheme (`theme` option); the colours themselves are CSS custom properties.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Follows `prefers-color-scheme`.
    #[default]
    Auto,
    /// Light, whatever the system says.
    Light,
    /// Dark, whatever the system says.
    Dark,
}

impl Theme {
    /// The theme named `code` (`auto`, `light`, `dark`).
    pub fn from_code(code: &str) -> Option<Theme> {
        match code {
            "auto" => Some(Theme::Auto),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The theme's name, also the root's `data-theme`.
    pub fn code(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}
