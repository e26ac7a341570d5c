//! Every sentence the user reads, in locale tables (English, Spanish, French), by key. The host
//! can override any string by its key (`data-messages` on the mount element).
//!
//! Keys of problems are the stable codes of `kyc-core` prefixed by their family:
//! `problem.<FileProblem code>`, `quality.<QualityIssue code>`, `live.<QualityIssue code>`,
//! `relay.<relay error code>`, `rejection.<provider reason>`, `doc.<DocumentType code>`.
//!
//! The module is longer than the others because it is mostly the table: one row per key with
//! its English, Spanish and French side by side, so a missing or drifting translation shows
//! in review (and in the tests below); the code is its first 200 lines.

use leptos::prelude::*;

/// A language of the built-in tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Locale {
    /// English (the fallback of every other table).
    #[default]
    En,
    /// Spanish.
    Es,
    /// French.
    Fr,
}

impl Locale {
    /// Every built-in locale.
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Es, Locale::Fr];

    /// The locale of a BCP 47 tag (`es-MX` is Spanish); `None` for a language without a table.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let language = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match language.as_str() {
            "en" => Some(Locale::En),
            "es" => Some(Locale::Es),
            "fr" => Some(Locale::Fr),
            _ => None,
        }
    }

    /// The language code, for `lang` attributes and `Intl`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
            Locale::Fr => "fr",
        }
    }

    fn column(self) -> usize {
        match self {
            Locale::En => 0,
            Locale::Es => 1,
            Locale::Fr => 2,
        }
    }
}

/// The host's strings replacing built-in ones: `(key, text)` pairs. A list, not a map: a host
/// replaces a few strings, and a map's code would cost the widget more than the lookups save.
pub type Overrides = Vec<(String, String)>;

/// The strings of one widget: a locale and the host's overrides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Texts {
    locale: Locale,
    overrides: Overrides,
}

impl Texts {
    /// The strings of `locale`, any key replaced by `overrides`.
    pub fn new(locale: Locale, overrides: Overrides) -> Texts {
        Texts { locale, overrides }
    }

    /// The locale.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The string of `key`: the host's override, else the locale's, else English's, else the
    /// key itself (a missing key shows up in the UI and in the tests rather than as a blank).
    pub fn get(&self, key: &str) -> String {
        if let Some((_, text)) = self.overrides.iter().find(|(k, _)| k == key) {
            return text.clone();
        }
        match lookup(key) {
            Some(row) => {
                let text = row[self.locale.column()];
                if text.is_empty() { row[0] } else { text }.to_owned()
            }
            None => key.to_owned(),
        }
    }

    /// Whether `key` has a string (built in or overridden).
    pub fn has(&self, key: &str) -> bool {
        self.overrides.iter().any(|(k, _)| k == key) || lookup(key).is_some()
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
        self.0.with_untracked(f)
    }

    /// Subscribes the running effect to a change of language.
    pub fn track(&self) {
        self.0.track();
    }

    /// Switches to `locale`, keeping the host's overrides.
    pub fn set_locale(&self, locale: Locale) {
        self.0.update(|texts| texts.locale = locale);
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
}

fn lookup(key: &str) -> Option<&'static [&'static str; 3]> {
    TABLE.iter().find(|(k, _)| *k == key).map(|(_, row)| row)
}

/// Every key of the built-in tables.
pub fn keys() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(key, _)| *key)
}

/// The built-in strings of `key` in `locale` (no overrides, no fallback).
pub fn builtin(key: &str, locale: Locale) -> Option<&'static str> {
    lookup(key).map(|row| row[locale.column()])
}

