//! The widget once the first step has handed over: [`load`] fetches the later module (its
//! split point, see [`crate::later`]) and hands back [`start`], which mounts the framework in
//! the host's element, running the [`CaptureFlow`] with the connection the first step made.

use std::cell::Cell;
use std::rc::Rc;

use kyc_core::wire::SessionView;
use leptos::prelude::*;

use crate::api::RelayClient;
use crate::flow::CaptureFlow;
use crate::i18n::I18n;
use crate::later::{Handover, NotLoaded, Start, Started};
use crate::options::WidgetOptions;

/// The later module's entry, once it is there.
pub async fn load() -> Result<Start, NotLoaded> {
    #[cfg(kyc_split)]
    return split_later().await;
    #[cfg(not(kyc_split))]
    Ok(start)
}

/// The split point of [`load`].
#[cfg(kyc_split)]
#[leptos::wasm_split::wasm_split(later, wasm_split_path = ::leptos::wasm_split, fallible)]
fn split_later() -> Result<Start, NotLoaded> {
    // Referred to here only, so the strings' bytes are this module's.
    crate::i18n::learn_later(crate::i18n::LATER_ENGLISH);
    Ok(start)
}

/// Replaces the first step's drawing in the host's element with the flow (see
/// [`crate::later::Start`]).
pub fn start(handover: Handover) -> Started {
    let Handover {
        element,
        options,
        client,
        session,
        texts,
        events,
        consented,
    } = handover;
    element.replace_children_with_node_0();
    let i18n_out = Rc::new(Cell::new(None));
    let i18n_in = Rc::clone(&i18n_out);
    let mounted = leptos::mount::mount_to(element, move || {
        events.provide();
        i18n_in.set(Some(I18n::provide(texts)));
        view! { <CaptureWidget client session options consented /> }
    });
    let i18n = i18n_out.take().expect("the mount provides the strings");
    Started {
        mounted: Box::new(mounted),
        set_locale: Box::new(move |locale| {
            leptos::task::spawn_local(async move { i18n.set_locale(locale).await });
        }),
    }
}

/// The whole widget after the first step: its language and theme, and the flow.
#[component]
fn CaptureWidget(
    client: RelayClient,
    session: SessionView,
    options: WidgetOptions,
    consented: bool,
) -> impl IntoView {
    let i18n = I18n::expect();
    // The camera's analysis worker lives as long as the widget.
    on_cleanup(crate::analysis_worker::AnalysisWorker::stop_shared);
    let theme = options.theme.code();
    // Owned strings, as the steps' other attributes are: each type of a reactive attribute's
    // value ships its own copy of the framework's code for it.
    let lang = move || {
        i18n.track();
        i18n.locale().code().to_owned()
    };
    let dir = move || {
        i18n.track();
        if i18n.locale().is_rtl() { "rtl" } else { "ltr" }.to_owned()
    };
    view! {
        <div class="kyc-capture" lang=lang dir=dir data-theme=theme>
            <CaptureFlow client session options past_consent=consented />
        </div>
    }
}
