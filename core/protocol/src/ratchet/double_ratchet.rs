//! The Double Ratchet state machine (Signal's specification, §3), with the
//! parameters of profile "cipherflow v1".
//!
//! One deliberate, wire-invisible difference in *when* work happens: after a
//! receiving DH ratchet step the spec generates the next sending key pair at
//! once; here the sending chain becomes *inactive* and the next `encrypt`
//! generates it. The keys and bytes are those of the spec, the DH count per turn
//! is the spec's minimum (one DH to receive on a new chain, one key generation
//! and one DH to send on a new chain), and `decrypt` needs no RNG, which keeps it
//! a pure function of state and input.
//!
//! `decrypt` is transactional: every new value (skipped keys, chain keys, root
//! key) is computed on the side, and committed only after the AEAD verifies.
//!
//! The sending side is a typestate ([`Sender`], after vodozemac's
//! `Active`/`Inactive` ratchets): active, it holds the sending chain; inactive,
//! the next `encrypt` takes the sending half of a DH ratchet step against DHr,
//! which a `DoubleRatchet` always knows. A responder that has not yet received
//! Alice's first message is a different type ([`Responder`]), which can only
//! receive; so "cannot send yet" is not a state a `DoubleRatchet` can be in,
//! and not a runtime error.

use rand_core::CryptoRng;
use serde::Serialize;

use crate::crypto::aead::AeadError;
use crate::json_fields::{Fields, hex_bytes, pair, u32_of};
use crate::keys::{KeyError, KeyPair, PublicKey};
use crate::pickle::PickleError;
use crate::ratchet::chain_key::ChainKey;
use crate::ratchet::message_key::MessageKey;
use crate::ratchet::root_key::RootKey;
use crate::ratchet::skipped_keys::{MAX_SKIP, SkippedKeys};
use crate::wire::{Header, RatchetMessage};

pub use crate::limits::MAX_PREVIOUS_CHAINS;

/// Why a ratchet operation failed. After any of these the state is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RatchetError {
    /// The message was already decrypted (a replay), or its key was discarded.
    #[error("message {index} on this chain was already received (replay)")]
    DuplicateMessage {
        /// The index the header claims.
        index: u32,
    },
    /// Decrypting would skip more than [`MAX_SKIP`] keys on one chain.
    #[error("the message would skip {requested} message keys, more than MAX_SKIP = {MAX_SKIP}")]
    TooManySkipped {
        /// How many keys it would skip.
        requested: u64,
    },
    /// The AEAD tag did not verify: tampered, forged, or not for this session.
    #[error("the message failed authentication")]
    Authentication(#[from] AeadError),
    /// The remote ratchet key gave a non-contributory DH.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A chain reached 2^32 messages.
    #[error("the chain counter is exhausted")]
    ChainExhausted,
}

/// Double Ratchet state: DHs, DHr, RK, CKs, CKr, Ns, Nr, PN and MKSKIPPED.
#[derive(Clone, Debug)]
pub struct DoubleRatchet {
    root_key: RootKey,
    /// DHs: our current ratchet key pair.
    ratchet_key: KeyPair,
    /// DHr: the remote party's current ratchet public key (for an initiator
    /// that has not received yet, the responder's signed prekey).
    remote_ratchet_key: PublicKey,
    /// The sending side: CKs and Ns, or inactive.
    sender: Sender,
    /// PN: the length of our previous sending chain.
    previous_sending_length: u32,
    /// CKr and Nr, the chain of DHr (which is `Some` whenever this is).
    receiving: Option<ChainKey>,
    /// Superseded receiving chains (ratchet key, next index), newest last.
    /// An exact-size slice: 16 bytes in the session where a deque takes 32,
    /// and a device at scale holds a hundred thousand sessions.
    previous_receiving: Box<[(PublicKey, u32)]>,
    skipped: SkippedKeys,
    /// How many DH ratchet steps this state has taken (for the inspector).
    dh_ratchet_steps: u64,
}

/// The sending side of a [`DoubleRatchet`].
#[derive(Clone, Debug)]
enum Sender {
    /// CKs, whose index is Ns.
    Active(ChainKey),
    /// No sending chain since the last receiving DH ratchet step: the next
    /// `encrypt` generates a ratchet key pair and takes the sending half of a
    /// DH ratchet step with DHr.
    Inactive,
}

impl Sender {
    fn chain(&self) -> Option<&ChainKey> {
        match self {
            Sender::Active(chain) => Some(chain),
            Sender::Inactive => None,
        }
    }
}

