//! Every sentence the user reads, by key: English built in, every other language a file
//! (`www/locales/<code>.json`, a flat JSON object of key → text) fetched from beside the widget's
//! module when chosen, so languages add nothing to the first load. The host can override any
//! string by its key (`data-messages` on the mount element).
//!
//! Keys of problems are the stable codes of `kyc-core` prefixed by their family:
//! `problem.<FileProblem code>`, `quality.<QualityIssue code>`, `live.<QualityIssue code>`,
//! `relay.<relay error code>`, `rejection.<provider reason>`, `doc.<DocumentType code>`.
//!
//! English is two tables: the first step's (with the widget's start and the relay's errors) in
//! the first module, the later steps' in the later one, which hands it over when it starts
//! (issue 18: the later steps' sentences are not downloaded before the first step). The module
//! is longer than the others because it is mostly these tables, one row per key; the tests
//! below check every locale file against them key by key.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::transport::{self, Request, SendError};

/// A language the widget ships.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Locale {
    /// English (built in, the fallback of every other locale).
    #[default]
    En,
    /// Spanish.
    Es,
    /// French.
    Fr,
    /// German.
    De,
    /// Italian.
    It,
    /// Dutch.
    Nl,
    /// Polish.
    Pl,
    /// Portuguese as written in Brazil (`pt` without a region too).
    PtBr,
    /// Portuguese as written in Portugal.
    PtPt,
    /// Russian.
    Ru,
    /// Ukrainian.
    Uk,
    /// Turkish.
    Tr,
    /// Romanian.
    Ro,
    /// Indonesian.
    Id,
    /// Japanese.
    Ja,
    /// Korean.
    Ko,
    /// Chinese in simplified characters (`zh`, `zh-CN`, `zh-SG`, `zh-Hans`).
    ZhHans,
    /// Hindi.
    Hi,
    /// Arabic.
    Ar,
    /// Hebrew.
    He,
}

impl Locale {
    /// Every shipped locale.
    pub const ALL: [Locale; 20] = [
        Locale::En,
        Locale::Es,
        Locale::Fr,
        Locale::De,
        Locale::It,
        Locale::Nl,
        Locale::Pl,
        Locale::PtBr,
        Locale::PtPt,
        Locale::Ru,
        Locale::Uk,
        Locale::Tr,
        Locale::Ro,
        Locale::Id,
        Locale::Ja,
        Locale::Ko,
        Locale::ZhHans,
        Locale::Hi,
        Locale::Ar,
        Locale::He,
    ];

    /// The locale of a BCP 47 tag (`es-MX` is Spanish); `None` for a language not shipped.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let mut parts = tag.split(['-', '_']);
        let language = parts.next()?.to_ascii_lowercase();
        // Portuguese is written two ways; Brazil's is the default of a bare `pt`.
        if language == "pt" {
            let portugal = parts.next().is_some_and(|r| r.eq_ignore_ascii_case("pt"));
            return Some(if portugal { Locale::PtPt } else { Locale::PtBr });
        }
        // Chinese: only the simplified script is shipped; a traditional-script tag has none.
        if language == "zh" {
            let traditional = parts.any(|part| {
                ["hant", "tw", "hk", "mo"].contains(&part.to_ascii_lowercase().as_str())
            });
            return (!traditional).then_some(Locale::ZhHans);
        }
        Locale::ALL
            .into_iter()
            .find(|locale| locale.code() == language)
    }

    /// The language code, for `lang` attributes, `Intl` and the locale file's name.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
            Locale::Fr => "fr",
            Locale::De => "de",
            Locale::It => "it",
            Locale::Nl => "nl",
            Locale::Pl => "pl",
            Locale::PtBr => "pt-BR",
            Locale::PtPt => "pt-PT",
            Locale::Ru => "ru",
            Locale::Uk => "uk",
            Locale::Tr => "tr",
            Locale::Ro => "ro",
            Locale::Id => "id",
            Locale::Ja => "ja",
            Locale::Ko => "ko",
            Locale::ZhHans => "zh-Hans",
            Locale::Hi => "hi",
            Locale::Ar => "ar",
            Locale::He => "he",
        }
    }

    /// Whether the language is written right to left (the widget lays out mirrored; the
    /// camera preview and numbers stay as they are).
    pub fn is_rtl(self) -> bool {
        matches!(self, Locale::Ar | Locale::He)
    }

    /// Whether a noun keeps its capital inside a sentence (German: "Ihr Reisepass"), so a
    /// document's name is not lower-cased there.
    pub fn capitalizes_nouns(self) -> bool {
        self == Locale::De
    }
}

/// `(key, text)` pairs: a locale file's strings, or the host's strings replacing built-in ones.
/// A list, not a map: lookups are few per step, and a map's code would cost the widget more
/// than the lookups save.
pub type Overrides = Vec<(String, String)>;

