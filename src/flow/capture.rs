//! The capture step of one slot ([`CaptureStep`]), and what every capture shares
//! ([`Capturer`]): the live camera ([`use_camera`]) with its hint and shutter, and the file
//! picker always; whatever the user gives goes through [`intake`], and is kept or explained.

use kyc_core::document_outline::DocumentShape;
use kyc_core::Slot;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::{note, BackButton, CollectAny, Flow, OrNothing, Step, StepHeading};
use crate::analysis_worker::AnalysisWorker;
use crate::camera::{use_camera, CameraState};
use crate::events::Events;
use crate::framing::{overlay, shape};
use crate::i18n::I18n;
use crate::intake::{intake, Accepted, Capture};
use crate::messages;
use crate::mounted::mounted;
use crate::options::Handoff;
use crate::upload::RetryPolicy;

/// Capturing `which` slot; with `auto_capture`, a steady, good preview is taken by itself.
#[component]
pub(super) fn CaptureStep(which: Slot, auto_capture: bool) -> impl IntoView {
    let slot = which;
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let document = flow.chosen_document();
    let title = i18n.with(|texts| messages::slot_title(texts, slot, document));
    let hint_key = match slot {
        Slot::Selfie | Slot::Liveness => "hint.selfie",
        Slot::ProofOfAddress => "hint.proof_of_address",
        _ => "hint.document",
    };
    // On the phone of a handoff each capture goes to the relay at once, so the desktop shows
    // it arriving; one that fails is sent again with the others at the end.
    let kept = Callback::new(move |accepted: Accepted| {
        flow.captures.keep(slot, accepted);
        flow.announce(i18n.t("accepted"));
        if flow.sends_each {
            if let Some(client) = flow.client.try_get_value() {
                spawn_local(flow.send_now(client, slot, RetryPolicy::default()));
            }
        }
        flow.after_capture();
    });
    view! {
        <section class="kyc-step kyc-capture-step" data-slot=slot.code()>
            <StepHeading text=title />
            // An optional slot says so, with its Skip, before anything else.
            {flow
                .is_optional(slot)
                .then(|| {
                    view! {
                        <p class="kyc-optional">
                            {i18n.t("capture.optional")} " "
                            <button type="button" class="kyc-secondary" on:click=move |_| flow.after_capture()>
                                {i18n.t("capture.skip")}
                            </button>
                        </p>
                    }
                }).or_nothing()}
            {note(i18n.t(hint_key))}
            <Capturer which=slot shape=shape(slot, document) auto_capture kept />
            // A desktop's webcam is often too poor for a card: the phone is offered beside it.
            {(flow.handoff == Handoff::Offered)
                .then(|| {
                    view! {
                        <button type="button" class="kyc-secondary kyc-handoff-offer" on:click=move |_| flow.go(Step::Handoff)>
                            {i18n.t("handoff.offer")}
                        </button>
                    }
                }).or_nothing()}
            <div class="kyc-actions">
                <BackButton />
            </div>
        </section>
    }
}

