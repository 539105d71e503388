//! Account pickles: an [`Account`]'s identity and prekey secrets as versioned
//! JSON, optionally sealed under a 32-byte key.
//!
//! The JSON is `{"version": 1, "identity": hex(32 secret bytes), "signed_prekey":
//! {...}, "previous_signed_prekeys": [...], "one_time_prekeys": [...],
//! "next_signed_prekey_id", "next_one_time_prekey_id"}`. A signed prekey is
//! `{"id", "secret": hex(32), "signature": hex(64), "created_at_ms"}`; a one-time
//! prekey is `{"id", "secret": hex(32)}`. Every secret is zeroized when the
//! pickle is dropped.
//!
//! Restoring checks everything a corrupted or hostile pickle could break: the
//! version, the store limits, that ids are unique and non-zero, and that every
//! signed prekey's XEdDSA signature verifies under the restored identity.
//!
//! A sealed account pickle has the same layout as a sealed session pickle
//! (`0x01 || nonce (12) || ChaCha20-Poly1305`) with associated data
//! [`SEALED_ACCOUNT_AAD`], so a session pickle never opens as an account.

use std::collections::VecDeque;

use rand_core::CryptoRng;
use serde::Serialize;
use zeroize::{Zeroize, Zeroizing};

use crate::account::{Account, MAX_ONE_TIME_PREKEYS, MAX_SIGNED_PREKEYS};
use crate::crypto::xeddsa;
use crate::json_fields::{Fields, ParsedJson};
use crate::keys::{
    IdentityKeyPair, KeyPair, OneTimePreKey, OneTimePreKeys, PreKeyId, SignedPreKey,
};
use crate::pickle::{PICKLE_VERSION, PickleError, open_json, seal_json};

/// Associated data of the sealed-account AEAD.
pub const SEALED_ACCOUNT_AAD: &[u8] = b"cipherflow account pickle v1";

#[derive(Serialize)]
struct AccountPickle {
    version: u32,
    #[serde(with = "hex::serde")]
    identity: [u8; 32],
    signed_prekey: SignedPreKeyPickle,
    previous_signed_prekeys: Vec<SignedPreKeyPickle>,
    one_time_prekeys: Vec<OneTimePreKeyPickle>,
    next_signed_prekey_id: PreKeyId,
    next_one_time_prekey_id: PreKeyId,
}

#[derive(Serialize)]
struct SignedPreKeyPickle {
    id: PreKeyId,
    #[serde(with = "hex::serde")]
    secret: [u8; 32],
    #[serde(with = "hex::serde")]
    signature: [u8; xeddsa::SIGNATURE_LEN],
    created_at_ms: u64,
}

#[derive(Serialize)]
struct OneTimePreKeyPickle {
    id: PreKeyId,
    #[serde(with = "hex::serde")]
    secret: [u8; 32],
}

impl Drop for AccountPickle {
    fn drop(&mut self) {
        self.identity.zeroize();
    }
}

impl Drop for SignedPreKeyPickle {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl Drop for OneTimePreKeyPickle {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl From<&SignedPreKey> for SignedPreKeyPickle {
    fn from(k: &SignedPreKey) -> Self {
        Self {
            id: k.id,
            secret: *k.key_pair.secret_bytes(),
            signature: k.signature,
            created_at_ms: k.created_at_ms,
        }
    }
}

impl SignedPreKeyPickle {
    fn read(value: &serde_json::Value, field: &'static str) -> Result<Self, PickleError> {
        let f = Fields::of(value, field)?.only(&["id", "secret", "signature", "created_at_ms"])?;
        Ok(Self {
            id: f.u32("id")?,
            secret: f.hex("secret")?,
            signature: f.hex("signature")?,
            created_at_ms: f.u64("created_at_ms")?,
        })
    }