/// The strings of one widget: a locale, its table (empty for English) and the host's overrides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Texts {
    locale: Locale,
    table: Overrides,
    overrides: Overrides,
}

impl Texts {
    /// The strings of `locale` (English until its table is loaded, see [`load`]), any key
    /// replaced by `overrides`.
    pub fn new(locale: Locale, overrides: Overrides) -> Texts {
        Texts {
            locale,
            table: Overrides::new(),
            overrides,
        }
    }

    /// These strings with `table` as the strings of `locale`.
    #[must_use]
    pub fn with_table(mut self, locale: Locale, table: Overrides) -> Texts {
        self.locale = locale;
        self.table = table;
        self
    }

    /// The locale.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// Whether the locale's strings are here (English always is).
    pub fn is_loaded(&self) -> bool {
        self.locale == Locale::En || !self.table.is_empty()
    }

    /// The string of `key`: the host's override, else the locale's, else English's, else the
    /// key itself (a missing key shows up in the UI and in the tests rather than as a blank).
    pub fn get(&self, key: &str) -> String {
        let found = |pairs: &Overrides| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, text)| text.clone())
        };
        found(&self.overrides)
            .or_else(|| found(&self.table))
            .or_else(|| english(key).map(str::to_owned))
            .unwrap_or_else(|| key.to_owned())
    }

    /// Whether `key` has a string (built in or overridden).
    pub fn has(&self, key: &str) -> bool {
        self.overrides.iter().any(|(k, _)| k == key) || english(key).is_some()
    }

    /// The string of `key` with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.get(key);
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// The string of `family.code`, or of `family.fallback_code` for a code without one.
    pub fn coded(&self, family: &str, code: &str, fallback_code: &str) -> String {
        let key = format!("{family}.{code}");
        if self.has(&key) {
            self.get(&key)
        } else {
            self.get(&format!("{family}.{fallback_code}"))
        }
    }
}

/// The widget's strings, shared through context. Reading them does not subscribe: the views that
/// must follow a change of language call [`I18n::track`] (the widget re-renders its current step).
#[derive(Clone, Copy, Debug)]
pub struct I18n(RwSignal<Texts>);

impl I18n {
    /// Provides `texts` to the components below.
    pub fn provide(texts: Texts) -> I18n {
        let i18n = I18n(RwSignal::new(texts));
        provide_context(i18n);
        i18n
    }

    /// The strings provided above (English defaults when none were).
    pub fn expect() -> I18n {
        use_context::<I18n>().unwrap_or_else(|| I18n::provide(Texts::default()))
    }

    /// Runs `f` with the strings.
    pub fn with<R>(&self, f: impl FnOnce(&Texts) -> R) -> R {
        // `f` is called in one place only, through `visit`: this is inlined at every call site.
        let (mut f, mut out) = (Some(f), None);
        self.visit(&mut |texts| out = f.take().map(|f| f(texts)));
        out.unwrap_or_else(|| unreachable!("visit calls back once"))
    }

    #[inline(never)]
    fn visit(&self, f: &mut dyn FnMut(&Texts)) {
        // A task that outlives its widget (a request answered after the widget was unmounted)
        // reads the defaults, which nothing shows, rather than panic, which would end the module.
        if self.0.is_disposed() {
            f(&Texts::default());
        } else {
            self.0.with_untracked(|texts| f(texts));
        }
    }

    /// Subscribes the running effect to a change of language.
    pub fn track(&self) {
        self.0.track();
    }

    /// Switches to `locale` once its strings are loaded (the current ones stay until then;
    /// English if they cannot be), keeping the host's overrides.
    pub async fn set_locale(&self, locale: Locale) {
        let table = load(locale).await;
        // Without its strings the page is English, and says so to screen readers (`lang`).
        let locale = if table.is_empty() { Locale::En } else { locale };
        let signal = self.0;
        signal.try_update(|texts| {
            texts.locale = locale;
            texts.table = table;
        });
    }

    /// Loads the strings of the locale chosen at mount, unless they are already here.
    pub async fn ensure_loaded(&self) {
        if !self.with(Texts::is_loaded) {
            self.set_locale(self.locale()).await;
        }
    }

    /// See [`Texts::get`].
    // Called from every view: one copy of its body, not one per call site (smaller wasm).
    #[inline(never)]
    pub fn t(&self, key: &str) -> String {
        self.with(|texts| texts.get(key))
    }

    /// See [`Texts::fill`].
    pub fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.with(|texts| texts.fill(key, args))
    }

    /// See [`Texts::coded`].
    pub fn coded(&self, family: &str, code: &str, fallback_code: &str) -> String {
        self.with(|texts| texts.coded(family, code, fallback_code))
    }

    /// The locale.
    pub fn locale(&self) -> Locale {
        self.with(Texts::locale)
    }

    /// See [`number`]: `value` in the current locale's digits.
    pub fn number(&self, value: u64) -> String {
        number(self.locale(), value)
    }
}