/// Bob before Alice's first message: the root key from X3DH and his signed
/// prekey pair as DHs. It cannot send; receiving the first message makes it
/// a [`DoubleRatchet`].
pub(crate) struct Responder {
    root_key: RootKey,
    ratchet_key: KeyPair,
}

impl Responder {
    /// Bob's initialisation (§3.3): DHs = the signed prekey pair, RK = SK.
    pub(crate) fn new(shared_key: RootKey, signed_prekey: KeyPair) -> Self {
        Self {
            root_key: shared_key,
            ratchet_key: signed_prekey,
        }
    }

    /// Receives Alice's first message: the receiving half of a DH ratchet
    /// step with her ratchet key, then the message. On error nothing is
    /// kept (the responder is consumed either way; X3DH can run again).
    pub(crate) fn receive(
        self,
        associated_data: &[u8],
        message: &RatchetMessage,
    ) -> Result<(DoubleRatchet, Vec<u8>), RatchetError> {
        let header = &message.header;
        let (root_key, chain) = self
            .root_key
            .advance(&self.ratchet_key.diffie_hellman(&header.ratchet_key)?);
        let (skipped_keys, mk, next) = advance_to(&chain, header.index)?;
        let plaintext = mk.open(associated_data, &header.encode(), &message.ciphertext)?;
        let mut skipped = SkippedKeys::default();
        skipped.extend(header.ratchet_key, skipped_keys);
        let ratchet = DoubleRatchet {
            root_key,
            ratchet_key: self.ratchet_key,
            remote_ratchet_key: header.ratchet_key,
            sender: Sender::Inactive,
            previous_sending_length: 0,
            receiving: Some(next),
            previous_receiving: Box::default(),
            skipped,
            dh_ratchet_steps: 1,
        };
        Ok((ratchet, plaintext))
    }
}

/// Public facts about a ratchet, for inspectors: no secret material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatchetSnapshot {
    /// Our current ratchet public key (DHs).
    pub our_ratchet_key: PublicKey,
    /// The remote party's current ratchet key (DHr).
    pub their_ratchet_key: Option<PublicKey>,
    /// Ns, or `None` while the sending chain is inactive.
    pub sending_index: Option<u32>,
    /// Nr.
    pub receiving_index: Option<u32>,
    /// PN.
    pub previous_sending_length: u32,
    /// Stored skipped message keys.
    pub skipped_keys: usize,
    /// DH ratchet steps taken so far.
    pub dh_ratchet_steps: u64,
}

impl Serialize for PublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.encode()))
    }
}

impl DoubleRatchet {
    /// Alice's initialisation (§3.3): RK = SK, DHr = SPK_B, a fresh DHs, then
    /// `(RK, CKs) = KDF_RK(SK, DH(DHs, DHr))`.
    pub(crate) fn initiator(
        rng: &mut impl CryptoRng,
        shared_key: RootKey,
        their_signed_prekey: PublicKey,
    ) -> Result<Self, KeyError> {
        let ratchet_key = KeyPair::generate(rng);
        let (root_key, sending) =
            shared_key.advance(&ratchet_key.diffie_hellman(&their_signed_prekey)?);
        Ok(Self {
            root_key,
            ratchet_key,
            remote_ratchet_key: their_signed_prekey,
            sender: Sender::Active(sending),
            previous_sending_length: 0,
            receiving: None,
            previous_receiving: Box::default(),
            skipped: SkippedKeys::default(),
            dh_ratchet_steps: 1,
        })
    }

    /// Public facts for display.
    pub fn snapshot(&self) -> RatchetSnapshot {
        RatchetSnapshot {
            our_ratchet_key: self.ratchet_key.public(),
            their_ratchet_key: Some(self.remote_ratchet_key),
            sending_index: self.sender.chain().map(ChainKey::index),
            receiving_index: self.receiving.as_ref().map(ChainKey::index),
            previous_sending_length: self.previous_sending_length,
            skipped_keys: self.skipped.len(),
            dh_ratchet_steps: self.dh_ratchet_steps,
        }
    }