/// The camera and the file picker for a photo of `which` slot's kind (its checks, its camera);
/// a capture that passes [`intake`] goes to `kept`, one that does not is explained here. The
/// quality gate is the flow's, counted per slot. For a document of `shape`, its outline is
/// drawn over the preview, the live hint says how to frame it, and the photo is cropped to it.
#[component]
pub(super) fn Capturer(
    which: Slot,
    shape: Option<DocumentShape>,
    auto_capture: bool,
    kept: Callback<Accepted>,
) -> impl IntoView {
    let slot = which;
    let flow = expect_context::<Flow>();
    let i18n = I18n::expect();
    let events = Events::expect();
    // Started now, so a photo chosen in a moment finds it ready (the camera uses it too).
    let _ = AnalysisWorker::shared();
    let busy = RwSignal::new(false);
    let problems = RwSignal::new(Vec::<String>::new());
    let handle = move |capture: Capture| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        problems.set(vec![]);
        flow.announce(i18n.t("checking"));
        spawn_local(async move {
            let outcome = intake(capture, slot, shape, &flow.limits(), |report| {
                flow.captures.decide(slot, report)
            })
            .await;
            busy.try_set(false);
            match outcome {
                Ok(accepted) => kept.run(accepted),
                Err(found) => {
                    // Shown in a role="alert" region, which announces it.
                    flow.announce(String::new());
                    let shown = i18n.with(|texts| messages::capture_problems(texts, &found));
                    events.capture_rejected(
                        slot,
                        found.iter().map(|problem| problem.code()),
                        &shown.join(" "),
                    );
                    problems.try_set(shown);
                }
            }
        });
    };
    let camera = use_camera(
        slot,
        shape,
        busy,
        auto_capture.then_some(move |frame| handle(Capture::Frame(frame))),
    );
    let take = move || {
        if busy.get_untracked() {
            return;
        }
        if let Some(frame) = camera.take() {
            handle(Capture::Frame(frame));
        }
    };
    let on_file = move |event: leptos::ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        // Cleared so choosing the same file again still fires `change`.
        input.set_value("");
        handle(Capture::File(file.into()));
    };
    let input_id = format!("kyc-file-{}", slot.code());
    let accept = if slot.accepts_pdf() {
        "image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf"
    } else {
        "image/jpeg,image/png,image/webp,image/heic,image/heif"
    };
    // Without a live camera, a phone's picker opens its own camera app directly. (An owned
    // string, as the other attributes' values: each type ships its own code in the framework.)
    let capture_attr = move || {
        (matches!(camera.state.get(), CameraState::Unavailable(_)) && slot != Slot::ProofOfAddress)
            .then(|| {
                if slot.is_face() {
                    "user"
                } else {
                    "environment"
                }
                .to_owned()
            })
    };
    let file_label = if slot.accepts_pdf() {
        i18n.t("file.choose_pdf")
    } else {
        i18n.t("file.choose")
    };
    let live = move || camera.state.get() == CameraState::Live;
    // The document's outline over the preview, with the video's object-fit.
    let outline = move || {
        camera
            .framed
            .get()
            .and_then(|framed| {
                let fit = camera
                    .video()
                    .and_then(|v| web_sys::window()?.get_computed_style(&v).ok().flatten())
                    .and_then(|style| style.get_property_value("object-fit").ok())
                    .unwrap_or_default();
                overlay(&framed, &fit, slot.is_face())
            })
            .or_nothing()
    };
    view! {
        <div class="kyc-camera">
            <div class="kyc-viewfinder" hidden=move || !live()>
                <video
                    use:mounted=camera.preview()
                    class="kyc-video"
                    class:kyc-mirrored=slot.is_face()
                    aria-label=i18n.t("camera.preview")
                ></video>
                {outline}
            </div>
            {move || match camera.state.get() {
                CameraState::Starting => {
                    note(i18n.t("camera.starting"))
                }
                CameraState::Live => {
                    // Empty without a hint (a `String`, as every reactive text: see the
                    // country step's).
                    let hint = move || {
                        camera
                            .hint
                            .get()
                            .map(|hint| i18n.with(|t| messages::live_hint(t, hint)))
                            .unwrap_or_default()
                    };
                    view! {
                        <p class="kyc-hint" aria-live="polite">{hint}</p>
                        <button
                            type="button"
                            class="kyc-primary kyc-shutter"
                            disabled=move || busy.get() || !camera.shows.get()
                            on:click=move |_| take()
                        >
                            {i18n.t("camera.take")}
                        </button>
                    }
                        .into_any()
                }
                CameraState::Unavailable(error) => {
                    let why = i18n.with(|t| messages::camera_error(t, error));
                    note(why)
                }
            }}
        </div>
        <div class="kyc-file">
            <input
                id=input_id.clone()
                class="kyc-visually-hidden"
                type="file"
                accept=accept
                capture=capture_attr
                on:change=on_file
            />
            <label for=input_id class="kyc-secondary kyc-file-label">{file_label}</label>
        </div>
        {move || busy.get().then(|| view! { <p class="kyc-note kyc-busy">{i18n.t("checking")}</p> }).or_nothing()}
        {move || {
            let problems = problems.get();
            (!problems.is_empty())
                .then(|| {
                    view! {
                        <div class="kyc-error kyc-problems" role="alert">
                            {problems.into_iter().map(|s| view! { <p>{s}</p> }).collect_any()}
                        </div>
                    }
                }).or_nothing()
        }}
    }
}
