//! The escalation state machine: block twice, then warn.

use kyc_core::quality::{Measurement, QualityIssue, QualityReport};
use kyc_core::{Escalation, GateDecision, Provider, QualityGate, Sides, Slot, Strictness};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn report(issues: &[QualityIssue]) -> QualityReport {
    let ok = Measurement {
        score: 1.0,
        issue: None,
    };
    let with = |pick: fn(&QualityIssue) -> bool| Measurement {
        score: 1.0,
        issue: issues.iter().copied().find(pick),
    };
    QualityReport {
        sharpness: with(|i| matches!(i, QualityIssue::Blurry)),
        exposure: with(|i| matches!(i, QualityIssue::TooDark | QualityIssue::TooBright)),
        glare: with(|i| matches!(i, QualityIssue::Glare)),
        cutoff: Some(
            if issues
                .iter()
                .any(|i| matches!(i, QualityIssue::CutOff { .. }))
            {
                with(|i| matches!(i, QualityIssue::CutOff { .. }))
            } else {
                ok
            },
        ),
    }
}

const CUT: QualityIssue = QualityIssue::CutOff {
    sides: Sides {
        top: true,
        right: false,
        bottom: false,
        left: false,
    },
};

#[test]
fn blocks_twice_then_warns() {
    let mut gate = QualityGate::default();
    let blurry = report(&[QualityIssue::Blurry]);
    let retry = |attempt| GateDecision::Retry {
        issues: vec![QualityIssue::Blurry],
        attempt,
    };
    assert_eq!(gate.decide(Slot::Front, &blurry), retry(1));
    assert_eq!(gate.decide(Slot::Front, &blurry), retry(2));
    let warn = GateDecision::ProceedWithWarning {
        issues: vec![QualityIssue::Blurry],
    };
    assert_eq!(gate.decide(Slot::Front, &blurry), warn);
    assert_eq!(gate.decide(Slot::Front, &blurry), warn);
    assert_eq!(gate.failed_attempts(Slot::Front), 4);
}

#[test]
fn slots_escalate_independently_and_a_pass_resets() {
    let mut gate = QualityGate::default();
    let dark = report(&[QualityIssue::TooDark]);
    assert!(matches!(
        gate.decide(Slot::Front, &dark),
        GateDecision::Retry { attempt: 1, .. }
    ));
    assert!(matches!(
        gate.decide(Slot::Back, &dark),
        GateDecision::Retry { attempt: 1, .. }
    ));
    assert_eq!(gate.decide(Slot::Front, &report(&[])), GateDecision::Accept);
    assert_eq!(gate.failed_attempts(Slot::Front), 0);
    assert!(matches!(
        gate.decide(Slot::Front, &dark),
        GateDecision::Retry { attempt: 1, .. }
    ));
    assert!(matches!(
        gate.decide(Slot::Back, &dark),
        GateDecision::Retry { attempt: 2, .. }
    ));
    gate.reset(Slot::Back);
    assert!(matches!(
        gate.decide(Slot::Back, &dark),
        GateDecision::Retry { attempt: 1, .. }
    ));
}

#[test]
fn cut_off_alone_only_warns_unless_configured() {
    let mut gate = QualityGate::default();
    let cut = report(&[CUT]);
    assert_eq!(
        gate.decide(Slot::Front, &cut),
        GateDecision::ProceedWithWarning { issues: vec![CUT] }
    );
    assert_eq!(gate.failed_attempts(Slot::Front), 0);
    // Combined with a blocking issue, both are reported in the retry.
    let both = report(&[QualityIssue::Glare, CUT]);
    assert_eq!(
        gate.decide(Slot::Front, &both),
        GateDecision::Retry {
            issues: vec![QualityIssue::Glare, CUT],
            attempt: 1
        }
    );
    let mut strict = QualityGate::new(Escalation {
        blocking_attempts: 2,
        cutoff_blocks: true,
    });
    assert!(matches!(
        strict.decide(Slot::Front, &cut),
        GateDecision::Retry { attempt: 1, .. }
    ));
}

#[test]
fn blocking_attempts_is_configurable() {
    let mut never_block = QualityGate::new(Escalation {
        blocking_attempts: 0,
        cutoff_blocks: false,
    });
    let glare = report(&[QualityIssue::Glare]);
    assert!(matches!(
        never_block.decide(Slot::Selfie, &glare),
        GateDecision::ProceedWithWarning { .. }
    ));
    let mut three = QualityGate::new(Escalation {
        blocking_attempts: 3,
        cutoff_blocks: false,
    });
    for attempt in 1..=3 {
        assert_eq!(
            three.decide(Slot::Liveness, &glare),
            GateDecision::Retry {
                issues: vec![QualityIssue::Glare],
                attempt
            }
        );
    }
    assert!(matches!(
        three.decide(Slot::Liveness, &glare),
        GateDecision::ProceedWithWarning { .. }
    ));
}

#[test]
fn counter_saturates() {
    let mut gate = QualityGate::default();
    let blurry = report(&[QualityIssue::Blurry]);
    for _ in 0..300 {
        gate.decide(Slot::Front, &blurry);
    }
    assert_eq!(gate.failed_attempts(Slot::Front), u8::MAX);
    assert!(matches!(
        gate.decide(Slot::Front, &blurry),
        GateDecision::ProceedWithWarning { .. }
    ));
}

#[test]
fn provider_a_never_passes_a_blurry_or_cut_off_document() {
    // A: "Blurry, cropped, obscured, or unclear images will not be reviewed and will be
    // rejected. [...] There are no exceptions or compromises."
    assert_eq!(Strictness::of(Provider::A), Strictness::Strict);
    let mut gate = QualityGate::new(Strictness::of(Provider::A).escalation());
    for issues in [
        vec![QualityIssue::Blurry],
        vec![CUT],
        vec![QualityIssue::TooDark],
        vec![QualityIssue::Glare],
    ] {
        for _ in 0..300 {
            assert!(
                matches!(
                    gate.decide(Slot::Front, &report(&issues)),
                    GateDecision::Retry { .. }
                ),
                "{issues:?}"
            );
        }
    }
    assert_eq!(gate.decide(Slot::Front, &report(&[])), GateDecision::Accept);
    // The others keep the default: refused twice, then a warning; a cut-off only warns.
    for provider in [Provider::B, Provider::C, Provider::D] {
        assert_eq!(Strictness::of(provider), Strictness::Lenient);
    }
    assert_eq!(Strictness::Lenient.escalation(), Escalation::default());
    for strictness in Strictness::ALL {
        assert_eq!(Strictness::from_code(strictness.code()), Some(strictness));
        let json = serde_json::to_string(&strictness).unwrap();
        assert_eq!(json, format!("\"{}\"", strictness.code()));
    }
}