    /// Fingerprints of RK, CKs and CKr (see [`super::secret_fingerprint`]):
    /// a one-way 32-bit hash each, never the keys.
    pub fn secret_fingerprints(&self) -> super::SecretFingerprints {
        use super::secret_fingerprint::{CHAIN_LABEL, ROOT_LABEL, secret_fingerprint};
        super::SecretFingerprints {
            root_key: secret_fingerprint(ROOT_LABEL, self.root_key.as_bytes()),
            sending_chain: self
                .sender
                .chain()
                .map(|c| secret_fingerprint(CHAIN_LABEL, c.as_bytes())),
            receiving_chain: self
                .receiving
                .as_ref()
                .map(|c| secret_fingerprint(CHAIN_LABEL, c.as_bytes())),
        }
    }

    /// RatchetEncrypt (§3.4). If the sending chain is inactive, first takes the
    /// sending half of a DH ratchet step with a fresh key pair from `rng`.
    pub fn encrypt(
        &mut self,
        rng: &mut impl CryptoRng,
        associated_data: &[u8],
        plaintext: &[u8],
    ) -> Result<RatchetMessage, RatchetError> {
        let (root_key, ratchet_key, chain, stepped) = match &self.sender {
            Sender::Active(chain) => (None, None, chain.clone(), false),
            Sender::Inactive => {
                let fresh = KeyPair::generate(rng);
                let (rk, ck) = self
                    .root_key
                    .advance(&fresh.diffie_hellman(&self.remote_ratchet_key)?);
                (Some(rk), Some(fresh), ck, true)
            }
        };
        let next = chain.next().ok_or(RatchetError::ChainExhausted)?;
        let header = Header {
            ratchet_key: ratchet_key
                .as_ref()
                .map_or_else(|| self.ratchet_key.public(), KeyPair::public),
            previous_chain_length: self.previous_sending_length,
            index: chain.index(),
        };
        let ciphertext = chain
            .message_key()
            .seal(associated_data, &header.encode(), plaintext)?;
        // Commit.
        if let Some(rk) = root_key {
            self.root_key = rk;
        }
        if let Some(kp) = ratchet_key {
            self.ratchet_key = kp;
        }
        if stepped {
            self.dh_ratchet_steps += 1;
        }
        self.sender = Sender::Active(next);
        Ok(RatchetMessage { header, ciphertext })
    }

    /// RatchetDecrypt (§3.5), transactional: on error `self` is untouched.
    pub fn decrypt(
        &mut self,
        associated_data: &[u8],
        message: &RatchetMessage,
    ) -> Result<Vec<u8>, RatchetError> {
        let header = &message.header;
        let header_bytes = header.encode();
        let open = |mk: &MessageKey| mk.open(associated_data, &header_bytes, &message.ciphertext);

        // 1. A key skipped earlier.
        if let Some((position, mk)) = self.skipped.find(&header.ratchet_key, header.index) {
            let plaintext = open(mk)?;
            self.skipped.remove(position);
            return Ok(plaintext);
        }

        // 2. The current receiving chain.
        if let Some(receiving) = self
            .receiving
            .as_ref()
            .filter(|_| self.remote_ratchet_key == header.ratchet_key)
        {
            let (skipped, mk, next) = advance_to(receiving, header.index)?;
            let plaintext = open(&mk)?;
            self.skipped.extend(header.ratchet_key, skipped);
            self.receiving = Some(next);
            return Ok(plaintext);
        }

        // 3. A superseded chain: every key it still had is in `skipped` (step 1),
        //    so anything else on it is a replay.
        if self
            .previous_receiving
            .iter()
            .any(|(key, _)| *key == header.ratchet_key)
        {
            return Err(RatchetError::DuplicateMessage {
                index: header.index,
            });
        }

        // 4. A new remote ratchet key: finish the current chain up to PN, then
        //    take the receiving half of a DH ratchet step.
        let old_skipped = match &self.receiving {
            Some(chain) if header.previous_chain_length > chain.index() => {
                let (keys, _, _) = advance_to(chain, header.previous_chain_length)?;
                Some((self.remote_ratchet_key, keys))
            }
            _ => None,
        };
        let (root_key, chain) = self
            .root_key
            .advance(&self.ratchet_key.diffie_hellman(&header.ratchet_key)?);
        let (new_skipped, mk, next) = advance_to(&chain, header.index)?;
        let plaintext = open(&mk)?;

        // Commit.
        if let Some((key, keys)) = old_skipped {
            self.skipped.extend(key, keys);
        }
        self.skipped.extend(header.ratchet_key, new_skipped);
        if let Some(old) = self.receiving.take() {
            let next_index = old.index().max(header.previous_chain_length);
            crate::bounded::push_bounded(
                &mut self.previous_receiving,
                (self.remote_ratchet_key, next_index),
                MAX_PREVIOUS_CHAINS,
            );
        }
        self.previous_sending_length = self.sender.chain().map_or(0, ChainKey::index);
        self.sender = Sender::Inactive;
        self.root_key = root_key;
        self.remote_ratchet_key = header.ratchet_key;
        self.receiving = Some(next);
        self.dh_ratchet_steps += 1;
        Ok(plaintext)
    }
}