/// The strings of `locale`, fetched from `locales/<code>.json` beside the widget's module (none
/// for English). A file that cannot be fetched or read leaves English, with the reason in the
/// console: the user can still go on.
pub async fn load(locale: Locale) -> Overrides {
    if locale == Locale::En {
        return Overrides::new();
    }
    let url = crate::glue_url()
        .rsplit_once('/')
        .map(|(base, _)| format!("{base}/locales/{}.json", locale.code()))
        .unwrap_or_default();
    let request = Request {
        method: "GET",
        url: &url,
        authorization: None,
        body: None,
        headers: &[],
    };
    let why = match transport::send(request, None, None).await {
        Ok((200, text)) => match js_sys::JSON::parse(&text)
            .ok()
            .filter(JsValue::is_object)
            .and_then(|v| pairs_of(v.unchecked_ref()))
        {
            Some(table) => return table,
            None => "not a JSON object of strings".to_owned(),
        },
        Ok((status, _)) => format!("HTTP {status}"),
        // Said without `Debug`, whose string escaping would ship in the first module.
        Err(SendError::Network(why)) => why,
        Err(SendError::Cancelled) => "cancelled".to_owned(),
    };
    web_sys::console::warn_1(
        &format!(
            "kyc-capture: the {} strings could not be loaded from {url} ({why}); English is shown",
            locale.code()
        )
        .into(),
    );
    Overrides::new()
}

/// The `(key, text)` pairs of an object whose values are all strings (a locale file, the host's
/// `messages`).
pub fn pairs_of(object: &js_sys::Object) -> Option<Overrides> {
    let mut pairs = Overrides::new();
    for entry in js_sys::Object::entries(object).iter() {
        let pair: js_sys::Array = entry.unchecked_into();
        pairs.push((pair.get(0).as_string()?, pair.get(1).as_string()?));
    }
    Some(pairs)
}

/// One `(key, English)` table.
type English = &'static [(&'static str, &'static str)];

fn english(key: &str) -> Option<&'static str> {
    let find = |table: English| table.iter().find(|(k, _)| *k == key).map(|(_, text)| *text);
    find(FIRST_ENGLISH).or_else(|| find(later_english()))
}

#[cfg(kyc_split)]
thread_local! {
    static LATER_LEARNT: std::cell::Cell<English> = const { std::cell::Cell::new(&[]) };
}

/// The later steps' English, once their module has started (before, nothing shows them).
fn later_english() -> English {
    #[cfg(kyc_split)]
    return LATER_LEARNT.with(std::cell::Cell::get);
    #[cfg(not(kyc_split))]
    LATER_ENGLISH
}

/// Makes `table` (the later module's [`LATER_ENGLISH`]) the later steps' English.
#[cfg(kyc_split)]
pub fn learn_later(table: English) {
    LATER_LEARNT.with(|learnt| learnt.set(table));
}

/// Every key of the English tables.
pub fn keys() -> impl Iterator<Item = &'static str> {
    FIRST_ENGLISH
        .iter()
        .chain(LATER_ENGLISH)
        .map(|(key, _)| *key)
}

