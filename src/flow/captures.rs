//! [`Captures`]: what the flow keeps for each slot. What the steps show (the preview, the
//! warnings, whether the relay has it) is a signal; the bytes to send stay in memory only,
//! beside it, until the relay has them; the quality gate counts each slot's failed attempts.

use kyc_core::{
    FileFormat, GateDecision, QualityGate, QualityIssue, QualityReport, Slot, Strictness,
};
use leptos::prelude::*;

use crate::intake::Accepted;
use crate::per_slot::PerSlot;
use crate::photo::blob;

/// One kept capture, as the steps show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Shot {
    /// The object URL of its preview (`None` for a PDF or a file sent in an earlier visit).
    pub preview: Option<String>,
    /// Issues the user was warned about when the gate let it through.
    pub warnings: Vec<QualityIssue>,
    /// Whether the relay has it (it is not sent again).
    pub uploaded: bool,
    /// For a document cropped from its photo: whether the crop is what is kept (`false`: the
    /// whole photo is). `None` when there is nothing to switch to.
    pub cropped: Option<bool>,
}

impl Shot {
    /// A capture the relay has from an earlier visit or another device: nothing to show here.
    fn at_relay() -> Shot {
        Shot {
            preview: None,
            warnings: vec![],
            uploaded: true,
            cropped: None,
        }
    }
}

/// The bytes of a kept capture not yet at the relay.
#[derive(Clone, Debug)]
pub struct Held {
    /// What is sent.
    pub bytes: js_sys::Uint8Array,
    /// Its format (the upload's `Content-Type`).
    pub format: FileFormat,
    /// The other choice of a cropped document (the whole photo, or the crop) and the object
    /// URL of its preview.
    other: Option<(js_sys::Uint8Array, Option<String>)>,
}

/// The captures of one flow. Copy: handles to reactive storage.
#[derive(Clone, Copy)]
pub struct Captures {
    shots: RwSignal<PerSlot<Shot>>,
    files: StoredValue<PerSlot<Held>, LocalStorage>,
    gate: StoredValue<QualityGate>,
}

impl Captures {
    /// The captures of a session whose relay already has `uploaded` (after a reload), held to
    /// the session's `quality` bar.
    pub fn new(uploaded: &[Slot], quality: Strictness) -> Captures {
        let mut shots = PerSlot::default();
        for slot in uploaded {
            shots.insert(*slot, Shot::at_relay());
        }
        Captures {
            shots: RwSignal::new(shots),
            files: StoredValue::new_local(PerSlot::default()),
            gate: StoredValue::new(QualityGate::new(quality.escalation())),
        }
    }

    /// The kept capture of `slot` (tracked).
    pub fn shot(&self, slot: Slot) -> Option<Shot> {
        self.shots.read().get(&slot).cloned()
    }

    /// Whether every one of `slots` has a capture (tracked).
    pub fn has_all(&self, slots: &[Slot]) -> bool {
        let shots = self.shots.read();
        slots.iter().all(|slot| shots.contains_key(slot))
    }

    /// Whether `slot` has a capture (untracked).
    pub fn has(&self, slot: Slot) -> bool {
        self.shots.with_untracked(|shots| shots.contains_key(&slot))
    }

    /// Whether the relay has `slot`'s capture (untracked).
    pub fn is_uploaded(&self, slot: Slot) -> bool {
        self.shots
            .with_untracked(|shots| shots.get(&slot).is_some_and(|shot| shot.uploaded))
    }

    /// The bytes of `slot`'s capture, while they are not at the relay.
    pub fn held(&self, slot: Slot) -> Option<Held> {
        self.files.with_value(|files| files.get(&slot).cloned())
    }

    /// The quality gate's decision on a capture of `slot` (recorded for the next one).
    pub fn decide(&self, slot: Slot, report: &QualityReport) -> GateDecision {
        self.gate
            .try_update_value(|gate| gate.decide(slot, report))
            // The flow is gone: whatever is decided is not kept ([`Captures::keep`]).
            .unwrap_or(GateDecision::Accept)
    }