/// Walks `chain` forward to `index`: returns the keys skipped on the way, the
/// message key for `index`, and the chain key after it. Refuses to go backwards
/// (a replay) or to skip more than [`MAX_SKIP`] keys.
fn advance_to(
    chain: &ChainKey,
    index: u32,
) -> Result<(Vec<MessageKey>, MessageKey, ChainKey), RatchetError> {
    if index < chain.index() {
        return Err(RatchetError::DuplicateMessage { index });
    }
    let distance = index - chain.index();
    if distance > MAX_SKIP {
        return Err(RatchetError::TooManySkipped {
            requested: u64::from(distance),
        });
    }
    let mut skipped = Vec::with_capacity(distance as usize);
    let mut current = chain.clone();
    while current.index() < index {
        skipped.push(current.message_key());
        current = current.next().ok_or(RatchetError::ChainExhausted)?;
    }
    let mk = current.message_key();
    let next = current.next().ok_or(RatchetError::ChainExhausted)?;
    Ok((skipped, mk, next))
}

/// The serialized form of a [`DoubleRatchet`]: every secret as hex, versioned by
/// the enclosing session pickle. Read back by [`RatchetPickle::read`].
#[derive(Serialize)]
pub(crate) struct RatchetPickle {
    #[serde(with = "hex::serde")]
    root_key: [u8; 32],
    #[serde(with = "hex::serde")]
    ratchet_secret: [u8; 32],
    remote_ratchet_key: Option<PickledKey>,
    sending: Option<PickledChain>,
    previous_sending_length: u32,
    receiving: Option<(PickledKey, PickledChain)>,
    previous_receiving: Vec<(PickledKey, u32)>,
    skipped: Vec<(PickledKey, PickledChain)>,
    dh_ratchet_steps: u64,
}

impl Drop for RatchetPickle {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.root_key.zeroize();
        self.ratchet_secret.zeroize();
    }
}

/// A public key in a pickle: `Encode(PK)` as hex, re-validated on restore.
#[derive(Serialize, Clone, Copy)]
pub(crate) struct PickledKey(#[serde(with = "hex::serde")] [u8; 33]);

impl PickledKey {
    /// Reads `Encode(PK)` hex.
    pub(crate) fn read(
        value: &serde_json::Value,
        field: &'static str,
    ) -> Result<Self, PickleError> {
        Ok(Self(hex_bytes(value, field)?))
    }
}

impl PickledChain {
    fn read(value: &serde_json::Value, field: &'static str) -> Result<Self, PickleError> {
        let f = Fields::of(value, field)?.only(&["key", "index"])?;
        Ok(Self {
            key: f.hex("key")?,
            index: f.u32("index")?,
        })
    }
}

impl RatchetPickle {
    /// Reads the `ratchet` object of a session pickle.
    pub(crate) fn read(f: Fields<'_>) -> Result<Self, PickleError> {
        let f = f.only(&[
            "root_key",
            "ratchet_secret",
            "remote_ratchet_key",
            "sending",
            "previous_sending_length",
            "receiving",
            "previous_receiving",
            "skipped",
            "dh_ratchet_steps",
        ])?;
        let key_and_chain = |value: &serde_json::Value, field: &'static str| {
            let (key, chain) = pair(value, field)?;
            Ok::<_, PickleError>((
                PickledKey::read(key, field)?,
                PickledChain::read(chain, field)?,
            ))
        };
        Ok(Self {
            root_key: f.hex("root_key")?,
            ratchet_secret: f.hex("ratchet_secret")?,
            remote_ratchet_key: f
                .value("remote_ratchet_key")
                .map(|v| PickledKey::read(v, "remote_ratchet_key"))
                .transpose()?,
            sending: f
                .value("sending")
                .map(|v| PickledChain::read(v, "sending"))
                .transpose()?,
            previous_sending_length: f.u32("previous_sending_length")?,
            receiving: f
                .value("receiving")
                .map(|v| key_and_chain(v, "receiving"))
                .transpose()?,
            previous_receiving: f
                .array("previous_receiving")?
                .iter()
                .map(|v| {
                    let (key, length) = pair(v, "previous_receiving")?;
                    Ok((
                        PickledKey::read(key, "previous_receiving")?,
                        u32_of(length, "previous_receiving")?,
                    ))
                })
                .collect::<Result<_, PickleError>>()?,
            skipped: f
                .array("skipped")?
                .iter()
                .map(|v| key_and_chain(v, "skipped"))
                .collect::<Result<_, PickleError>>()?,
            dh_ratchet_steps: f.u64("dh_ratchet_steps")?,
        })
    }
}