/// `(key, English)` of the widget's start, its first step (the consent) and the relay's errors:
/// in the first module. The later steps' are [`LATER_ENGLISH`].
static FIRST_ENGLISH: &[(&str, &str)] = &[
    ("connecting", "Connecting…"),
    ("exit", "Close"),
    ("host.misconfigured",
        "This identity check cannot start: the page is not set up correctly. Please try again later or contact the site."),
    ("step_of", "Step {n} of {total}"),
    ("continue", "Continue"),
    ("back", "Back"),
    // Consent.
    ("consent.heading", "Before you start"),
    ("consent.body",
        "We will ask for photos of your identity document. They are sent securely to our verification partner, who checks that the document is genuine and yours. No photo is stored on this device."),
    ("consent.selfie", "You will also take a selfie, compared with the photo on your document."),
    ("consent.tos",
        "Our verification partner's terms of service apply to this check: read them, then accept them below."),
    ("consent.tos_link", "Read the terms of service (opens in a new tab)"),
    ("consent.agree", "I agree to my identity document being checked to verify my identity"),
    ("consent.agree_tos",
        "I agree to my identity document being checked to verify my identity, and I accept our verification partner's terms of service"),
    ("consent.needed", "Tick the box to agree before you continue."),
    // Business customers (KYB).
    ("consent.business",
        "We will ask for your company's documents and a photo of each beneficial owner's identity document. They are sent securely to our verification partner, who checks that the company is registered and that each owner is who they say. No photo is stored on this device."),
    ("consent.agree_business", "I agree to these documents being checked to verify the company and its owners"),
    ("send.again", "Try again"),
    // Relay errors.
    ("relay.network",
        "We cannot reach the verification service. Check your connection and try again."),
    ("relay.unauthorized", "Your session has expired. Reload the page to start again."),
    ("relay.token_revoked", "This verification is finished. You can close this page."),
    ("relay.session_superseded",
        "This verification was opened again in another window or on another device. Reload \
         this page to continue here."),
    ("relay.rate_limited", "Too many attempts in a short time. Wait a minute and try again."),
    ("relay.too_many_uploads",
        "Another photo is still being sent. Wait for it to finish, then try again."),
    ("relay.relay_busy",
        "The service is busy right now. Your photo is kept: try again in a moment."),
    ("relay.body_timeout", "Sending stalled on a slow connection. Your photo is kept: try again."),
    ("relay.terms_not_accepted",
        "Accept our verification partner's terms of service on the first step, then submit again."),
    ("relay.already_submitted", "Your documents were already submitted."),
    ("relay.provider_error",
        "Our verification partner is not answering right now. Try again in a moment."),
    ("relay.provider_busy",
        "Your documents are still being received. Wait a minute, then send them again."),
    ("relay.provider_conflict",
        "A verification is already under way for you. Wait for its result: there is nothing to send again."),
    ("relay.customer_not_eligible",
        "Your account cannot take documents right now. Contact the team that sent you here."),
    ("relay.customer_rejected",
        "We cannot take new documents for you. Contact the team that sent you here."),
    ("relay.already_retried",
        "A new attempt was already opened for you. Contact the team that sent you here."),
    ("relay.already_verified", "You are already verified. There is nothing more to send."),
    ("relay.business_not_supported",
        "Businesses are verified through a separate process. Contact the team that sent you here."),
    ("relay.handoff_used",
     "This link was already used to continue on another device. Ask the first device for a new code."),
    ("relay.handoff_expired", "This link has expired. Scan the new code on the first device."),
    ("relay.handoff_cancelled",
     "This link was replaced or cancelled on the first device. Scan the code it shows now."),
    ("relay.handoff_unknown", "This link is not valid. Scan the code on the first device again."),
    ("relay.other", "Something went wrong on our side. Try again in a moment."),
];