    /// Keeps `accepted` for `slot`, replacing (and freeing) an earlier capture. A flow that
    /// is gone (unmounted while the capture was checked) keeps nothing: its preview's URL
    /// would never be revoked.
    pub fn keep(&self, slot: Slot, accepted: Accepted) {
        if self.shots.is_disposed() {
            return;
        }
        let preview = |bytes: &js_sys::Uint8Array| {
            (accepted.format != FileFormat::Pdf)
                .then(|| blob(bytes, accepted.format).ok())
                .flatten()
                .and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob).ok())
        };
        let shown = preview(&accepted.bytes);
        let other = accepted.whole.map(|whole| {
            let url = preview(&whole);
            (whole, url)
        });
        let cropped = other.is_some().then_some(true);
        self.forget(slot);
        self.files.update_value(|files| {
            files.insert(
                slot,
                Held {
                    bytes: accepted.bytes,
                    format: accepted.format,
                    other,
                },
            );
        });
        self.shots.update(|shots| {
            shots.insert(
                slot,
                Shot {
                    preview: shown,
                    warnings: accepted.warnings,
                    uploaded: false,
                    cropped,
                },
            );
        });
    }

    /// Switches `slot`'s capture between the document cropped from the photo and the whole
    /// photo; nothing happens when there is no crop, or it was sent already.
    pub fn switch_crop(&self, slot: Slot) {
        let switched = self
            .files
            .try_update_value(|files| {
                let held = files.get_mut(&slot)?;
                let (bytes, url) = held.other.take()?;
                let before = std::mem::replace(&mut held.bytes, bytes);
                Some((before, url))
            })
            .flatten();
        let Some((before, url)) = switched else {
            return;
        };
        self.shots.update(|shots| {
            if let Some(shot) = shots.get_mut(&slot) {
                let before_url = std::mem::replace(&mut shot.preview, url);
                shot.cropped = shot.cropped.map(|cropped| !cropped);
                self.files.update_value(|files| {
                    if let Some(held) = files.get_mut(&slot) {
                        held.other = Some((before, before_url));
                    }
                });
            }
        });
    }

    /// The relay has `slot`'s capture: its bytes are let go, and it is not sent again.
    pub fn sent(&self, slot: Slot) {
        self.drop_held(slot);
        self.shots.try_update(|shots| {
            if let Some(shot) = shots.get_mut(&slot) {
                shot.uploaded = true;
                shot.cropped = None;
            }
        });
    }

    /// Lets `slot`'s bytes go, and the preview URL of the choice not kept.
    fn drop_held(&self, slot: Slot) {
        let held = self.files.try_update_value(|files| files.remove(&slot));
        if let Some(url) = held.flatten().and_then(|held| held.other?.1) {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    }

    /// `slot`'s capture reached the relay from another device (the phone of a handoff): it is
    /// kept as sent, in place of one taken here.
    pub fn arrived(&self, slot: Slot) {
        self.forget(slot);
        self.shots
            .try_update(|shots| shots.insert(slot, Shot::at_relay()));
    }

    /// Drops the capture of `slot` (its preview URL is revoked).
    pub fn forget(&self, slot: Slot) {
        self.drop_held(slot);
        let old = self.shots.try_update(|shots| shots.remove(&slot)).flatten();
        if let Some(url) = old.and_then(|shot| shot.preview) {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    }

    /// Drops every capture (their preview URLs are revoked).
    pub fn forget_all(&self) {
        for slot in self.kept() {
            self.forget(slot);
        }
    }

    /// Drops every capture, and each one's slot counts its failed attempts afresh: the
    /// captures of another document must not go with a new one.
    pub fn start_over(&self) {
        for slot in self.kept() {
            self.forget(slot);
            self.gate.try_update_value(|gate| gate.reset(slot));
        }
    }

    fn kept(&self) -> Vec<Slot> {
        self.shots
            .try_with_untracked(|shots| shots.keys().collect())
            .unwrap_or_default()
    }
}