    fn restore(&self, identity: &IdentityKeyPair) -> Result<SignedPreKey, PickleError> {
        if self.id == 0 {
            return Err(PickleError::BadLength("signed_prekey.id"));
        }
        let key_pair = KeyPair::from_secret_bytes(self.secret);
        xeddsa::verify(
            identity.public().as_bytes(),
            &key_pair.public().encode(),
            &self.signature,
        )
        .map_err(|_| PickleError::InvalidSignature(self.id))?;
        Ok(SignedPreKey {
            id: self.id,
            key_pair,
            signature: self.signature,
            created_at_ms: self.created_at_ms,
        })
    }
}

impl Account {
    /// The account as pickle JSON. It holds every private key of the device:
    /// store it sealed ([`Account::seal`]) or as protected as the keys themselves.
    pub fn pickle(&self) -> Zeroizing<String> {
        let pickle = AccountPickle {
            version: PICKLE_VERSION,
            identity: *self.identity.secret_bytes(),
            signed_prekey: (&self.signed_prekey).into(),
            previous_signed_prekeys: self
                .previous_signed_prekeys
                .iter()
                .map(SignedPreKeyPickle::from)
                .collect(),
            one_time_prekeys: self
                .one_time_prekeys
                .iter()
                .map(|k| OneTimePreKeyPickle {
                    id: k.id,
                    secret: *k.key_pair.secret_bytes(),
                })
                .collect(),
            next_signed_prekey_id: self.next_signed_prekey_id,
            next_one_time_prekey_id: self.next_one_time_prekey_id,
        };
        // Serializing plain structs of strings and integers to a String cannot fail.
        Zeroizing::new(serde_json::to_string(&pickle).unwrap_or_default())
    }

    /// Restores an account from [`Account::pickle`] output, validating it whole
    /// (see the module documentation).
    pub fn from_pickle(json: &str) -> Result<Self, PickleError> {
        let parsed = ParsedJson::parse(json.as_bytes())?;
        let f = parsed.fields("pickle")?.only(&[
            "version",
            "identity",
            "signed_prekey",
            "previous_signed_prekeys",
            "one_time_prekeys",
            "next_signed_prekey_id",
            "next_one_time_prekey_id",
        ])?;
        let null = serde_json::Value::Null;
        let p = AccountPickle {
            version: f.u32("version")?,
            identity: f.hex("identity")?,
            signed_prekey: SignedPreKeyPickle::read(
                f.value("signed_prekey").unwrap_or(&null),
                "signed_prekey",
            )?,
            previous_signed_prekeys: f
                .array("previous_signed_prekeys")?
                .iter()
                .map(|v| SignedPreKeyPickle::read(v, "previous_signed_prekeys"))
                .collect::<Result<_, _>>()?,
            one_time_prekeys: f
                .array("one_time_prekeys")?
                .iter()
                .map(|v| {
                    let k = Fields::of(v, "one_time_prekeys")?.only(&["id", "secret"])?;
                    Ok(OneTimePreKeyPickle {
                        id: k.u32("id")?,
                        secret: k.hex("secret")?,
                    })
                })
                .collect::<Result<_, PickleError>>()?,
            next_signed_prekey_id: f.u32("next_signed_prekey_id")?,
            next_one_time_prekey_id: f.u32("next_one_time_prekey_id")?,
        };
        if p.version != PICKLE_VERSION {
            return Err(PickleError::UnsupportedVersion(p.version));
        }
        if p.previous_signed_prekeys.len() >= MAX_SIGNED_PREKEYS {
            return Err(PickleError::BadLength("previous_signed_prekeys"));
        }
        if p.one_time_prekeys.len() > MAX_ONE_TIME_PREKEYS {
            return Err(PickleError::BadLength("one_time_prekeys"));
        }
        if p.next_signed_prekey_id == 0 || p.next_one_time_prekey_id == 0 {
            return Err(PickleError::BadLength("next prekey id"));
        }
        let identity = IdentityKeyPair::from_secret_bytes(p.identity);
        let signed_prekey = p.signed_prekey.restore(&identity)?;
        let mut previous_signed_prekeys = VecDeque::new();
        for old in &p.previous_signed_prekeys {
            let old = old.restore(&identity)?;
            if old.id == signed_prekey.id
                || previous_signed_prekeys
                    .iter()
                    .any(|k: &SignedPreKey| k.id == old.id)
            {
                return Err(PickleError::DuplicateId(old.id));
            }
            previous_signed_prekeys.push_back(old);
        }
        let mut one_time_prekeys = OneTimePreKeys::default();
        one_time_prekeys.reserve_exact(p.one_time_prekeys.len());
        for k in &p.one_time_prekeys {
            if k.id == 0 {
                return Err(PickleError::BadLength("one_time_prekeys.id"));
            }
            let key = OneTimePreKey {
                id: k.id,
                key_pair: KeyPair::from_secret_bytes(k.secret),
            };
            if !one_time_prekeys.insert(key) {
                return Err(PickleError::DuplicateId(k.id));
            }
        }
        Ok(Account {
            identity,
            signed_prekey,
            previous_signed_prekeys,
            one_time_prekeys,
            next_signed_prekey_id: p.next_signed_prekey_id,
            next_one_time_prekey_id: p.next_one_time_prekey_id,
        })
    }

