//! [`CaptureWidget`]: the whole widget. It connects to the relay (or asks a demo relay for a
//! session), says so while it does, explains a failure, and then runs the [`CaptureFlow`].

use kyc_core::wire::SessionView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::RelayClient;
use crate::events::Events;
use crate::flow::CaptureFlow;
use crate::i18n::I18n;
use crate::messages;
use crate::options::WidgetOptions;
use crate::transport::RelayError;

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Connecting,
    Unavailable(String),
    Ready(RelayClient, SessionView),
}

/// The whole widget: connects to the relay, then runs the [`CaptureFlow`].
#[component]
pub fn CaptureWidget(
    /// The host's options.
    options: WidgetOptions,
) -> impl IntoView {
    let i18n = use_context::<I18n>().unwrap_or_else(|| I18n::provide(options.texts()));
    let events = Events::expect();
    let (phase, set_phase) = signal(Phase::Connecting);
    let connect_options = options.clone();
    spawn_local(async move {
        let phase = match connect(&connect_options).await {
            Ok((client, session)) => Phase::Ready(client, session),
            Err(err) => {
                let message = i18n.with(|texts| messages::relay_error(texts, &err));
                events.error(err.code(), &message);
                Phase::Unavailable(message)
            }
        };
        set_phase.try_set(phase);
    });
    let theme = options.theme.code();
    let lang = move || {
        i18n.track();
        i18n.locale().code()
    };
    view! {
        <div class="kyc-capture" lang=lang data-theme=theme>
            {move || match phase.get() {
                Phase::Connecting => {
                    view! { <p class="kyc-note" role="status">{i18n.t("connecting")}</p> }.into_any()
                }
                Phase::Unavailable(message) => {
                    view! { <p class="kyc-error" role="alert">{message}</p> }.into_any()
                }
                Phase::Ready(client, session) => {
                    view! { <CaptureFlow client session options=options.clone() /> }.into_any()
                }
            }}
        </div>
    }
}

async fn connect(options: &WidgetOptions) -> Result<(RelayClient, SessionView), RelayError> {
    let client = match &options.session_token {
        Some(token) => RelayClient::new(&options.endpoint, token),
        None => RelayClient::demo(&options.endpoint).await?,
    };
    let session = client.session().await?;
    Ok((client, session))
}