/// `(key, English)` of the later steps. In the package only the later module refers to it
/// (`flow::later_steps` hands it over when that module starts, [`learn_later`]), so its bytes
/// come with the later steps, not before the first (issue 18).
pub static LATER_ENGLISH: &[(&str, &str)] = &[
    ("business.heading", "Your company"),
    ("business.intro",
        "Add the documents of {company} and every beneficial owner: each person who owns 25% or more of it, or controls it. Each photo is sent as soon as you take it."),
    ("business.documents", "Company documents"),
    ("business.required", "Required"),
    ("business.optional", "Optional"),
    ("business.received", "Received"),
    ("business.missing", "Missing"),
    ("business.add", "Add: {item}"),
    ("business.replace", "Replace: {item}"),
    ("business.owners", "Beneficial owners"),
    ("business.no_owners", "No owner added yet."),
    ("business.owner_name", "Owner's full name"),
    ("business.add_owner", "Add owner"),
    ("business.name_needed", "Type the owner's full name first."),
    ("business.owners_full", "You have added the most owners allowed ({max})."),
    ("business.remove", "Remove {name}"),
    ("business.id_missing", "No identity document yet"),
    ("business.id_back_missing", "{doc}: the back is missing"),
    ("business.id_received", "{doc}: received"),
    ("business.add_id", "Add the ID of {name}"),
    ("business.replace_id", "Replace the ID of {name}"),
    ("business.still_needed", "Still needed before sending:"),
    ("business.send", "Send for verification"),
    ("gap.missing_company_document", "A required company document"),
    ("gap.too_few_owners", "At least one beneficial owner"),
    ("gap.owner_document_missing", "{name}: a photo of an identity document"),
    ("gap.owner_missing_side", "{name}: the back of the identity document"),
    ("company.proof_of_address", "Proof of the company's address"),
    ("owner.document_heading", "Which document will {name} use?"),
    ("owner.front", "{name}: photo page of the {doc}"),
    ("owner.front_two_sided", "{name}: front of the {doc}"),
    ("owner.back", "{name}: back of the {doc}"),
    ("hint.company",
        "Photograph or upload the whole document, with every corner and all the text readable. A PDF is fine."),
    // Document type.
    ("document.heading", "Which document will you use?"),
    ("document.refused", "{refused} cannot be used here. Please use a {accepted}."),
    ("document.none",
        "No identity document can be verified for this account here. Contact the company that sent you."),
    ("or", " or "),
    // Between the items of a list (before the last one comes `or`).
    ("list_separator", ", "),
    ("doc.passport", "Passport"),
    ("doc.drivers_license", "Driver's license"),
    ("doc.residence_permit", "Residence permit"),
    ("doc.national_id", "National ID card"),
    ("doc.certificate_of_incorporation", "Certificate of incorporation"),
    // Issuing country and state.
    ("country.heading", "Where was your document issued?"),
    ("country.label", "Issuing country"),
    ("state.label", "State that issued the license"),
    ("state.choose", "Choose a state"),
    ("state.optional", "(optional)"),
    ("state.needed", "Choose the state that issued your driver's license."),
    // Capture steps.
    ("slot.front_two_sided", "Front of your {doc}"),
    ("slot.front", "Photo page of your {doc}"),
    ("slot.back", "Back of your {doc}"),
    ("slot.selfie", "A selfie"),
    ("slot.proof_of_address", "Proof of address"),
    ("slot.liveness", "Liveness check"),
    ("capture.optional", "Optional: you can skip this step."),
    ("capture.skip", "Skip"),
    ("hint.document",
        "Lay the document on a dark, flat surface, with all four corners in the frame and no reflections."),
    ("hint.selfie", "Look straight at the camera, in good light, without glasses or a hat."),
    ("hint.proof_of_address",
        "A utility bill or bank statement from the last 3 months, showing your name and address."),
    ("camera.preview", "Camera preview"),
    ("camera.starting", "Starting the camera…"),
    ("camera.take", "Take photo"),
    ("camera.denied",
        "Camera access was refused. Allow it in your browser's settings, or choose a photo instead."),
    ("camera.missing", "No camera was found on this device. Choose a photo instead."),
    ("camera.failed",
        "The camera could not start. Close other apps using it, or choose a photo instead."),
    ("file.choose", "Choose a photo"),
    ("file.choose_pdf", "Choose a photo or PDF"),
    ("checking", "Checking the photo…"),
    ("accepted", "Photo accepted."),
    ("live.ok", "Looks good. Hold still."),
    ("live.blurry", "Hold steady: the picture is blurry."),
    ("live.too_dark", "Find more light."),
    ("live.too_bright", "Too bright: avoid direct light."),
    ("live.glare", "Tilt the document to remove the reflection."),
    ("live.cut_off", "Move back so the whole document fits."),
    // Where the document is in the live preview (kyc_core::document_outline::Guidance codes).
    ("guide.not_found", "Show the whole document in the frame, on a plain surface."),
    ("guide.too_close", "Too close: move the phone back a little."),
    ("guide.partly_outside", "Part of the document is outside the frame: center it."),
    ("guide.too_far", "Move the phone closer to the document."),
    ("guide.not_flat", "The document is bent: hold it flat."),
    ("guide.tilted", "Hold the phone flat above the document, not at an angle."),
    ("quality.blurry", "The photo is blurry. Hold the phone still and try again."),
    ("quality.too_dark", "The photo is too dark. Move to a brighter place and try again."),
    ("quality.too_bright", "The photo is too bright. Avoid direct light and try again."),
    ("quality.glare",
        "A reflection hides part of the document. Tilt it slightly, away from the light, and try again."),
    ("quality.cut_off",
        "Part of the document may be cut off. Keep all four corners inside the frame."),
    ("quality.kept", "We kept this photo, but it may be refused:"),
    ("problem.empty", "This file is empty. Choose the photo again."),
    ("problem.unsupported_format",
        "This file is not a photo or PDF we can read. Use a JPEG, PNG, WebP, HEIC photo or a PDF."),
    ("problem.claimed_type_mismatch",
        "This file's content does not match its type. Take a new photo or export it again as JPEG."),
    ("problem.too_small",
        "This file is too small to show your document clearly. Take a new photo."),
    ("problem.too_large",
        "This file is larger than {max} MB. Take a new photo or choose a smaller file."),
    ("problem.unreadable_image",
        "We could not read this photo. It may be damaged; take a new one."),
    ("problem.resolution_too_low",
        "The photo's resolution is too low to read your document. Move closer or use the camera."),
    ("problem.camera_resolution",
        "This camera's resolution is too low for a document. Choose a photo taken with a phone instead."),
    ("problem.too_many_pixels", "This image is too large to process. Take a normal photo instead."),
    ("problem.pdf_not_allowed", "A PDF cannot be used here. Take a photo instead."),
    ("problem.pdf_encrypted", "This PDF is password-protected. Upload a PDF without a password."),
    ("problem.pdf_unreadable", "This PDF is damaged or incomplete. Export it again and retry."),
    ("problem.polyglot",
        "This file has another file hidden inside it, so it cannot be sent. Take a new photo, or export this one again as JPEG."),
    ("problem.pdf_active_content",
        "This PDF contains scripts, automatic actions or attached files, so it cannot be sent. Print it to a new PDF, or take a photo of the document."),
    ("problem.trailing_data",
        "This file has extra data after the picture, so it cannot be sent. Take a new photo, or export this one again as JPEG."),
    ("problem.no_end_marker",
        "This photo's file is incomplete or damaged. Take a new photo, or export this one again as JPEG."),
    ("problem.cannot_decode",
        "This browser cannot open this photo (HEIC photos often cannot be opened). Use the camera here, or export the photo as JPEG."),
    ("problem.cannot_encode",
        "This photo could not be prepared on this device. Try again, or use another browser."),
    ("problem.other", "This file cannot be used. Take a new photo and try again."),
    // Review.
    ("review.heading", "Check your photos"),
    ("review.intro", "Make sure every detail is readable and nothing is cut off."),
    ("review.retake", "Retake: {slot}"),
    ("review.photo_of", "Your photo: {slot}"),
    ("review.add", "Add: {slot}"),
    ("review.pdf", "PDF document"),
    ("review.sent_before", "Already sent"),
    // The document was cropped from the photo: these switch between the crop and the photo.
    ("review.whole_photo", "Use the whole photo"),
    ("review.cropped", "Use the cropped document"),
    ("review.submit", "Submit for verification"),
    // Sending.
    ("send.heading", "Sending your documents"),
    ("send.waiting", "Waiting"),
    ("send.progress", "{percent}% sent"),
    ("send.done", "Sent"),
    ("send.failed", "Not sent"),
    ("send.retrying", "Connection lost, trying again…"),
    ("send.submitting", "Submitting…"),
    ("send.cancel", "Cancel"),
    ("send.cancelled",
        "Sending was cancelled. Your photos are kept on this page; send them when you are ready."),
    ("send.retake", "Take it again"),
    // Status.
    ("status.pending", "Pending: we are checking your document"),
    ("status.pending_body", "You can close this page; your documents are safely submitted."),
    ("status.elapsed", "Under review for {time}"),
    // What each provider's document says about the review's time (kyc_core::review_timing).
    ("status.advice.up_to_two_hours",
        "This usually takes a few minutes, and can take up to 2 hours."),
    ("status.advice.operations_at_five_hours",
        "This is taking longer than usual. If it is still pending after 5 hours, contact us and we will ask the verification team to speed it up."),
    ("status.advice.contact_operations",
        "This has been pending for 5 hours or more. Please contact us: we will ask the verification team to speed it up."),
    ("status.advice.up_to_about_two_hours",
        "This usually takes a few minutes, occasionally up to about 2 hours."),
    ("status.advice.support_after_a_day",
        "This is taking longer than usual. If it is still pending after 24 hours, contact us."),
    ("status.advice.contact_support",
        "This has been pending for more than 24 hours. Please contact us so we can follow it up."),
    ("status.advice.no_estimate", "The result appears here as soon as it is ready."),
    ("status.unreadable", "We cannot read the status of your review right now. We keep trying."),
    ("status.verified", "Verified"),
    ("status.verified_body", "Thank you. Your identity is verified."),
    ("status.verified_business", "Thank you. Your company and its owners are verified."),
    ("status.rejected", "We could not verify you"),
    ("status.retry", "You can try again with new photos of a valid document, in good light."),
    ("status.start_again", "Start again"),
    ("rejection.action_required", "We need new photos of your document. Please send them again."),
    ("rejection.verification_expired", "The check took too long and expired. Please start again."),
    ("rejection.document_blurry", "The photo of your document was not sharp enough."),
    ("rejection.document_expired", "Your document has expired."),
    ("rejection.document_cropped", "Part of your document was cut off in the photo."),
    ("rejection.face_mismatch", "Your selfie did not match the photo on your document."),
    ("rejection.other", "We could not verify your document."),
    ("handoff.offer", "Continue on your phone"),
    ("handoff.heading", "Continue on your phone"),
    ("handoff.intro",
     "Scan this code with your phone's camera, or open the link on your phone. Take the photos there: this page shows each one as it arrives."),
    ("handoff.qr", "QR code of the link for your phone"),
    ("handoff.link", "Link for your phone"),
    ("handoff.copy", "Copy link"),
    ("handoff.copied", "Link copied."),
    ("handoff.private",
     "Open this link only on your own phone: anyone with it can add photos to your verification."),
    ("handoff.preparing", "Preparing the code for your phone…"),
    ("handoff.waiting", "waiting for your phone"),
    ("handoff.arrived", "received"),
    ("handoff.all_arrived", "All photos arrived. Send them from your phone, or check and send them here."),
    ("handoff.send_here", "Check and send here"),
    ("handoff.stay", "Stay on this device"),
];