/// `(key, [English, Spanish, French])`.
static TABLE: &[(&str, [&str; 3])] = &[
    ("connecting", ["Connecting…", "Conectando…", "Connexion…"]),
    ("exit", ["Close", "Cerrar", "Fermer"]),
    ("host.misconfigured", [
        "This identity check cannot start: the page is not set up correctly. Please try again later or contact the site.",
        "Esta verificación de identidad no puede empezar: la página no está bien configurada. Inténtalo más tarde o contacta con el sitio.",
        "Cette vérification d'identité ne peut pas démarrer : la page n'est pas correctement configurée. Réessayez plus tard ou contactez le site.",
    ]),
    ("step_of", ["Step {n} of {total}", "Paso {n} de {total}", "Étape {n} sur {total}"]),
    ("continue", ["Continue", "Continuar", "Continuer"]),
    ("back", ["Back", "Atrás", "Retour"]),
    // Consent.
    ("consent.heading", ["Before you start", "Antes de empezar", "Avant de commencer"]),
    ("consent.body", [
        "We will ask for photos of your identity document. They are sent securely to our verification partner, who checks that the document is genuine and yours. No photo is stored on this device.",
        "Te pediremos fotos de tu documento de identidad. Se envían de forma segura a nuestro socio de verificación, que comprueba que el documento es auténtico y tuyo. Ninguna foto se guarda en este dispositivo.",
        "Nous allons vous demander des photos de votre pièce d'identité. Elles sont envoyées de façon sécurisée à notre partenaire de vérification, qui contrôle que le document est authentique et qu'il vous appartient. Aucune photo n'est enregistrée sur cet appareil.",
    ]),
    ("consent.selfie", [
        "You will also take a selfie, compared with the photo on your document.",
        "También te harás un selfie, que se compara con la foto de tu documento.",
        "Vous prendrez aussi un selfie, comparé à la photo de votre document.",
    ]),
    ("consent.tos", [
        "Our verification partner's terms of service apply to this check: read them, then accept them below.",
        "Los términos del servicio de nuestro socio de verificación se aplican a esta comprobación: léelos y acéptalos abajo.",
        "Les conditions d'utilisation de notre partenaire de vérification s'appliquent à ce contrôle : lisez-les, puis acceptez-les ci-dessous.",
    ]),
    ("consent.tos_link", [
        "Read the terms of service (opens in a new tab)",
        "Leer los términos del servicio (se abre en una pestaña nueva)",
        "Lire les conditions d'utilisation (s'ouvre dans un nouvel onglet)",
    ]),
    ("consent.agree", [
        "I agree to my identity document being checked to verify my identity",
        "Acepto que se compruebe mi documento de identidad para verificar mi identidad",
        "J'accepte que ma pièce d'identité soit contrôlée pour vérifier mon identité",
    ]),
    ("consent.agree_tos", [
        "I agree to my identity document being checked to verify my identity, and I accept our verification partner's terms of service",
        "Acepto que se compruebe mi documento de identidad para verificar mi identidad y acepto los términos del servicio de nuestro socio de verificación",
        "J'accepte que ma pièce d'identité soit contrôlée pour vérifier mon identité, et j'accepte les conditions d'utilisation de notre partenaire de vérification",
    ]),
    ("consent.needed", [
        "Tick the box to agree before you continue.",
        "Marca la casilla para aceptar antes de continuar.",
        "Cochez la case pour accepter avant de continuer.",
    ]),
    // Document type.
    ("document.heading", ["Which document will you use?", "¿Qué documento vas a usar?", "Quel document allez-vous utiliser ?"]),
    ("document.refused", [
        "{refused} cannot be used here. Please use a {accepted}.",
        "No se puede usar {refused} aquí. Usa {accepted}.",
        "{refused} ne peut pas être utilisé ici. Utilisez {accepted}.",
    ]),
    ("document.none", [
        "No identity document can be verified for this account here. Contact the company that sent you.",
        "Aquí no se puede verificar ningún documento para esta cuenta. Contacta con la empresa que te envió.",
        "Aucun document ne peut être vérifié ici pour ce compte. Contactez l'entreprise qui vous a envoyé.",
    ]),
    ("or", [" or ", " o ", " ou "]),
    ("doc.passport", ["Passport", "Pasaporte", "Passeport"]),
    ("doc.drivers_license", ["Driver's license", "Permiso de conducir", "Permis de conduire"]),
    ("doc.residence_permit", ["Residence permit", "Permiso de residencia", "Titre de séjour"]),
    ("doc.national_id", ["National ID card", "Documento nacional de identidad", "Carte nationale d'identité"]),
    ("doc.certificate_of_incorporation", ["Certificate of incorporation", "Certificado de constitución", "Extrait Kbis"]),
    // Issuing country and state.
    ("country.heading", ["Where was your document issued?", "¿Dónde se expidió tu documento?", "Où votre document a-t-il été délivré ?"]),
    ("country.label", ["Issuing country", "País de expedición", "Pays de délivrance"]),
    ("state.label", ["State that issued the license", "Estado que expidió el permiso", "État qui a délivré le permis"]),
    ("state.choose", ["Choose a state", "Elige un estado", "Choisissez un État"]),
    ("state.optional", ["(optional)", "(opcional)", "(facultatif)"]),
    ("state.needed", [
        "Choose the state that issued your driver's license.",
        "Elige el estado que expidió tu permiso de conducir.",
        "Choisissez l'État qui a délivré votre permis de conduire.",
    ]),
    // Capture steps.
    ("slot.front_two_sided", ["Front of your {doc}", "Parte delantera de tu {doc}", "Recto de votre {doc}"]),
    ("slot.front", ["Photo page of your {doc}", "Página con foto de tu {doc}", "Page photo de votre {doc}"]),
    ("slot.back", ["Back of your {doc}", "Parte trasera de tu {doc}", "Verso de votre {doc}"]),
    ("slot.selfie", ["A selfie", "Un selfie", "Un selfie"]),
    ("slot.proof_of_address", ["Proof of address", "Justificante de domicilio", "Justificatif de domicile"]),
    ("slot.liveness", ["Liveness check", "Prueba de vida", "Contrôle de présence"]),
    ("capture.optional", [
        "Optional: you can skip this step.",
        "Opcional: puedes omitir este paso.",
        "Facultatif : vous pouvez passer cette étape.",
    ]),
    ("capture.skip", ["Skip", "Omitir", "Passer"]),
    ("hint.document", [
        "Lay the document on a dark, flat surface, with all four corners in the frame and no reflections.",
        "Coloca el documento sobre una superficie oscura y plana, con las cuatro esquinas dentro del encuadre y sin reflejos.",
        "Posez le document sur une surface sombre et plane, les quatre coins dans le cadre, sans reflets.",
    ]),
    ("hint.selfie", [
        "Look straight at the camera, in good light, without glasses or a hat.",
        "Mira directamente a la cámara, con buena luz, sin gafas ni gorro.",
        "Regardez l'objectif, dans un endroit bien éclairé, sans lunettes ni chapeau.",
    ]),
    ("hint.proof_of_address", [
        "A utility bill or bank statement from the last 3 months, showing your name and address.",
        "Una factura o un extracto bancario de los últimos 3 meses, con tu nombre y dirección.",
        "Une facture ou un relevé bancaire de moins de 3 mois, avec votre nom et votre adresse.",
    ]),
    ("camera.preview", ["Camera preview", "Vista previa de la cámara", "Aperçu de la caméra"]),
    ("camera.starting", ["Starting the camera…", "Iniciando la cámara…", "Démarrage de la caméra…"]),
    ("camera.take", ["Take photo", "Hacer foto", "Prendre la photo"]),
    ("camera.denied", [
        "Camera access was refused. Allow it in your browser's settings, or choose a photo instead.",
        "Se denegó el acceso a la cámara. Permítelo en los ajustes del navegador o elige una foto.",
        "L'accès à la caméra a été refusé. Autorisez-le dans les réglages du navigateur, ou choisissez une photo.",
    ]),
    ("camera.missing", [
        "No camera was found on this device. Choose a photo instead.",
        "No se encontró ninguna cámara en este dispositivo. Elige una foto.",
        "Aucune caméra n'a été trouvée sur cet appareil. Choisissez une photo.",
    ]),
    ("camera.failed", [
        "The camera could not start. Close other apps using it, or choose a photo instead.",
        "La cámara no pudo iniciarse. Cierra otras apps que la usen o elige una foto.",
        "La caméra n'a pas pu démarrer. Fermez les autres applications qui l'utilisent, ou choisissez une photo.",
    ]),
    ("file.choose", ["Choose a photo", "Elegir una foto", "Choisir une photo"]),
    ("file.choose_pdf", ["Choose a photo or PDF", "Elegir una foto o un PDF", "Choisir une photo ou un PDF"]),
    ("checking", ["Checking the photo…", "Comprobando la foto…", "Vérification de la photo…"]),
    ("accepted", ["Photo accepted.", "Foto aceptada.", "Photo acceptée."]),
    ("live.ok", ["Looks good. Hold still.", "Se ve bien. No te muevas.", "C'est bien. Ne bougez plus."]),
    ("live.blurry", ["Hold steady: the picture is blurry.", "No te muevas: la imagen está borrosa.", "Ne bougez pas : l'image est floue."]),
    ("live.too_dark", ["Find more light.", "Busca más luz.", "Trouvez plus de lumière."]),
    ("live.too_bright", ["Too bright: avoid direct light.", "Demasiada luz: evita la luz directa.", "Trop lumineux : évitez la lumière directe."]),
    ("live.glare", ["Tilt the document to remove the reflection.", "Inclina el documento para quitar el reflejo.", "Inclinez le document pour supprimer le reflet."]),
    ("live.cut_off", ["Move back so the whole document fits.", "Aléjate para que quepa todo el documento.", "Reculez pour que tout le document soit visible."]),
    ("quality.blurry", [
        "The photo is blurry. Hold the phone still and try again.",
        "La foto está borrosa. Sujeta el móvil quieto e inténtalo de nuevo.",
        "La photo est floue. Tenez le téléphone immobile et réessayez.",
    ]),
    ("quality.too_dark", [
        "The photo is too dark. Move to a brighter place and try again.",
        "La foto está demasiado oscura. Ve a un lugar con más luz e inténtalo de nuevo.",
        "La photo est trop sombre. Placez-vous dans un endroit plus éclairé et réessayez.",
    ]),
    ("quality.too_bright", [
        "The photo is too bright. Avoid direct light and try again.",
        "La foto tiene demasiada luz. Evita la luz directa e inténtalo de nuevo.",
        "La photo est trop claire. Évitez la lumière directe et réessayez.",
    ]),
    ("quality.glare", [
        "A reflection hides part of the document. Tilt it slightly, away from the light, and try again.",
        "Un reflejo tapa parte del documento. Inclínalo un poco, lejos de la luz, e inténtalo de nuevo.",
        "Un reflet cache une partie du document. Inclinez-le légèrement, loin de la lumière, et réessayez.",
    ]),
    ("quality.cut_off", [
        "Part of the document may be cut off. Keep all four corners inside the frame.",
        "Puede que parte del documento quede cortada. Mantén las cuatro esquinas dentro del encuadre.",
        "Une partie du document est peut-être coupée. Gardez les quatre coins dans le cadre.",
    ]),
    ("quality.kept", [
        "We kept this photo, but it may be refused:",
        "Hemos guardado esta foto, pero puede que la rechacen:",
        "Nous avons gardé cette photo, mais elle risque d'être refusée :",
    ]),
    ("problem.empty", ["This file is empty. Choose the photo again.", "Este archivo está vacío. Elige la foto de nuevo.", "Ce fichier est vide. Choisissez la photo à nouveau."]),
    ("problem.unsupported_format", [
        "This file is not a photo or PDF we can read. Use a JPEG, PNG, WebP, HEIC photo or a PDF.",
        "Este archivo no es una foto ni un PDF que podamos leer. Usa una foto JPEG, PNG, WebP, HEIC o un PDF.",
        "Ce fichier n'est ni une photo ni un PDF lisible. Utilisez une photo JPEG, PNG, WebP, HEIC ou un PDF.",
    ]),
    ("problem.claimed_type_mismatch", [
        "This file's content does not match its type. Take a new photo or export it again as JPEG.",
        "El contenido de este archivo no coincide con su tipo. Haz una foto nueva o expórtala de nuevo como JPEG.",
        "Le contenu de ce fichier ne correspond pas à son type. Prenez une nouvelle photo ou exportez-la en JPEG.",
    ]),
    ("problem.too_small", [
        "This file is too small to show your document clearly. Take a new photo.",
        "Este archivo es demasiado pequeño para mostrar bien tu documento. Haz una foto nueva.",
        "Ce fichier est trop petit pour montrer clairement votre document. Prenez une nouvelle photo.",
    ]),
    ("problem.too_large", [
        "This file is larger than 10 MB. Take a new photo or choose a smaller file.",
        "Este archivo supera los 10 MB. Haz una foto nueva o elige un archivo más pequeño.",
        "Ce fichier dépasse 10 Mo. Prenez une nouvelle photo ou choisissez un fichier plus petit.",
    ]),
    ("problem.unreadable_image", [
        "We could not read this photo. It may be damaged; take a new one.",
        "No pudimos leer esta foto. Puede estar dañada; haz otra.",
        "Nous n'avons pas pu lire cette photo. Elle est peut-être abîmée ; prenez-en une autre.",
    ]),
    ("problem.resolution_too_low", [
        "The photo's resolution is too low to read your document. Move closer or use the camera.",
        "La resolución de la foto es demasiado baja para leer tu documento. Acércate o usa la cámara.",
        "La résolution de la photo est trop faible pour lire votre document. Rapprochez-vous ou utilisez la caméra.",
    ]),
    ("problem.camera_resolution", [
        "This camera's resolution is too low for a document. Choose a photo taken with a phone instead.",
        "La resolución de esta cámara es demasiado baja para un documento. Elige una foto hecha con un móvil.",
        "La résolution de cette caméra est trop faible pour un document. Choisissez une photo prise avec un téléphone.",
    ]),
    ("problem.too_many_pixels", [
        "This image is too large to process. Take a normal photo instead.",
        "Esta imagen es demasiado grande para procesarla. Haz una foto normal.",
        "Cette image est trop grande pour être traitée. Prenez une photo normale.",
    ]),
    ("problem.pdf_not_allowed", ["A PDF cannot be used here. Take a photo instead.", "Aquí no se puede usar un PDF. Haz una foto.", "Un PDF ne peut pas être utilisé ici. Prenez une photo."]),
    ("problem.pdf_encrypted", [
        "This PDF is password-protected. Upload a PDF without a password.",
        "Este PDF está protegido con contraseña. Sube un PDF sin contraseña.",
        "Ce PDF est protégé par un mot de passe. Envoyez un PDF sans mot de passe.",
    ]),
    ("problem.pdf_unreadable", [
        "This PDF is damaged or incomplete. Export it again and retry.",
        "Este PDF está dañado o incompleto. Expórtalo de nuevo e inténtalo otra vez.",
        "Ce PDF est abîmé ou incomplet. Exportez-le à nouveau et réessayez.",
    ]),
    ("problem.polyglot", [
        "This file has another file hidden inside it, so it cannot be sent. Take a new photo, or export this one again as JPEG.",
        "Este archivo lleva otro archivo oculto dentro, así que no se puede enviar. Haz una foto nueva o vuelve a exportar esta como JPEG.",
        "Ce fichier contient un autre fichier caché, il ne peut donc pas être envoyé. Prenez une nouvelle photo, ou exportez celle-ci à nouveau en JPEG.",
    ]),
    ("problem.pdf_active_content", [
        "This PDF contains scripts, automatic actions or attached files, so it cannot be sent. Print it to a new PDF, or take a photo of the document.",
        "Este PDF contiene scripts, acciones automáticas o archivos adjuntos, así que no se puede enviar. Imprímelo en un PDF nuevo o haz una foto del documento.",
        "Ce PDF contient des scripts, des actions automatiques ou des fichiers joints, il ne peut donc pas être envoyé. Imprimez-le dans un nouveau PDF, ou prenez le document en photo.",
    ]),
    ("problem.trailing_data", [
        "This file has extra data after the picture, so it cannot be sent. Take a new photo, or export this one again as JPEG.",
        "Este archivo tiene datos de más tras la imagen, así que no se puede enviar. Haz una foto nueva o vuelve a exportar esta como JPEG.",
        "Ce fichier contient des données en trop après l'image, il ne peut donc pas être envoyé. Prenez une nouvelle photo, ou exportez celle-ci à nouveau en JPEG.",
    ]),
    ("problem.no_end_marker", [
        "This photo's file is incomplete or damaged. Take a new photo, or export this one again as JPEG.",
        "El archivo de esta foto está incompleto o dañado. Haz una foto nueva o vuelve a exportar esta como JPEG.",
        "Le fichier de cette photo est incomplet ou abîmé. Prenez une nouvelle photo, ou exportez celle-ci à nouveau en JPEG.",
    ]),
    ("problem.cannot_decode", [
        "This browser cannot open this photo (HEIC photos often cannot be opened). Use the camera here, or export the photo as JPEG.",
        "Este navegador no puede abrir esta foto (las fotos HEIC a menudo no se abren). Usa la cámara aquí o exporta la foto como JPEG.",
        "Ce navigateur ne peut pas ouvrir cette photo (les photos HEIC souvent pas). Utilisez la caméra ici, ou exportez la photo en JPEG.",
    ]),
    ("problem.cannot_encode", [
        "This photo could not be prepared on this device. Try again, or use another browser.",
        "No se pudo preparar esta foto en este dispositivo. Inténtalo de nuevo o usa otro navegador.",
        "Cette photo n'a pas pu être préparée sur cet appareil. Réessayez, ou utilisez un autre navigateur.",
    ]),
    ("problem.other", [
        "This file cannot be used. Take a new photo and try again.",
        "Este archivo no se puede usar. Haz una foto nueva e inténtalo de nuevo.",
        "Ce fichier ne peut pas être utilisé. Prenez une nouvelle photo et réessayez.",
    ]),
    // Review.
    ("review.heading", ["Check your photos", "Revisa tus fotos", "Vérifiez vos photos"]),
    ("review.intro", [
        "Make sure every detail is readable and nothing is cut off.",
        "Asegúrate de que todos los datos se leen y de que no falta nada.",
        "Vérifiez que tout est lisible et que rien n'est coupé.",
    ]),
    ("review.retake", ["Retake: {slot}", "Repetir: {slot}", "Reprendre : {slot}"]),
    ("review.photo_of", ["Your photo: {slot}", "Tu foto: {slot}", "Votre photo : {slot}"]),
    ("review.add", ["Add: {slot}", "Añadir: {slot}", "Ajouter : {slot}"]),
    ("review.pdf", ["PDF document", "Documento PDF", "Document PDF"]),
    ("review.sent_before", ["Already sent", "Ya enviado", "Déjà envoyé"]),
    ("review.submit", ["Submit for verification", "Enviar para verificación", "Envoyer pour vérification"]),
    // Sending.
    ("send.heading", ["Sending your documents", "Enviando tus documentos", "Envoi de vos documents"]),
    ("send.waiting", ["Waiting", "En espera", "En attente"]),
    ("send.progress", ["{percent}% sent", "{percent}% enviado", "{percent} % envoyé"]),
    ("send.done", ["Sent", "Enviado", "Envoyé"]),
    ("send.failed", ["Not sent", "No enviado", "Non envoyé"]),
    ("send.retrying", ["Connection lost, trying again…", "Conexión perdida, reintentando…", "Connexion perdue, nouvelle tentative…"]),
    ("send.submitting", ["Submitting…", "Enviando…", "Envoi…"]),
    ("send.cancel", ["Cancel", "Cancelar", "Annuler"]),
    ("send.cancelled", [
        "Sending was cancelled. Your photos are kept on this page; send them when you are ready.",
        "Se canceló el envío. Tus fotos se conservan en esta página; envíalas cuando quieras.",
        "L'envoi a été annulé. Vos photos sont conservées sur cette page ; envoyez-les quand vous êtes prêt.",
    ]),
    ("send.again", ["Try again", "Intentar de nuevo", "Réessayer"]),
    ("send.retake", ["Take it again", "Hacerla de nuevo", "La reprendre"]),
    // Status.
    ("status.pending", ["Pending: we are checking your document", "Pendiente: estamos comprobando tu documento", "En attente : nous vérifions votre document"]),
    ("status.pending_body", [
        "You can close this page; your documents are safely submitted.",
        "Puedes cerrar esta página; tus documentos se han enviado de forma segura.",
        "Vous pouvez fermer cette page ; vos documents sont bien envoyés.",
    ]),
    ("status.elapsed", ["Under review for {time}", "En revisión desde hace {time}", "En cours de vérification depuis {time}"]),
    // What each provider's document says about the review's time (kyc_core::review_timing).
    ("status.advice.up_to_two_hours", [
        "This usually takes a few minutes, and can take up to 2 hours.",
        "Suele tardar unos minutos y puede tardar hasta 2 horas.",
        "Cela prend généralement quelques minutes, et peut prendre jusqu'à 2 heures.",
    ]),
    ("status.advice.operations_at_five_hours", [
        "This is taking longer than usual. If it is still pending after 5 hours, contact us and we will ask the verification team to speed it up.",
        "Está tardando más de lo habitual. Si sigue pendiente después de 5 horas, contáctanos y pediremos al equipo de verificación que lo agilice.",
        "Cela prend plus de temps que d'habitude. Si c'est toujours en attente après 5 heures, contactez-nous et nous demanderons à l'équipe de vérification d'accélérer.",
    ]),
    ("status.advice.contact_operations", [
        "This has been pending for 5 hours or more. Please contact us: we will ask the verification team to speed it up.",
        "Lleva pendiente 5 horas o más. Contáctanos: pediremos al equipo de verificación que lo agilice.",
        "C'est en attente depuis 5 heures ou plus. Contactez-nous : nous demanderons à l'équipe de vérification d'accélérer.",
    ]),
    ("status.advice.up_to_about_two_hours", [
        "This usually takes a few minutes, occasionally up to about 2 hours.",
        "Suele tardar unos minutos, a veces hasta unas 2 horas.",
        "Cela prend généralement quelques minutes, parfois jusqu'à environ 2 heures.",
    ]),
    ("status.advice.support_after_a_day", [
        "This is taking longer than usual. If it is still pending after 24 hours, contact us.",
        "Está tardando más de lo habitual. Si sigue pendiente después de 24 horas, contáctanos.",
        "Cela prend plus de temps que d'habitude. Si c'est toujours en attente après 24 heures, contactez-nous.",
    ]),
    ("status.advice.contact_support", [
        "This has been pending for more than 24 hours. Please contact us so we can follow it up.",
        "Lleva pendiente más de 24 horas. Contáctanos para que podamos darle seguimiento.",
        "C'est en attente depuis plus de 24 heures. Contactez-nous pour que nous puissions faire le suivi.",
    ]),
    ("status.advice.no_estimate", [
        "The result appears here as soon as it is ready.",
        "El resultado aparecerá aquí en cuanto esté listo.",
        "Le résultat s'affichera ici dès qu'il sera prêt.",
    ]),
    ("status.unreadable", [
        "We cannot read the status of your review right now. We keep trying.",
        "No podemos consultar el estado de tu revisión en este momento. Seguimos intentándolo.",
        "Nous ne pouvons pas lire l'état de votre vérification pour le moment. Nous réessayons.",
    ]),
    ("status.verified", ["Verified", "Verificado", "Vérifié"]),
    ("status.verified_body", ["Thank you. Your identity is verified.", "Gracias. Tu identidad está verificada.", "Merci. Votre identité est vérifiée."]),
    ("status.rejected", ["We could not verify you", "No pudimos verificarte", "Nous n'avons pas pu vous vérifier"]),
    ("status.retry", [
        "You can try again with new photos of a valid document, in good light.",
        "Puedes intentarlo de nuevo con fotos nuevas de un documento válido y con buena luz.",
        "Vous pouvez réessayer avec de nouvelles photos d'un document valide, bien éclairées.",
    ]),
    ("status.start_again", ["Start again", "Empezar de nuevo", "Recommencer"]),
    ("rejection.action_required", [
        "We need new photos of your document. Please send them again.",
        "Necesitamos fotos nuevas de tu documento. Envíalas de nuevo, por favor.",
        "Nous avons besoin de nouvelles photos de votre document. Merci de les envoyer à nouveau.",
    ]),
    ("rejection.verification_expired", [
        "The check took too long and expired. Please start again.",
        "La comprobación tardó demasiado y caducó. Empieza de nuevo, por favor.",
        "La vérification a pris trop de temps et a expiré. Merci de recommencer.",
    ]),
    ("rejection.document_blurry", ["The photo of your document was not sharp enough.", "La foto de tu documento no era lo bastante nítida.", "La photo de votre document n'était pas assez nette."]),
    ("rejection.document_expired", ["Your document has expired.", "Tu documento ha caducado.", "Votre document a expiré."]),
    ("rejection.document_cropped", ["Part of your document was cut off in the photo.", "Parte de tu documento quedó cortada en la foto.", "Une partie de votre document était coupée sur la photo."]),
    ("rejection.face_mismatch", ["Your selfie did not match the photo on your document.", "Tu selfie no coincidía con la foto de tu documento.", "Votre selfie ne correspondait pas à la photo de votre document."]),
    ("rejection.other", ["We could not verify your document.", "No pudimos verificar tu documento.", "Nous n'avons pas pu vérifier votre document."]),
    // Relay errors.
    ("relay.network", [
        "We cannot reach the verification service. Check your connection and try again.",
        "No podemos conectar con el servicio de verificación. Comprueba tu conexión e inténtalo de nuevo.",
        "Impossible de joindre le service de vérification. Vérifiez votre connexion et réessayez.",
    ]),
    ("relay.unauthorized", ["Your session has expired. Reload the page to start again.", "Tu sesión ha caducado. Recarga la página para empezar de nuevo.", "Votre session a expiré. Rechargez la page pour recommencer."]),
    ("relay.token_revoked", ["This verification is finished. You can close this page.", "Esta verificación ha terminado. Puedes cerrar esta página.", "Cette vérification est terminée. Vous pouvez fermer cette page."]),
    ("relay.rate_limited", ["Too many attempts in a short time. Wait a minute and try again.", "Demasiados intentos en poco tiempo. Espera un minuto e inténtalo de nuevo.", "Trop de tentatives en peu de temps. Attendez une minute et réessayez."]),
    ("relay.too_many_uploads", ["Another photo is still being sent. Wait for it to finish, then try again.", "Todavía se está enviando otra foto. Espera a que termine e inténtalo de nuevo.", "Une autre photo est encore en cours d'envoi. Attendez la fin, puis réessayez."]),
    ("relay.relay_busy", ["The service is busy right now. Your photo is kept: try again in a moment.", "El servicio está ocupado ahora. Tu foto se conserva: inténtalo de nuevo en un momento.", "Le service est occupé pour le moment. Votre photo est conservée : réessayez dans un instant."]),
    ("relay.body_timeout", ["Sending stalled on a slow connection. Your photo is kept: try again.", "El envío se detuvo por una conexión lenta. Tu foto se conserva: inténtalo de nuevo.", "L'envoi s'est arrêté à cause d'une connexion lente. Votre photo est conservée : réessayez."]),
    ("relay.terms_not_accepted", [
        "Accept our verification partner's terms of service on the first step, then submit again.",
        "Acepta los términos del servicio de nuestro socio de verificación en el primer paso y vuelve a enviar.",
        "Acceptez les conditions d'utilisation de notre partenaire de vérification à la première étape, puis renvoyez.",
    ]),
    ("relay.already_submitted", ["Your documents were already submitted.", "Tus documentos ya se enviaron.", "Vos documents ont déjà été envoyés."]),
    ("relay.provider_error", [
        "Our verification partner is not answering right now. Try again in a moment.",
        "Nuestro socio de verificación no responde ahora. Inténtalo de nuevo en un momento.",
        "Notre partenaire de vérification ne répond pas pour le moment. Réessayez dans un instant.",
    ]),
    ("relay.provider_busy", ["Your documents are still being received. Wait a minute, then send them again.", "Tus documentos aún se están recibiendo. Espera un minuto y vuelve a enviarlos.", "Vos documents sont encore en cours de réception. Attendez une minute, puis renvoyez-les."]),
    ("relay.provider_conflict", ["A verification is already under way for you. Wait for its result: there is nothing to send again.", "Ya hay una verificación en curso para ti. Espera su resultado: no hay nada que volver a enviar.", "Une vérification est déjà en cours pour vous. Attendez son résultat : il n'y a rien à renvoyer."]),
    ("relay.customer_not_eligible", ["Your account cannot take documents right now. Contact the team that sent you here.", "Tu cuenta no puede recibir documentos ahora. Contacta con el equipo que te envió aquí.", "Votre compte ne peut pas recevoir de documents pour le moment. Contactez l'équipe qui vous a envoyé ici."]),
    ("relay.customer_rejected", ["We cannot take new documents for you. Contact the team that sent you here.", "No podemos recibir documentos nuevos para ti. Contacta con el equipo que te envió aquí.", "Nous ne pouvons pas recevoir de nouveaux documents pour vous. Contactez l'équipe qui vous a envoyé ici."]),
    ("relay.already_retried", ["A new attempt was already opened for you. Contact the team that sent you here.", "Ya se abrió un nuevo intento para ti. Contacta con el equipo que te envió aquí.", "Une nouvelle tentative a déjà été ouverte pour vous. Contactez l'équipe qui vous a envoyé ici."]),
    ("relay.already_verified", ["You are already verified. There is nothing more to send.", "Ya estás verificado. No hay nada más que enviar.", "Vous êtes déjà vérifié. Il n'y a plus rien à envoyer."]),
    ("relay.business_not_supported", ["Businesses are verified through a separate process. Contact the team that sent you here.", "Las empresas se verifican con un proceso aparte. Contacta con el equipo que te envió aquí.", "Les entreprises sont vérifiées par une procédure distincte. Contactez l'équipe qui vous a envoyé ici."]),
    ("relay.too_large", [
        "This file is larger than 10 MB. Take a new photo or choose a smaller file.",
        "Este archivo supera los 10 MB. Haz una foto nueva o elige un archivo más pequeño.",
        "Ce fichier dépasse 10 Mo. Prenez une nouvelle photo ou choisissez un fichier plus petit.",
    ]),
    ("relay.other", ["Something went wrong on our side. Try again in a moment.", "Algo ha fallado por nuestra parte. Inténtalo de nuevo en un momento.", "Un problème est survenu de notre côté. Réessayez dans un instant."]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_translated_once_in_every_locale() {
        let mut seen = std::collections::BTreeSet::new();
        for (key, row) in TABLE {
            assert!(seen.insert(*key), "{key} twice");
            for (locale, text) in Locale::ALL.iter().zip(row) {
                assert!(!text.trim().is_empty(), "{key} has no {locale:?} text");
            }
        }
    }

    #[test]
    fn every_review_advice_has_its_sentence() {
        for advice in kyc_core::ReviewAdvice::ALL {
            let key = format!("status.advice.{}", advice.code());
            assert!(lookup(&key).is_some(), "{key} has no row");
        }
    }

    #[test]
    fn placeholders_agree_across_locales() {
        let names = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_owned()))
                .collect();
            names.sort();
            names
        };
        for (key, row) in TABLE {
            assert_eq!(names(row[1]), names(row[0]), "{key} es");
            assert_eq!(names(row[2]), names(row[0]), "{key} fr");
        }
    }

    #[test]
    fn host_overrides_win_and_missing_locale_text_falls_back() {
        let overrides = vec![("review.submit".to_owned(), "Send".to_owned())];
        let texts = Texts::new(Locale::Fr, overrides);
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
    }

    #[test]
    fn locale_tags_pick_their_language() {
        assert_eq!(Locale::from_tag("es-MX"), Some(Locale::Es));
        assert_eq!(Locale::from_tag("fr_CA"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("en"), Some(Locale::En));
        assert_eq!(Locale::from_tag("de-DE"), None);
    }
}
