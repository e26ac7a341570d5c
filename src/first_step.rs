//! The widget's start and its first step, drawn without the framework (issue 18: the first step
//! in 50 KB; Leptos comes with the later steps, fetched while the user reads this one). It
//! connects to the relay (or asks a demo relay for a session) while the chosen language's
//! strings load, says so, explains a failure, and shows the consent; Continue hands the
//! connection and the user's agreement to the later steps (`crate::widget`, [`crate::later`]),
//! which draw the flow from the step after it. A session that does not start at the consent
//! (submitted, handed over with the user's choices, a business's with files already) goes to
//! the later steps at once.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use kyc_core::wire::SessionView;
use wasm_bindgen::JsCast;

use crate::api::RelayClient;
use crate::dom;
use crate::events::Events;
use crate::flow::{self, Consent, Step};
use crate::handoff;
use crate::i18n::{self, Locale, Texts};
use crate::later::{Handover, NotLoaded, Start, Started};
use crate::messages;
use crate::options::WidgetOptions;
use crate::transport::RelayError;

/// One mounted widget, from its start until it is unmounted.
pub struct Widget {
    /// The host's element.
    element: web_sys::HtmlElement,
    options: WidgetOptions,
    events: Events,
    state: RefCell<State>,
}

/// What the widget knows so far.
#[derive(Default)]
struct State {
    texts: Texts,
    /// The chosen language's strings are here (or could not be loaded: English).
    strings_ready: bool,
    /// The language asked for last: a table that arrives for another one is not used.
    wanted: Locale,
    connection: Option<Result<(RelayClient, SessionView), RelayError>>,
    /// The later steps' code: asked for (`Some(None)`), there, or failed to load.
    later: Option<Option<Result<Start, NotLoaded>>>,
    /// The consent's box.
    ticked: bool,
    /// The user pressed Continue with the box ticked.
    continued: bool,
    /// `kyc-ready` was sent.
    ready_sent: bool,
    /// The later steps, once handed over.
    started: Option<Started>,
    /// Unmounted: whatever arrives now is dropped.
    gone: bool,
}