/// The strings of `locale`'s file in the repository: for native tests, which have no browser
/// to fetch it.
#[cfg(test)]
pub(crate) fn shipped(locale: Locale) -> Overrides {
    let json = match locale {
        Locale::En => "{}",
        Locale::Es => include_str!("../www/locales/es.json"),
        Locale::Fr => include_str!("../www/locales/fr.json"),
        Locale::De => include_str!("../www/locales/de.json"),
        Locale::It => include_str!("../www/locales/it.json"),
        Locale::Nl => include_str!("../www/locales/nl.json"),
        Locale::Pl => include_str!("../www/locales/pl.json"),
        Locale::PtBr => include_str!("../www/locales/pt-BR.json"),
        Locale::PtPt => include_str!("../www/locales/pt-PT.json"),
        Locale::Ru => include_str!("../www/locales/ru.json"),
        Locale::Uk => include_str!("../www/locales/uk.json"),
        Locale::Tr => include_str!("../www/locales/tr.json"),
        Locale::Ro => include_str!("../www/locales/ro.json"),
        Locale::Id => include_str!("../www/locales/id.json"),
        Locale::Ja => include_str!("../www/locales/ja.json"),
        Locale::Ko => include_str!("../www/locales/ko.json"),
        Locale::ZhHans => include_str!("../www/locales/zh-Hans.json"),
        Locale::Hi => include_str!("../www/locales/hi.json"),
        Locale::Ar => include_str!("../www/locales/ar.json"),
        Locale::He => include_str!("../www/locales/he.json"),
    };
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(json).expect("a locale file is a JSON object");
    map.into_iter()
        .map(|(key, text)| (key, text.as_str().expect("a string").to_owned()))
        .collect()
}

