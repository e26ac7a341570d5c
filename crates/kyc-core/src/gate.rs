//! How failed quality checks escalate: block, then let the user proceed with a warning.
//!
//! Leading capture SDKs refuse a poor capture twice and then accept the third with a warning:
//! a user who cannot do better (an old phone, a worn card) is not locked out, while most poor
//! captures get a second chance before they reach a provider that would reject them. The gate
//! is a pure state machine per [`Slot`]:
//!
//! - a capture with no issue is accepted and resets the slot's count;
//! - a capture with a blocking issue is refused ([`GateDecision::Retry`]) while the slot has
//!   failed fewer than [`Escalation::blocking_attempts`] times, and counts as a failure;
//! - after that, or when every issue is advisory (cut-off, unless
//!   [`Escalation::cutoff_blocks`]), it is let through with a warning
//!   ([`GateDecision::ProceedWithWarning`]).
//!
//! File problems ([`crate::FileProblem`]) and provider rules ([`crate::Violation`]) never
//! escalate: the provider would refuse those files whatever the user does.
//!
//! How strict a session's gate is depends on its provider ([`Strictness::of`]) and the host may
//! choose otherwise when it creates the session: a [`Strictness::Strict`] gate never lets a
//! flagged capture through.

use serde::{Deserialize, Serialize};

use crate::quality::{QualityIssue, QualityReport};
use crate::vocabulary::{Provider, Slot};

/// The escalation rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// How many failed attempts of one slot are refused before a warning lets the user on.
    pub blocking_attempts: u8,
    /// Whether a cut-off blocks like the other issues (by default it only warns: see
    /// [`crate::quality::cutoff`]).
    pub cutoff_blocks: bool,
}

impl Default for Escalation {
    fn default() -> Self {
        Escalation {
            blocking_attempts: 2,
            cutoff_blocks: false,
        }
    }
}

impl Escalation {
    /// The [`Strictness::Strict`] rules: every issue blocks, on every attempt (the failure
    /// count saturates at `u8::MAX`, which is never exceeded).
    pub const STRICT: Escalation = Escalation {
        blocking_attempts: u8::MAX,
        cutoff_blocks: true,
    };

    /// Whether `issue` can block a capture.
    pub fn blocks(&self, issue: QualityIssue) -> bool {
        !matches!(issue, QualityIssue::CutOff { .. }) || self.cutoff_blocks
    }
}

/// How strictly the quality gate holds a session's captures: the provider's default
/// ([`Strictness::of`]), or the host's choice in `POST /v1/sessions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strictness {
    /// Refused twice, then let through with a warning; a cut-off only warns
    /// ([`Escalation::default`]).
    Lenient,
    /// Never let through: blur, exposure, glare and cut-off block on every attempt
    /// ([`Escalation::STRICT`]).
    ///
    /// The cut-off check can mistake a strongly textured background for the document
    /// ([`crate::quality::cutoff`]); strict mode blocks on it anyway. A provider that refuses
    /// every cropped image would reject the capture after a review of up to hours, while a user
    /// told to keep the four corners inside the frame can always get past a false alarm by
    /// putting the document on a plain surface. A host whose users cannot chooses
    /// [`Strictness::Lenient`].
    Strict,
}

impl Strictness {
    /// Both, for tables and tests.
    pub const ALL: [Strictness; 2] = [Strictness::Lenient, Strictness::Strict];

    /// The provider's default.
    ///
    /// - A: strict. Its upload documents: "Blurry, cropped, obscured, or unclear images will
    ///   not be reviewed and will be rejected. [...] There are no exceptions or compromises."
    /// - B, C, D: lenient; assumption: their documents say nothing of image quality.
    pub fn of(provider: Provider) -> Strictness {
        match provider {
            Provider::A => Strictness::Strict,
            Provider::B | Provider::C | Provider::D => Strictness::Lenient,
        }
    }

    /// The stable code (also the JSON value).
    pub fn code(self) -> &'static str {
        match self {
            Strictness::Lenient => "lenient",
            Strictness::Strict => "strict",
        }
    }

    /// The strictness of `code`.
    pub fn from_code(code: &str) -> Option<Strictness> {
        Strictness::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The gate's escalation rules.
    pub fn escalation(self) -> Escalation {
        match self {
            Strictness::Lenient => Escalation::default(),
            Strictness::Strict => Escalation::STRICT,
        }
    }
}

/// What to do with a capture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum GateDecision {
    /// Every check passed.
    Accept,
    /// Refused: ask the user to capture again.
    Retry {
        /// Why.
        issues: Vec<QualityIssue>,
        /// This failure's number for the slot (1 for the first).
        attempt: u8,
    },
    /// Let through, showing the issues as a warning.
    ProceedWithWarning {
        /// The issues to show.
        issues: Vec<QualityIssue>,
    },
}

/// The escalation state of one capture session: failed attempts per slot.
///
/// # Examples
/// ```
/// use kyc_core::gate::{GateDecision, QualityGate};
/// use kyc_core::quality::{Measurement, QualityIssue, QualityReport};
/// use kyc_core::Slot;
/// let ok = Measurement { score: 1.0, issue: None };
/// let blurry = QualityReport {
///     sharpness: Measurement { score: 3.0, issue: Some(QualityIssue::Blurry) },
///     exposure: ok, glare: ok, cutoff: None,
/// };
/// let mut gate = QualityGate::default();
/// assert!(matches!(gate.decide(Slot::Front, &blurry), GateDecision::Retry { attempt: 1, .. }));
/// assert!(matches!(gate.decide(Slot::Front, &blurry), GateDecision::Retry { attempt: 2, .. }));
/// assert!(matches!(gate.decide(Slot::Front, &blurry), GateDecision::ProceedWithWarning { .. }));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityGate {
    /// The escalation rules.
    pub escalation: Escalation,
    failures: [u8; Slot::ALL.len()],
}

impl QualityGate {
    /// A gate with no failures yet.
    pub fn new(escalation: Escalation) -> QualityGate {
        QualityGate {
            escalation,
            failures: [0; Slot::ALL.len()],
        }
    }

    /// How many blocked or warned failures `slot` has had since its last accepted capture.
    pub fn failed_attempts(&self, slot: Slot) -> u8 {
        self.failures[slot.index()]
    }

    /// Forgets `slot`'s failures (e.g. the user chose another document).
    pub fn reset(&mut self, slot: Slot) {
        self.failures[slot.index()] = 0;
    }

    /// Decides on a capture of `slot` and records the outcome.
    pub fn decide(&mut self, slot: Slot, report: &QualityReport) -> GateDecision {
        let issues = report.issues();
        let count = &mut self.failures[slot.index()];
        if issues.is_empty() {
            *count = 0;
            return GateDecision::Accept;
        }
        let blocking = issues.iter().any(|issue| self.escalation.blocks(*issue));
        if !blocking {
            return GateDecision::ProceedWithWarning { issues };
        }
        *count = count.saturating_add(1);
        if *count <= self.escalation.blocking_attempts {
            GateDecision::Retry {
                issues,
                attempt: *count,
            }
        } else {
            GateDecision::ProceedWithWarning { issues }
        }
    }
}