/// A chain or message key with its index.
#[derive(Serialize)]
pub(crate) struct PickledChain {
    #[serde(with = "hex::serde")]
    key: [u8; 32],
    index: u32,
}

impl Drop for PickledChain {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.key.zeroize();
    }
}

impl From<PublicKey> for PickledKey {
    fn from(k: PublicKey) -> Self {
        Self(k.encode())
    }
}

impl TryFrom<PickledKey> for PublicKey {
    type Error = KeyError;
    fn try_from(k: PickledKey) -> Result<Self, KeyError> {
        PublicKey::decode(&k.0)
    }
}

impl From<&ChainKey> for PickledChain {
    fn from(c: &ChainKey) -> Self {
        Self {
            key: *c.as_bytes(),
            index: c.index(),
        }
    }
}

impl From<&DoubleRatchet> for RatchetPickle {
    fn from(r: &DoubleRatchet) -> Self {
        Self {
            root_key: *r.root_key.as_bytes(),
            ratchet_secret: *r.ratchet_key.secret_bytes(),
            remote_ratchet_key: Some(PickledKey::from(r.remote_ratchet_key)),
            sending: r.sender.chain().map(PickledChain::from),
            previous_sending_length: r.previous_sending_length,
            receiving: r
                .receiving
                .as_ref()
                .map(|chain| (r.remote_ratchet_key.into(), PickledChain::from(chain))),
            previous_receiving: r
                .previous_receiving
                .iter()
                .map(|(k, i)| ((*k).into(), *i))
                .collect(),
            skipped: r
                .skipped
                .iter()
                .map(|(k, mk)| {
                    (
                        (*k).into(),
                        PickledChain {
                            key: *mk.as_bytes(),
                            index: mk.index(),
                        },
                    )
                })
                .collect(),
            dh_ratchet_steps: r.dh_ratchet_steps,
        }
    }
}

impl TryFrom<&RatchetPickle> for DoubleRatchet {
    type Error = PickleError;
    fn try_from(p: &RatchetPickle) -> Result<Self, PickleError> {
        let mut skipped = SkippedKeys::default();
        for (k, mk) in &p.skipped {
            skipped.extend(
                PublicKey::try_from(*k)?,
                vec![MessageKey::new(mk.key, mk.index)],
            );
        }
        // A session always knows DHr: an initiator from the start, a
        // responder from the first message it read.
        let remote_ratchet_key = p
            .remote_ratchet_key
            .map(PublicKey::try_from)
            .transpose()?
            .ok_or(PickleError::Inconsistent("remote_ratchet_key"))?;
        // The receiving chain is DHr's: the pickle names its key twice, and
        // both must agree.
        if let Some((key, _)) = &p.receiving
            && PublicKey::try_from(*key)? != remote_ratchet_key
        {
            return Err(PickleError::Inconsistent("receiving"));
        }
        Ok(Self {
            root_key: RootKey::new(p.root_key),
            ratchet_key: KeyPair::from_secret_bytes(p.ratchet_secret),
            remote_ratchet_key,
            sender: p.sending.as_ref().map_or(Sender::Inactive, |c| {
                Sender::Active(ChainKey::new(c.key, c.index))
            }),
            previous_sending_length: p.previous_sending_length,
            receiving: p
                .receiving
                .as_ref()
                .map(|(_, c)| ChainKey::new(c.key, c.index)),
            previous_receiving: p
                .previous_receiving
                .iter()
                .rev()
                .take(MAX_PREVIOUS_CHAINS)
                .rev()
                .map(|(k, i)| Ok((PublicKey::try_from(*k)?, *i)))
                .collect::<Result<_, KeyError>>()?,
            skipped,
            dh_ratchet_steps: p.dh_ratchet_steps,
        })
    }
}
