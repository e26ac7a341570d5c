//! The slots a host requires or offers per session beyond the identity document: the ones the
//! provider takes but does not always require (A: "proof_of_address_file" and
//! "liveness_check_file", which "can be uploaded before or alongside id_file"; B: the "optional
//! SELFIE entry"; D: "other slots depend on the customer's country", see
//! [`Policy::allowed_slots`]). A required one must be filled for the submission to be complete;
//! an optional one is offered to the user, who may skip it.

use crate::policy::{Policy, Requirement};
use crate::vocabulary::{DocumentType, Slot};

/// Why the host's choice for a slot cannot be honoured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotChoiceError {
    /// The provider takes no such file for this customer (e.g. a liveness capture at D), or
    /// the slot is one of the identity document's sides, which follow the document.
    NotTaken {
        /// The slot asked for.
        slot: Slot,
        /// The slots the host may require or offer for this customer.
        choosable: Vec<Slot>,
    },
    /// The provider always requires this slot, so it cannot be optional (B's proof of address).
    AlwaysRequired {
        /// The slot.
        slot: Slot,
    },
}

impl SlotChoiceError {
    /// English text for the host's developers, naming the slot and what may be chosen.
    ///
    /// # Examples
    /// ```
    /// use kyc_core::{CustomerType, Policy, Provider, Requirement, Slot};
    /// let policy = Policy::new(Provider::D, CustomerType::Individual, "GBR");
    /// let refused = policy.with_host_slots(&[(Slot::Liveness, Requirement::Optional)]).unwrap_err();
    /// assert_eq!(
    ///     refused.describe(),
    ///     "the provider takes no liveness file for this customer; \
    ///      slots to require or offer here: selfie, proof_of_address"
    /// );
    /// ```
    pub fn describe(&self) -> String {
        match self {
            SlotChoiceError::NotTaken { slot, choosable } => {
                let names: Vec<&str> = choosable.iter().map(|s| s.code()).collect();
                let names = if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                };
                format!(
                    "the provider takes no {} file for this customer; slots to require or offer \
                     here: {names}",
                    slot.code()
                )
            }
            SlotChoiceError::AlwaysRequired { slot } => format!(
                "the provider always requires {}; it cannot be optional",
                slot.code()
            ),
        }
    }
}

impl Policy {
    /// The slots the host may require or offer for this customer, in capture order: those the
    /// provider takes besides the document's sides, less the ones it always requires.
    pub fn host_slots(&self) -> Vec<Slot> {
        self.extra_slots()
            .iter()
            .copied()
            .filter(|slot| !self.always_requires(*slot))
            .collect()
    }

    /// Whether the provider requires `slot` whatever the host chooses (B: "Exactly one
    /// address_documents entry is required").
    fn always_requires(&self, slot: Slot) -> bool {
        slot == Slot::ProofOfAddress && self.provider_requires_proof_of_address()
    }

    /// The same policy with the host's `choices`: a required slot must be filled, an optional
    /// one is offered ([`Requirement::Forbidden`]: not asked for, as without a choice). A
    /// requirement already set (B's selfie configuration) is kept. Refused for a slot
    /// [`Policy::host_slots`] does not name, except "required" for one the provider always
    /// requires.
    pub fn with_host_slots(
        mut self,
        choices: &[(Slot, Requirement)],
    ) -> Result<Policy, SlotChoiceError> {
        for &(slot, requirement) in choices {
            if self.always_requires(slot) {
                if requirement == Requirement::Optional {
                    return Err(SlotChoiceError::AlwaysRequired { slot });
                }
                continue;
            }
            if !self.host_slots().contains(&slot) {
                return Err(SlotChoiceError::NotTaken {
                    slot,
                    choosable: self.host_slots(),
                });
            }
            match requirement {
                Requirement::Required => match slot {
                    Slot::Selfie => self.selfie_required = true,
                    Slot::ProofOfAddress => self.proof_of_address_required = true,
                    Slot::Liveness => self.liveness_required = true,
                    // Not among the host slots (checked above).
                    Slot::Front | Slot::Back => {}
                },
                Requirement::Optional => {
                    if !self.optional_slots.contains(&slot) {
                        self.optional_slots.push(slot);
                    }
                }
                Requirement::Forbidden => {}
            }
        }
        Ok(self)
    }

    /// The same policy offering `slots` as optional (the widget's copy of what the relay's
    /// session says; the relay checked them with [`Policy::with_host_slots`]).
    pub fn with_optional_slots(mut self, slots: Vec<Slot>) -> Policy {
        self.optional_slots = slots;
        self
    }

