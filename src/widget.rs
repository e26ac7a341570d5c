//! [`CaptureWidget`]: the whole widget. It connects to the relay (or asks a demo relay for a
//! session), says so while it does, explains a failure, and then runs the [`CaptureFlow`].

use kyc_core::wire::SessionView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::RelayClient;
use crate::events::Events;
use crate::flow::CaptureFlow;
use crate::handoff;
use crate::i18n::{I18n, Texts};
use crate::messages;
use crate::options::WidgetOptions;
use crate::transport::RelayError;

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Connecting,
    Unavailable(RelayError),
    Ready(RelayClient, SessionView),
}

/// The whole widget: connects to the relay, then runs the [`CaptureFlow`].
#[component]
pub fn CaptureWidget(
    /// The host's options.
    options: WidgetOptions,
    /// The answer to `GET /v1/session` with the options' token, when the page's loader asked
    /// for it while the module downloaded (see [`RelayClient::session`]).
    #[prop(optional_no_strip)]
    session_answer: Option<js_sys::Promise>,
) -> impl IntoView {
    let i18n = use_context::<I18n>().unwrap_or_else(|| I18n::provide(options.texts()));
    let events = Events::expect();
    let (phase, set_phase) = signal(Phase::Connecting);
    // The chosen language's strings load while the relay answers; the flow waits for both.
    let (strings_ready, set_strings_ready) = signal(i18n.with(Texts::is_loaded));
    if !strings_ready.get_untracked() {
        spawn_local(async move {
            i18n.ensure_loaded().await;
            set_strings_ready.try_set(true);
        });
    }
    let connect_options = options.clone();
    spawn_local(async move {
        let phase = match connect(&connect_options, session_answer).await {
            Ok((client, session)) => Phase::Ready(client, session),
            Err(err) => {
                let message = i18n.with(|texts| messages::relay_error(texts, &err));
                events.error(err.code(), &message);
                Phase::Unavailable(err)
            }
        };
        set_phase.try_set(phase);
    });
    // The camera's analysis worker lives as long as the widget.
    on_cleanup(crate::analysis_worker::AnalysisWorker::stop_shared);
    let theme = options.theme.code();
    let lang = move || {
        i18n.track();
        i18n.locale().code()
    };
    let dir = move || {
        i18n.track();
        if i18n.locale().is_rtl() {
            "rtl"
        } else {
            "ltr"
        }
    };
    view! {
        <div class="kyc-capture" lang=lang dir=dir data-theme=theme>
            {move || match phase.get() {
                Phase::Ready(client, session) if strings_ready.get() => {
                    view! { <CaptureFlow client session options=options.clone() /> }.into_any()
                }
                Phase::Unavailable(err) => {
                    let message = move || {
                        i18n.track();
                        i18n.with(|texts| messages::relay_error(texts, &err))
                    };
                    view! { <p class="kyc-error" role="alert">{message}</p> }.into_any()
                }
                _ => {
                    view! { <p class="kyc-note" role="status">{i18n.t("connecting")}</p> }.into_any()
                }
            }}
        </div>
    }
}

/// The session: a handoff's (the page was opened with `#handoff=CODE`: the code is exchanged
/// once, its token kept for a reload of this tab), else the host's token (its view already
/// asked for by the loader, if `session_answer`), else a demo one.
async fn connect(
    options: &WidgetOptions,
    session_answer: Option<js_sys::Promise>,
) -> Result<(RelayClient, SessionView), RelayError> {
    let endpoint = &options.endpoint;
    let (client, answer) = match (handoff::code_in_page(), &options.session_token) {
        (Some(code), _) => match handoff::remembered_token(&code) {
            Some(token) => (RelayClient::new(endpoint, &token), None),
            None => {
                let client = RelayClient::exchange(endpoint, &code).await?;
                handoff::remember_token(&code, client.token());
                (client, None)
            }
        },
        (None, Some(token)) => (RelayClient::new(endpoint, token), session_answer),
        (None, None) => (RelayClient::demo(endpoint).await?, None),
    };
    let session = client.session(answer).await?;
    Ok((client, session))
}