/// `secs` in whole hours and minutes: `(2, 15)`.
fn hours_minutes(secs: u64) -> (u64, u64) {
    (secs / 3600, secs % 3600 / 60)
}

/// `secs` as the page shows it (the review's time) in `locale`'s language, with its plural and digits by the
/// browser's own CLDR data (`Intl.NumberFormat`'s unit style, no table in the module):
/// "2 hours 15 minutes", "1 minute", "5 минут", "2 時間 15 分". A browser without unit
/// formatting (before Safari 14.1) gets "2 h 15 min".
pub fn duration(locale: Locale, secs: u64) -> String {
    let (hours, minutes) = hours_minutes(secs);
    let quantity = |value: u64, unit: &str, short: &str| {
        formatted(
            locale,
            value,
            &[("style", "unit"), ("unit", unit), ("unitDisplay", "long")],
        )
        .unwrap_or_else(|| format!("{value} {short}"))
    };
    let minutes = quantity(minutes, "minute", "min");
    if hours > 0 {
        format!("{} {minutes}", quantity(hours, "hour", "h"))
    } else {
        minutes
    }
}

/// `value` in `locale`'s own digits (the step counter, a percentage, a count), as the browser's
/// CLDR data writes them, so they match the durations beside them (Arabic-Indic "٣" where the
/// engine's data gives Arabic those); ASCII digits without `Intl`.
///
/// Only Arabic asks the engine: every other shipped language writes an ungrouped integer in
/// ASCII digits in all CLDR data (`latn` is its default numbering system), and a page's first
/// `Intl.NumberFormat` costs 15-25 ms while the engine loads its locale data (measured in
/// headless Chromium), which the first step's counter would otherwise wait for.
pub fn number(locale: Locale, value: u64) -> String {
    if locale != Locale::Ar {
        return value.to_string();
    }
    formatted(locale, value, &[("useGrouping", "false")]).unwrap_or_else(|| value.to_string())
}