    /// The slots offered but not required with `document_type`, in capture order (after the
    /// [`Policy::required_slots`]); a submission is complete without them.
    pub fn optional_slots(&self, document_type: DocumentType) -> Vec<Slot> {
        let required = self.required_slots(document_type);
        let allowed = self.allowed_slots(document_type);
        Slot::ALL
            .into_iter()
            .filter(|slot| self.optional_slots.contains(slot))
            .filter(|slot| allowed.contains(slot) && !required.contains(slot))
            .collect()
    }

    /// The optional slots as the session shows them, whatever the document: only the sides
    /// depend on the document, and a side is never optional.
    pub fn offered_slots(&self) -> Vec<Slot> {
        self.optional_slots(DocumentType::Passport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{CustomerType, Provider};
    use crate::Submission;

    fn policy(provider: Provider) -> Policy {
        Policy::new(provider, CustomerType::Individual, "GBR")
    }

    #[test]
    fn each_provider_names_its_own_host_slots() {
        use Slot::*;
        assert_eq!(policy(Provider::A).host_slots(), [ProofOfAddress, Liveness]);
        assert_eq!(policy(Provider::B).host_slots(), [Selfie]);
        assert_eq!(policy(Provider::C).host_slots(), [Selfie, ProofOfAddress]);
        assert_eq!(policy(Provider::D).host_slots(), [Selfie, ProofOfAddress]);
        let business = Policy::new(Provider::A, CustomerType::Business, "GBR");
        assert_eq!(business.host_slots(), []);
    }

    #[test]
    fn a_required_slot_must_be_filled_and_an_optional_one_may_be_skipped() {
        let a = policy(Provider::A)
            .with_host_slots(&[
                (Slot::ProofOfAddress, Requirement::Optional),
                (Slot::Liveness, Requirement::Required),
            ])
            .unwrap();
        assert_eq!(
            a.required_slots(DocumentType::Passport),
            [Slot::Front, Slot::Liveness]
        );
        assert_eq!(
            a.optional_slots(DocumentType::Passport),
            [Slot::ProofOfAddress]
        );
        assert_eq!(a.offered_slots(), [Slot::ProofOfAddress]);
        let check = |filled: &[Slot]| {
            a.check_submission(&Submission {
                document_type: DocumentType::Passport,
                filled: filled.to_vec(),
                issuing_country: "GBR".to_owned(),
                state: None,
            })
            .iter()
            .map(|v| v.code())
            .collect::<Vec<_>>()
        };
        assert_eq!(check(&[Slot::Front, Slot::Liveness]), Vec::<&str>::new());
        assert_eq!(
            check(&[Slot::Front, Slot::Liveness, Slot::ProofOfAddress]),
            Vec::<&str>::new()
        );
        assert_eq!(check(&[Slot::Front]), ["missing_slot"]);
    }

    #[test]
    fn a_slot_the_provider_does_not_take_is_refused_by_name() {
        let refused = policy(Provider::D)
            .with_host_slots(&[(Slot::Liveness, Requirement::Required)])
            .unwrap_err();
        assert_eq!(
            refused,
            SlotChoiceError::NotTaken {
                slot: Slot::Liveness,
                choosable: vec![Slot::Selfie, Slot::ProofOfAddress],
            }
        );
        let refused = policy(Provider::A)
            .with_host_slots(&[(Slot::Back, Requirement::Optional)])
            .unwrap_err();
        assert!(refused.describe().contains("no back file"));
        let refused = policy(Provider::B)
            .with_host_slots(&[(Slot::ProofOfAddress, Requirement::Optional)])
            .unwrap_err();
        assert_eq!(
            refused.describe(),
            "the provider always requires proof_of_address; it cannot be optional"
        );
        // Required where the provider requires it anyway: nothing changes.
        let b = policy(Provider::B);
        assert_eq!(
            b.clone()
                .with_host_slots(&[(Slot::ProofOfAddress, Requirement::Required)]),
            Ok(b)
        );
    }

    #[test]
    fn a_configured_requirement_outranks_an_optional_choice() {
        let b = policy(Provider::B)
            .with_selfie_required(true)
            .with_host_slots(&[(Slot::Selfie, Requirement::Optional)])
            .unwrap();
        assert!(b
            .required_slots(DocumentType::Passport)
            .contains(&Slot::Selfie));
        assert_eq!(b.optional_slots(DocumentType::Passport), []);
    }
}
