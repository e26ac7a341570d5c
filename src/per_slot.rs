//! [`PerSlot`]: what the widget keeps for each slot (a capture, its bytes, its sending state).

use kyc_core::Slot;

/// One optional value per [`Slot`], in [`Slot::ALL`] order. A fixed array rather than a
/// `BTreeMap`: five known keys need no tree, and the map's code for the widget's three value
/// types cost about 17 KB of wasm.
#[derive(Clone, Debug, PartialEq)]
pub struct PerSlot<T>([Option<T>; Slot::ALL.len()]);

impl<T> Default for PerSlot<T> {
    fn default() -> Self {
        PerSlot(std::array::from_fn(|_| None))
    }
}

impl<T> PerSlot<T> {
    /// The value of `slot`.
    pub fn get(&self, slot: &Slot) -> Option<&T> {
        self.0[slot.index()].as_ref()
    }

    /// The value of `slot`, to change.
    pub fn get_mut(&mut self, slot: &Slot) -> Option<&mut T> {
        self.0[slot.index()].as_mut()
    }

    /// Whether `slot` has a value.
    pub fn contains_key(&self, slot: &Slot) -> bool {
        self.get(slot).is_some()
    }

    /// Sets the value of `slot`, returning the one it replaces.
    pub fn insert(&mut self, slot: Slot, value: T) -> Option<T> {
        self.0[slot.index()].replace(value)
    }

    /// Takes the value of `slot` out.
    pub fn remove(&mut self, slot: &Slot) -> Option<T> {
        self.0[slot.index()].take()
    }

    /// The slots that have a value, in [`Slot::ALL`] order.
    pub fn keys(&self) -> impl Iterator<Item = Slot> + '_ {
        Slot::ALL.into_iter().filter(|slot| self.contains_key(slot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_slot_keeps_its_own_value() {
        let mut map = PerSlot::default();
        assert_eq!(map.insert(Slot::Selfie, 1), None);
        assert_eq!(map.insert(Slot::Front, 2), None);
        assert_eq!(map.insert(Slot::Selfie, 3), Some(1));
        assert_eq!(map.keys().collect::<Vec<_>>(), [Slot::Front, Slot::Selfie]);
        *map.get_mut(&Slot::Front).unwrap() += 10;
        assert_eq!(map.get(&Slot::Front), Some(&12));
        assert_eq!(map.remove(&Slot::Selfie), Some(3));
        assert!(!map.contains_key(&Slot::Selfie));
        assert_eq!(map.remove(&Slot::Back), None);
        for slot in Slot::ALL {
            map.insert(slot, 0);
        }
        assert_eq!(map.keys().collect::<Vec<_>>(), Slot::ALL);
    }
}
