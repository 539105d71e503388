//! The prekey directory: each registered number's public bundle, and its
//! one-time prekeys, handed out once each.

use std::collections::VecDeque;

use cipherflow_protocol::PreKeyBundle;
use cipherflow_protocol::keys::{PreKeyId, PublicKey};

use crate::phone::PhoneNumber;
use crate::wire::{AccountKind, PublishedKeys};

/// A device's published keys.
#[derive(Debug, Clone)]
pub(crate) struct DirectoryEntry {
    pub(crate) bundle: PreKeyBundle,
    pub(crate) one_time: VecDeque<(PreKeyId, PublicKey)>,
    pub(crate) account: AccountKind,
}

/// Every registered number.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    entries: crate::maps::SortedMap<PhoneNumber, DirectoryEntry>,
}

impl Directory {
    /// Registers (or re-registers, replacing the keys of) `number`.
    pub(crate) fn register(
        &mut self,
        number: PhoneNumber,
        keys: PublishedKeys,
        account: AccountKind,
    ) {
        self.entries.insert(
            number,
            DirectoryEntry {
                bundle: keys.bundle,
                one_time: keys.one_time.into_iter().collect(),
                account,
            },
        );
    }

    /// Appends one-time prekeys for `number`.
    pub(crate) fn publish_more(&mut self, number: &PhoneNumber, keys: Vec<(PreKeyId, PublicKey)>) {
        if let Some(entry) = self.entries.get_mut(number) {
            entry.one_time.extend(keys);
        }
    }

    /// A bundle for `number`, with a one-time prekey while any are left (each
    /// is handed out once).
    #[must_use = "the one-time prekey in the bundle is handed out once: dropping the bundle loses it"]
    pub(crate) fn fetch(&mut self, number: &PhoneNumber) -> Option<PreKeyBundle> {
        let entry = self.entries.get_mut(number)?;
        let mut bundle = entry.bundle.clone();
        bundle.one_time_prekey = entry.one_time.pop_front();
        Some(bundle)
    }

    /// One-time prekeys left for `number`.
    pub fn one_time_prekeys_left(&self, number: &PhoneNumber) -> usize {
        self.entries.get(number).map_or(0, |e| e.one_time.len())
    }

    /// Registered numbers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nobody is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `number` is registered.
    pub fn contains(&self, number: &PhoneNumber) -> bool {
        self.entries.contains_key(number)
    }

    /// Whether `number` registered as a business number.
    pub fn is_business(&self, number: &PhoneNumber) -> bool {
        self.entries
            .get(number)
            .is_some_and(|e| e.account == AccountKind::Business)
    }

    /// The identity key registered for `number`, if any.
    pub fn identity_key(&self, number: &PhoneNumber) -> Option<PublicKey> {
        self.entries.get(number).map(|e| e.bundle.identity_key)
    }

    /// Registered numbers with their kind and identity key, in order.
    pub fn entries(&self) -> impl Iterator<Item = (&PhoneNumber, AccountKind, PublicKey)> {
        self.entries
            .iter()
            .map(|(n, e)| (n, e.account, e.bundle.identity_key))
    }
}