/// `new Intl.NumberFormat(locale, options).format(value)`, or `None` without `Intl`.
fn formatted(locale: Locale, value: u64, options: &[(&str, &str)]) -> Option<String> {
    let object = js_sys::Object::new();
    for (name, text) in options {
        let text = match *text {
            "false" => JsValue::FALSE,
            text => text.into(),
        };
        let _ = js_sys::Reflect::set(&object, &(*name).into(), &text);
    }
    let arguments = js_sys::Array::of2(&locale.code().into(), &object);
    js_sys::Reflect::get(&js_sys::global(), &"Intl".into())
        .and_then(|intl| js_sys::Reflect::get(&intl, &"NumberFormat".into()))
        .and_then(|number_format| js_sys::Reflect::construct(&number_format.into(), &arguments))
        .map(js_sys::Intl::NumberFormat::from)
        .ok()
        .and_then(|format| {
            format
                .format()
                .call1(&JsValue::NULL, &(value as f64).into())
                .ok()
        })
        .and_then(|text| text.as_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<String> {
        let mut names: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_review_time_reads_in_hours_and_minutes() {
        assert_eq!(hours_minutes(59), (0, 0));
        assert_eq!(hours_minutes(5 * 60 + 59), (0, 5));
        assert_eq!(hours_minutes(2 * 3600 + 15 * 60), (2, 15));
        assert_eq!(hours_minutes(5 * 3600), (5, 0));
    }

    #[test]
    fn every_review_advice_has_its_sentence() {
        for advice in kyc_core::ReviewAdvice::ALL {
            let key = format!("status.advice.{}", advice.code());
            assert!(english(&key).is_some(), "{key} has no row");
        }
    }

    #[test]
    fn every_framing_guidance_has_its_sentence() {
        use kyc_core::document_outline::Guidance;
        for guidance in Guidance::ALL
            .into_iter()
            .filter(|guidance| *guidance != Guidance::Ready)
        {
            let key = format!("guide.{}", guidance.code());
            assert!(english(&key).is_some(), "{key} has no row");
        }
    }

    #[test]
    fn the_sentences_shown_before_the_later_module_are_in_the_first_table() {
        // The code that runs before the later module is there (see `crate::later`): the
        // widget's start (with the relay's errors), the flow's frame and its first step.
        let first_code = [
            include_str!("widget.rs"),
            include_str!("embed.rs"),
            include_str!("flow/mod.rs"),
            include_str!("flow/consent.rs"),
        ];
        let in_first = |key: &str| FIRST_ENGLISH.iter().any(|(k, _)| *k == key);
        for key in keys() {
            let quoted = format!("\"{key}\"");
            let shown_first =
                key.starts_with("relay.") || first_code.iter().any(|code| code.contains(&quoted));
            assert!(
                !shown_first || in_first(key),
                "{key} is shown before the later module: it belongs in FIRST_ENGLISH"
            );
        }
    }

    #[test]
    fn every_english_key_is_there_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (key, text) in FIRST_ENGLISH.iter().chain(LATER_ENGLISH) {
            assert!(seen.insert(*key), "{key} twice");
            assert!(!text.trim().is_empty(), "{key} has no English text");
        }
    }

    /// The list of missing keys: none is allowed in a shipped locale file, nor a key English
    /// does not have (a typo would never be shown), nor a placeholder that differs.
    #[test]
    fn every_locale_file_has_every_key_and_its_placeholders() {
        for locale in Locale::ALL.into_iter().filter(|l| *l != Locale::En) {
            let table = shipped(locale);
            let missing: Vec<&str> = keys()
                .filter(|key| !table.iter().any(|(k, _)| k == key))
                .collect();
            assert!(missing.is_empty(), "{locale:?} misses {missing:?}");
            for (key, text) in &table {
                let english =
                    english(key).unwrap_or_else(|| panic!("{locale:?}: unknown key {key}"));
                assert!(!text.trim().is_empty(), "{locale:?}: {key} is blank");
                assert_eq!(
                    placeholders(text),
                    placeholders(english),
                    "{locale:?}: {key}"
                );
            }
        }
    }

    #[test]
    fn host_overrides_win_and_missing_locale_text_falls_back() {
        let overrides = vec![("review.submit".to_owned(), "Send".to_owned())];
        let texts = Texts::new(Locale::Fr, overrides).with_table(Locale::Fr, shipped(Locale::Fr));
        assert!(texts.is_loaded());
        assert_eq!(texts.get("review.submit"), "Send");
        assert_eq!(texts.get("back"), "Retour");
        assert_eq!(
            texts.fill("step_of", &[("n", "2"), ("total", "7")]),
            "Étape 2 sur 7"
        );
        assert_eq!(
            texts.coded("rejection", "no_such_reason", "other"),
            "Nous n'avons pas pu vérifier votre document."
        );
        // A table without a key, or none loaded yet: English.
        let partial = Texts::new(Locale::Es, Overrides::new())
            .with_table(Locale::Es, vec![("back".to_owned(), "Atrás".to_owned())]);
        assert_eq!(partial.get("back"), "Atrás");
        assert_eq!(partial.get("continue"), "Continue");
        let unloaded = Texts::new(Locale::Es, Overrides::new());
        assert!(!unloaded.is_loaded());
        assert_eq!(unloaded.get("back"), "Back");
    }

    #[test]
    fn locale_tags_pick_their_language() {
        assert_eq!(Locale::from_tag("es-MX"), Some(Locale::Es));
        assert_eq!(Locale::from_tag("fr_CA"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("EN"), Some(Locale::En));
        assert_eq!(Locale::from_tag("de-AT"), Some(Locale::De));
        assert_eq!(Locale::from_tag("nl-BE"), Some(Locale::Nl));
        assert_eq!(Locale::from_tag("pt"), Some(Locale::PtBr));
        assert_eq!(Locale::from_tag("pt-BR"), Some(Locale::PtBr));
        assert_eq!(Locale::from_tag("pt_PT"), Some(Locale::PtPt));
        assert_eq!(Locale::from_tag("zh-CN"), Some(Locale::ZhHans));
        assert_eq!(Locale::from_tag("zh-Hans-SG"), Some(Locale::ZhHans));
        assert_eq!(Locale::from_tag("zh-TW"), None);
        assert_eq!(Locale::from_tag("zh-Hant-HK"), None);
        assert_eq!(Locale::from_tag("sv-SE"), None);
    }
}
