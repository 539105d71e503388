//! X3DH key agreement (Signal's specification, revision 1), profile "cipherflow v1".
//!
//! ```text
//! DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)
//! DH4 = DH(EK_A, OPK_B)   (only when a one-time prekey is used)
//! SK  = HKDF-SHA256(salt = 0x00×32,
//!                   ikm  = 0xFF×32 || DH1 || DH2 || DH3 [|| DH4],
//!                   info = "cipherflow X3DH v1"), 32 bytes
//! AD  = Encode(IK_A) || Encode(IK_B)                      (66 bytes)
//! ```
//!
//! Every DH must be contributory: a low-order point is an error, never a
//! predictable key.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::bundle::PreKeyBundle;
use crate::crypto::kdf;
use crate::crypto::xeddsa::XEdDsaError;
use crate::keys::{
    ENCODED_LEN, IdentityKeyPair, KeyError, KeyPair, PreKeyId, PublicKey, SharedSecret,
};
use crate::ratchet::RootKey;

/// HKDF `info` of the X3DH key derivation.
pub const X3DH_INFO: &[u8] = b"cipherflow X3DH v1";
/// Length of the associated data `Encode(IK_A) || Encode(IK_B)`.
pub const AD_LEN: usize = 2 * ENCODED_LEN;

/// Why X3DH failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum X3dhError {
    /// The bundle's signed-prekey signature does not verify under its identity key.
    #[error("the signed prekey's signature is invalid: {0}")]
    BadSignature(#[from] XEdDsaError),
    /// A DH was not contributory.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The prekey message names a signed prekey we do not have (any more).
    #[error("unknown signed prekey id {0}")]
    UnknownSignedPreKey(PreKeyId),
    /// The prekey message names a one-time prekey we do not have: never issued, or
    /// already used (one-time prekeys are deleted on first use).
    #[error("unknown or already used one-time prekey id {0}")]
    UnknownOneTimePreKey(PreKeyId),
}

/// What X3DH hands to the Double Ratchet.
pub(crate) struct X3dhOutput {
    pub(crate) shared_key: RootKey,
    pub(crate) associated_data: [u8; AD_LEN],
}

/// What the initiator puts in its prekey messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InitiatorParams {
    pub(crate) base_key: PublicKey,
    pub(crate) signed_prekey_id: PreKeyId,
    pub(crate) one_time_prekey_id: Option<PreKeyId>,
}

/// Alice's side: verifies the bundle, draws EK_A, derives SK and AD.
pub(crate) fn initiate(
    rng: &mut impl CryptoRng,
    identity: &IdentityKeyPair,
    bundle: &PreKeyBundle,
) -> Result<(X3dhOutput, InitiatorParams), X3dhError> {
    bundle.verify()?;
    let ephemeral = KeyPair::generate(rng);
    let dh1 = identity.diffie_hellman(&bundle.signed_prekey)?;
    let dh2 = ephemeral.diffie_hellman(&bundle.identity_key)?;
    let dh3 = ephemeral.diffie_hellman(&bundle.signed_prekey)?;
    let dh4 = bundle
        .one_time_prekey
        .map(|(_, opk)| ephemeral.diffie_hellman(&opk))
        .transpose()?;
    let output = derive(
        [&dh1, &dh2, &dh3],
        dh4.as_ref(),
        identity.public(),
        bundle.identity_key,
    );
    let params = InitiatorParams {
        base_key: ephemeral.public(),
        signed_prekey_id: bundle.signed_prekey_id,
        one_time_prekey_id: bundle.one_time_prekey.map(|(id, _)| id),
    };
    Ok((output, params))
}

/// Bob's side, from the keys a prekey message names.
pub(crate) fn respond(
    identity: &IdentityKeyPair,
    signed_prekey: &KeyPair,
    one_time_prekey: Option<&KeyPair>,
    their_identity: PublicKey,
    their_base_key: PublicKey,
) -> Result<X3dhOutput, X3dhError> {
    let dh1 = signed_prekey.diffie_hellman(&their_identity)?;
    let dh2 = identity.diffie_hellman(&their_base_key)?;
    let dh3 = signed_prekey.diffie_hellman(&their_base_key)?;
    let dh4 = one_time_prekey
        .map(|opk| opk.diffie_hellman(&their_base_key))
        .transpose()?;
    Ok(derive(
        [&dh1, &dh2, &dh3],
        dh4.as_ref(),
        their_identity,
        identity.public(),
    ))
}

fn derive(
    dh: [&SharedSecret; 3],
    dh4: Option<&SharedSecret>,
    initiator_identity: PublicKey,
    responder_identity: PublicKey,
) -> X3dhOutput {
    let mut ikm = Zeroizing::new(Vec::with_capacity(32 * 5));
    ikm.extend_from_slice(&[0xFF; 32]);
    for d in dh.iter().copied().chain(dh4) {
        ikm.extend_from_slice(d.as_bytes());
    }
    let sk = kdf::hkdf_sha256_array::<32>(&[0u8; 32], &ikm, X3DH_INFO);
    X3dhOutput {
        shared_key: RootKey::new(*sk),
        associated_data: associated_data(&initiator_identity, &responder_identity),
    }
}

/// `AD = Encode(IK_A) || Encode(IK_B)`: the initiator's identity, then the
/// responder's.
pub(crate) fn associated_data(initiator: &PublicKey, responder: &PublicKey) -> [u8; AD_LEN] {
    let mut ad = [0u8; AD_LEN];
    let (first, second) = ad.split_at_mut(ENCODED_LEN);
    first.copy_from_slice(&initiator.encode());
    second.copy_from_slice(&responder.encode());
    ad
}
