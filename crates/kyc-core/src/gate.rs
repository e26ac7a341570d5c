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

use serde::{Deserialize, Serialize};

use crate::quality::{QualityIssue, QualityReport};
use crate::vocabulary::Slot;

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
    /// Whether `issue` can block a capture.
    pub fn blocks(&self, issue: QualityIssue) -> bool {
        !matches!(issue, QualityIssue::CutOff { .. }) || self.cutoff_blocks
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
