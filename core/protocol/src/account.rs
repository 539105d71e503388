//! A device's long-term keys: the identity, its signed prekeys (rotated, with
//! ids) and a batch of one-time prekeys, and the responder side of X3DH.

use std::collections::VecDeque;

use rand_core::CryptoRng;

use crate::bundle::PreKeyBundle;
use crate::keys::{
    IdentityKeyPair, KeyPair, OneTimePreKey, OneTimePreKeys, PreKeyId, PublicKey, SignedPreKey,
};
use crate::ratchet::Responder;
use crate::session::{Role, Session, SessionError};
use crate::x3dh::{self, X3dhError};

pub use crate::limits::MAX_ONE_TIME_PREKEYS;
pub use crate::limits::MAX_SIGNED_PREKEYS;

/// Why an account operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// Generating that many one-time prekeys would exceed [`MAX_ONE_TIME_PREKEYS`].
    #[error("would hold {requested} one-time prekeys, more than {MAX_ONE_TIME_PREKEYS}")]
    TooManyOneTimePreKeys {
        /// The total it would reach.
        requested: usize,
    },
    /// The named one-time prekey is not (or no longer) held.
    #[error("unknown one-time prekey id {0}")]
    UnknownOneTimePreKey(PreKeyId),
}

/// A device: identity plus prekey stores.
#[derive(Debug, Clone)]
pub struct Account {
    pub(crate) identity: IdentityKeyPair,
    pub(crate) signed_prekey: SignedPreKey,
    /// Superseded signed prekeys, newest last, for prekey messages still in flight.
    pub(crate) previous_signed_prekeys: VecDeque<SignedPreKey>,
    pub(crate) one_time_prekeys: OneTimePreKeys,
    pub(crate) next_signed_prekey_id: PreKeyId,
    pub(crate) next_one_time_prekey_id: PreKeyId,
}

impl Account {
    /// A fresh identity with its first signed prekey (id 1).
    pub fn new(rng: &mut impl CryptoRng, now_ms: u64) -> Self {
        let identity = IdentityKeyPair::generate(rng);
        let first = SignedPreKey::generate(rng, &identity, 1, now_ms);
        Self {
            identity,
            signed_prekey: first,
            previous_signed_prekeys: VecDeque::new(),
            one_time_prekeys: OneTimePreKeys::default(),
            next_signed_prekey_id: 2,
            next_one_time_prekey_id: 1,
        }
    }

    /// The identity key pair.
    pub fn identity(&self) -> &IdentityKeyPair {
        &self.identity
    }

    /// The public identity key.
    pub fn identity_key(&self) -> PublicKey {
        self.identity.public()
    }

    /// The current signed prekey.
    pub fn current_signed_prekey(&self) -> &SignedPreKey {
        &self.signed_prekey
    }

    /// Generates a new signed prekey with the next id and makes it current; keeps
    /// at most [`MAX_SIGNED_PREKEYS`].
    pub fn rotate_signed_prekey(&mut self, rng: &mut impl CryptoRng, now_ms: u64) -> PreKeyId {
        let id = self.next_signed_prekey_id;
        self.next_signed_prekey_id = id.wrapping_add(1).max(1);
        let fresh = SignedPreKey::generate(rng, &self.identity, id, now_ms);
        let old = std::mem::replace(&mut self.signed_prekey, fresh);
        self.previous_signed_prekeys.push_back(old);
        while self.previous_signed_prekeys.len() >= MAX_SIGNED_PREKEYS {
            let _ = self.previous_signed_prekeys.pop_front();
        }
        id
    }

    /// Generates `count` one-time prekeys with fresh ids.
    pub fn generate_one_time_prekeys(
        &mut self,
        rng: &mut impl CryptoRng,
        count: usize,
    ) -> Result<Vec<PreKeyId>, AccountError> {
        let requested = self.one_time_prekeys.len().saturating_add(count);
        if requested > MAX_ONE_TIME_PREKEYS {
            return Err(AccountError::TooManyOneTimePreKeys { requested });
        }
        Ok(self.add_one_time_prekeys(rng, count))
    }