    /// The pickle sealed under `key` with a fresh nonce from `rng`.
    pub fn seal(&self, rng: &mut impl CryptoRng, key: &[u8; 32]) -> Result<Vec<u8>, PickleError> {
        seal_json(rng, key, SEALED_ACCOUNT_AAD, &self.pickle())
    }

    /// Opens a sealed account pickle and restores the account.
    pub fn unseal(key: &[u8; 32], sealed: &[u8]) -> Result<Self, PickleError> {
        Self::from_pickle(&open_json(key, SEALED_ACCOUNT_AAD, sealed)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn account() -> (Account, ChaCha20Rng) {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let mut account = Account::new(&mut rng, 1_000);
        account.generate_one_time_prekeys(&mut rng, 5).unwrap();
        account.rotate_signed_prekey(&mut rng, 2_000);
        (account, rng)
    }

    #[test]
    fn pickle_round_trip_keeps_every_key() {
        let (account, _) = account();
        let restored = Account::from_pickle(&account.pickle()).unwrap();
        assert_eq!(restored.pickle(), account.pickle());
        assert_eq!(restored.identity_key(), account.identity_key());
        assert_eq!(restored.one_time_prekeys(), account.one_time_prekeys());
        assert_eq!(
            restored.bundle(Some(3)).unwrap(),
            account.bundle(Some(3)).unwrap()
        );
    }

    #[test]
    fn sealed_round_trip_and_wrong_key() {
        let (account, mut rng) = account();
        let key = [9u8; 32];
        let sealed = account.seal(&mut rng, &key).unwrap();
        assert_eq!(
            Account::unseal(&key, &sealed).unwrap().pickle(),
            account.pickle()
        );
        assert!(matches!(
            Account::unseal(&[8u8; 32], &sealed),
            Err(PickleError::Sealed(_))
        ));
    }

    #[test]
    fn a_sealed_session_pickle_is_not_an_account() {
        let (account, mut rng) = account();
        let key = [1u8; 32];
        let as_session = seal_json(
            &mut rng,
            &key,
            crate::pickle::SEALED_PICKLE_AAD,
            &account.pickle(),
        )
        .unwrap();
        assert!(matches!(
            Account::unseal(&key, &as_session),
            Err(PickleError::Sealed(_))
        ));
    }

    #[test]
    fn a_forged_signed_prekey_is_refused() {
        let (account, _) = account();
        let mut value: serde_json::Value = serde_json::from_str(&account.pickle()).unwrap();
        value["signed_prekey"]["secret"] = serde_json::Value::String("11".repeat(32));
        assert!(matches!(
            Account::from_pickle(&value.to_string()),
            Err(PickleError::InvalidSignature(_))
        ));
    }

    #[test]
    fn duplicate_ids_and_bad_versions_are_refused() {
        let (account, _) = account();
        let base: serde_json::Value = serde_json::from_str(&account.pickle()).unwrap();
        let mut dup = base.clone();
        let first = dup["one_time_prekeys"][0].clone();
        dup["one_time_prekeys"].as_array_mut().unwrap().push(first);
        assert!(matches!(
            Account::from_pickle(&dup.to_string()),
            Err(PickleError::DuplicateId(1))
        ));
        let mut version = base.clone();
        version["version"] = 2.into();
        assert_eq!(
            Account::from_pickle(&version.to_string()).unwrap_err(),
            PickleError::UnsupportedVersion(2)
        );
        let mut extra = base;
        extra["extra"] = 1.into();
        assert!(matches!(
            Account::from_pickle(&extra.to_string()),
            Err(PickleError::Json(_))
        ));
        assert!(matches!(
            Account::from_pickle("{"),
            Err(PickleError::Json(_))
        ));
    }
}