impl Widget {
    /// Starts the widget in `element` (see [`crate::embed::mount`]). `session_answer`: the
    /// loader's early `GET /v1/session`, if it sent one.
    pub fn start(
        element: web_sys::HtmlElement,
        options: WidgetOptions,
        events: Events,
        session_answer: Option<js_sys::Promise>,
    ) -> Rc<Widget> {
        let texts = options.texts();
        let (locale, ready) = (texts.locale(), texts.is_loaded());
        let widget = Rc::new(Widget {
            element,
            options,
            events,
            state: RefCell::new(State {
                strings_ready: ready,
                wanted: locale,
                texts,
                ..State::default()
            }),
        });
        widget.draw();
        // The chosen language's strings load while the relay answers; the flow waits for both.
        if !ready {
            widget.load_strings(locale);
        }
        let weak = Rc::downgrade(&widget);
        let options = widget.options.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let connection = connect(&options, session_answer).await;
            if let Some(widget) = weak.upgrade() {
                if let Err(err) = &connection {
                    let message = messages::relay_error(&widget.state.borrow().texts, err);
                    widget.events.error(err.code(), &message);
                }
                widget.update(|state| state.connection = Some(connection));
            }
        });
        widget
    }

    /// Switches the language; returns at once, the strings follow when loaded.
    pub fn set_locale(self: &Rc<Self>, locale: Locale) {
        if let Some(started) = &self.state.borrow().started {
            (started.set_locale)(locale);
            return;
        }
        self.load_strings(locale);
    }

    /// Loads the strings of `locale` and shows them, unless another language was asked for
    /// meanwhile. Without them the widget is English, and says so to screen readers (`lang`).
    fn load_strings(self: &Rc<Self>, locale: Locale) {
        self.state.borrow_mut().wanted = locale;
        let weak = Rc::downgrade(self);
        wasm_bindgen_futures::spawn_local(async move {
            let table = i18n::load(locale).await;
            let Some(widget) = weak.upgrade() else {
                return;
            };
            let state = widget.state.borrow();
            if state.wanted != locale {
                return;
            }
            if let Some(started) = &state.started {
                // Handed over meanwhile: the later steps load it again (from the cache).
                (started.set_locale)(locale);
                return;
            }
            drop(state);
            widget.update(|state| {
                let shown = if table.is_empty() { Locale::En } else { locale };
                state.texts = state.texts.clone().with_table(shown, table);
                state.strings_ready = true;
            });
        });
    }

    /// Removes the widget: its drawing, the later steps if started (the camera, timers and
    /// listeners go with them); its events are no longer sent.
    pub fn unmount(&self) {
        let started = {
            let mut state = self.state.borrow_mut();
            state.gone = true;
            state.started.take()
        };
        drop(started);
        self.element.replace_children_with_node_0();
        self.events.release();
    }

    /// Changes the state and draws what it now shows.
    fn update(self: &Rc<Self>, change: impl FnOnce(&mut State)) {
        {
            let mut state = self.state.borrow_mut();
            if state.gone {
                return;
            }
            change(&mut state);
        }
        self.advance();
    }

    /// Goes on from what is known: asks for the later steps' code once connected, hands over
    /// when it is there and needed, else draws the first step.
    fn advance(self: &Rc<Self>) {
        let (connected, asked) = {
            let state = self.state.borrow();
            let connected = matches!(state.connection, Some(Ok(_))) && state.strings_ready;
            (connected, state.later.is_some())
        };
        // The later steps' code arrives while the user reads the first step.
        if connected && !asked {
            self.load_later();
        }
        let has_later = matches!(self.state.borrow().later, Some(Some(Ok(_))));
        if self.needs_later() && has_later {
            self.hand_over();
        } else {
            self.draw();
        }
    }

    /// Whether the later steps are what the user waits for: connected, and past the consent
    /// or a session that does not start with it.
    fn needs_later(&self) -> bool {
        let state = self.state.borrow();
        match &state.connection {
            Some(Ok((_, session))) if state.strings_ready => {
                state.continued || !flow::starts_at_consent(session)
            }
            _ => false,
        }
    }

    /// Fetches the later steps' code; a failure is told (`load_failed`), and, where the user
    /// waits for them, shown with a retry. Their arrival while the user reads the consent
    /// changes nothing on the screen.
    fn load_later(self: &Rc<Self>) {
        self.state.borrow_mut().later = Some(None);
        let weak = Rc::downgrade(self);
        wasm_bindgen_futures::spawn_local(async move {
            let loaded = crate::widget::load().await;
            let Some(widget) = weak.upgrade() else {
                return;
            };
            if widget.state.borrow().gone {
                return;
            }
            if loaded.is_err() {
                let message = widget.state.borrow().texts.get("relay.network");
                widget.events.error("load_failed", &message);
            }
            widget.state.borrow_mut().later = Some(Some(loaded));
            if widget.needs_later() {
                widget.advance();
            }
        });
    }

    /// Hands the connection to the later steps, which replace this drawing.
    fn hand_over(self: &Rc<Self>) {
        let mut state = self.state.borrow_mut();
        let Some(Some(Ok(start))) = state.later else {
            return;
        };
        let (client, session) = match state.connection.take() {
            Some(Ok(connection)) => connection,
            other => {
                state.connection = other;
                return;
            }
        };
        let handover = Handover {
            element: self.element.clone(),
            options: self.options.clone(),
            client,
            session,
            texts: state.texts.clone(),
            events: self.events,
            consented: state.continued,
        };
        drop(state);
        let started = start(handover);
        self.state.borrow_mut().started = Some(started);
    }

    /// Draws the first step (or the note, or the error) as the state says.
    fn draw(self: &Rc<Self>) {
        let state = self.state.borrow();
        if state.started.is_some() || state.gone {
            return;
        }
        let texts = &state.texts;
        let root = dom::document().create_element("div").expect("a div");
        root.set_class_name("kyc-capture");
        let locale = texts.locale();
        let dir = if locale.is_rtl() { "rtl" } else { "ltr" };
        dom::attributes(
            &root,
            &[
                ("lang", locale.code()),
                ("dir", dir),
                ("data-theme", self.options.theme.code()),
            ],
        );
        // The flow's frame drawn: its provider and number of steps, for `kyc-ready`.
        let mut flow_shown = None;
        match &state.connection {
            Some(Err(err)) => {
                let alert = dom::child(&root, "p", "kyc-error", &messages::relay_error(texts, err));
                dom::attributes(&alert, &[("role", "alert")]);
            }
            Some(Ok((_, session))) if state.strings_ready && flow::starts_at_consent(session) => {
                let steps = self.draw_flow(&root, &state, session);
                flow_shown = Some((session.provider, steps));
            }
            // Waiting for the later steps, which this session starts with.
            Some(Ok(_)) if state.strings_ready => self.draw_wait(&root, &state),
            _ => note(&root, texts),
        }
        self.element.replace_children_with_node_1(&root);
        let first_shown = flow_shown.filter(|_| !state.ready_sent);
        drop(state);
        if let Some((provider, steps)) = first_shown {
            self.state.borrow_mut().ready_sent = true;
            self.events.ready(provider, steps);
            self.events.step_changed(Step::Consent.code().0, None);
        }
    }

    /// The flow's frame (the counter, the close button, the live region) around the consent,
    /// or, once the user went on, around the wait for the later steps or their failure.
    /// Returns the number of steps it counts.
    fn draw_flow(
        self: &Rc<Self>,
        root: &web_sys::Element,
        state: &State,
        session: &SessionView,
    ) -> usize {
        let texts = &state.texts;
        let policy = flow::policy_of(session);
        let steps = flow::plan(&policy, policy.accepted_documents().first().copied());
        let here = if state.continued { 1 } else { 0 };
        let step = steps.get(here).copied().unwrap_or(Step::Consent);
        let frame = dom::child(root, "div", "kyc-flow", "");
        let top = dom::child(&frame, "div", "kyc-top", "");
        let number = |n: usize| i18n::number(texts.locale(), n as u64);
        dom::child(
            &top,
            "p",
            "kyc-counter",
            &texts.fill(
                "step_of",
                &[("n", &number(here + 1)), ("total", &number(steps.len()))],
            ),
        );
        let exit = dom::child(&top, "button", "kyc-exit", &texts.get("exit"));
        dom::attributes(&exit, &[("type", "button")]);
        let events = self.events;
        dom::on(&exit, "click", move |_| events.exit(step.code().0));
        if state.continued {
            self.draw_wait(&frame, state);
            live_region(&frame, "");
            return steps.len();
        }
        let section = dom::child(&frame, "section", "kyc-step", "");
        let (on_tick, on_continue) = (Rc::downgrade(self), Rc::downgrade(self));
        let heading = flow::consent::draw(
            &section,
            texts,
            &Consent::of(session),
            state.ticked,
            move |ticked| with(&on_tick, |widget| widget.state.borrow_mut().ticked = ticked),
            move || {
                with(&on_continue, |widget| {
                    widget.update(|state| state.continued = true)
                })
            },
        );
        live_region(&frame, &heading.text_content().unwrap_or_default());
        steps.len()
    }

    /// Waiting for the later steps' code, or its failure, said with a retry.
    fn draw_wait(self: &Rc<Self>, parent: &web_sys::Node, state: &State) {
        let texts = &state.texts;
        let Some(Some(Err(NotLoaded))) = &state.later else {
            return note(parent, texts);
        };
        let section = dom::child(parent, "section", "kyc-step", "");
        let alert = dom::child(&section, "p", "kyc-error", &texts.get("relay.network"));
        dom::attributes(&alert, &[("role", "alert")]);
        let actions = dom::child(&section, "div", "kyc-actions", "");
        let again = dom::child(&actions, "button", "kyc-primary", &texts.get("send.again"));
        dom::attributes(&again, &[("type", "button")]);
        let weak = Rc::downgrade(self);
        dom::on(&again, "click", move |_| {
            with(&weak, |widget| {
                widget.load_later();
                widget.draw();
            });
        });
    }
}

/// Runs `f` with the widget, if it is still there.
fn with(widget: &Weak<Widget>, f: impl FnOnce(&Rc<Widget>)) {
    if let Some(widget) = widget.upgrade() {
        f(&widget);
    }
}

/// "Connecting…", in `parent`.
fn note(parent: &web_sys::Node, texts: &Texts) {
    let note = dom::child(parent, "p", "kyc-note", &texts.get("connecting"));
    dom::attributes(&note, &[("role", "status")]);
}

/// The live region of the flow, announcing `text` (the step's heading).
fn live_region(parent: &web_sys::Node, text: &str) {
    let region = dom::child(parent, "div", "kyc-visually-hidden", text);
    dom::attributes(&region, &[("role", "status"), ("aria-live", "polite")]);
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

/// Draws `text` as the widget's error in `element` (wrong options: nothing else can start).
pub fn draw_error(element: &web_sys::HtmlElement, text: &str) {
    let root: web_sys::HtmlElement = dom::document()
        .create_element("div")
        .expect("a div")
        .unchecked_into();
    root.set_class_name("kyc-capture");
    let alert = dom::child(&root, "p", "kyc-error", text);
    dom::attributes(&alert, &[("role", "alert")]);
    element.replace_children_with_node_1(&root);
}