    /// A new account (as [`Account::new`]) holding `N` one-time prekeys. `N`
    /// is checked against [`MAX_ONE_TIME_PREKEYS`] when the caller compiles,
    /// so this cannot fail, and there is no error to ignore.
    ///
    /// ```compile_fail
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # use rand_core::SeedableRng;
    /// let account = cipherflow_protocol::Account::with_one_time_prekeys::<201>(&mut rng, 0);
    /// ```
    pub fn with_one_time_prekeys<const N: usize>(rng: &mut impl CryptoRng, now_ms: u64) -> Self {
        const {
            assert!(
                N <= MAX_ONE_TIME_PREKEYS,
                "more one-time prekeys than an account holds"
            )
        };
        let mut account = Self::new(rng, now_ms);
        let _ids = account.add_one_time_prekeys(rng, N);
        account
    }

    /// Generates `count` one-time prekeys; the caller has checked the bound.
    fn add_one_time_prekeys(&mut self, rng: &mut impl CryptoRng, count: usize) -> Vec<PreKeyId> {
        let mut ids = Vec::with_capacity(count);
        self.one_time_prekeys.reserve_exact(count);
        for _ in 0..count {
            let id = self.next_one_time_prekey_id;
            self.next_one_time_prekey_id = id.wrapping_add(1).max(1);
            // After the ids wrap, one still held is skipped over.
            let key = OneTimePreKey {
                id,
                key_pair: KeyPair::generate(rng),
            };
            if self.one_time_prekeys.insert(key) {
                ids.push(id);
            }
        }
        ids
    }

    /// The one-time prekeys still held, by id (public halves, for the directory).
    pub fn one_time_prekeys(&self) -> Vec<(PreKeyId, PublicKey)> {
        self.one_time_prekeys
            .iter()
            .map(|k| (k.id, k.public()))
            .collect()
    }

    /// A bundle with the current signed prekey and, if given, that one-time prekey.
    pub fn bundle(&self, one_time_prekey: Option<PreKeyId>) -> Result<PreKeyBundle, AccountError> {
        let one_time_prekey = one_time_prekey
            .map(|id| {
                self.one_time_prekeys
                    .get(id)
                    .map(|k| (id, k.public()))
                    .ok_or(AccountError::UnknownOneTimePreKey(id))
            })
            .transpose()?;
        let spk = &self.signed_prekey;
        Ok(PreKeyBundle {
            identity_key: self.identity.public(),
            signed_prekey_id: spk.id,
            signed_prekey: spk.public(),
            signed_prekey_signature: spk.signature,
            one_time_prekey,
        })
    }

    /// Bob's side of X3DH: builds a session from a prekey message and decrypts its
    /// first message. The session exists only if that message decrypts; only
    /// then is the one-time prekey deleted. On error the account is unchanged.
    pub fn accept(
        &mut self,
        message: &crate::wire::PreKeyMessage,
    ) -> Result<(Session, Vec<u8>), SessionError> {
        let spk = std::iter::once(&self.signed_prekey)
            .chain(self.previous_signed_prekeys.iter().rev())
            .find(|s| s.id == message.signed_prekey_id)
            .ok_or(X3dhError::UnknownSignedPreKey(message.signed_prekey_id))?;
        let opk = message
            .one_time_prekey_id
            .map(|id| {
                self.one_time_prekeys
                    .get(id)
                    .ok_or(X3dhError::UnknownOneTimePreKey(id))
            })
            .transpose()?;
        let x3dh = x3dh::respond(
            &self.identity,
            &spk.key_pair,
            opk.map(|k| &k.key_pair),
            message.identity_key,
            message.base_key,
        )?;
        let (ratchet, plaintext) = Responder::new(x3dh.shared_key, spk.key_pair.clone())
            .receive(&x3dh.associated_data, &message.message)?;
        if let Some(id) = message.one_time_prekey_id {
            let _ = self.one_time_prekeys.remove(id);
        }
        let session = Session {
            ratchet,
            local_identity: self.identity.public(),
            remote_identity: message.identity_key,
            role: Role::Responder,
            base_key: message.base_key,
            prekey_ids: (message.signed_prekey_id, message.one_time_prekey_id),
            pending_prekey: false,
        };
        Ok((session, plaintext))
    }
}
