//! `Session`: a Double Ratchet session with one remote identity.

use cipherflow_protocol::Session as CoreSession;
use cipherflow_protocol::safety_number::SafetyNumber;
use rand_chacha::ChaCha20Rng;
use wasm_bindgen::prelude::*;

use crate::args;
use crate::entropy::rng_for;
use crate::error::{OrJs, invalid_argument};
use crate::output;
use crate::pickle_io::{restore_json, serialize_json};

/// An end-to-end encrypted session between two identities.
#[wasm_bindgen]
pub struct Session {
    session: CoreSession,
    rng: ChaCha20Rng,
}

impl Session {
    /// Wraps a core session with its own generator.
    pub fn new(session: CoreSession, rng: ChaCha20Rng) -> Self {
        Self { session, rng }
    }
}

#[wasm_bindgen]
impl Session {
    /// Encrypts a string (as UTF-8) or bytes. Returns the envelope bytes: a
    /// prekey message until the other side has replied, then ratchet messages.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array")]
    pub fn encrypt(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] plaintext: JsValue,
    ) -> Result<JsValue, JsValue> {
        let plaintext = zeroize::Zeroizing::new(args::text_or_bytes(&plaintext, "plaintext")?);
        let envelope = self.session.encrypt(&mut self.rng, &plaintext).or_js()?;
        Ok(output::bytes(&envelope.to_bytes()).into())
    }

    /// Decrypts envelope bytes. On any error (tampering, replay, garbage) the
    /// session is exactly as it was.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array")]
    pub fn decrypt(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] envelope: JsValue,
    ) -> Result<JsValue, JsValue> {
        let bytes = args::bytes(&envelope, "envelope")?;
        let plaintext = zeroize::Zeroizing::new(self.session.decrypt_bytes(&bytes).or_js()?);
        Ok(output::bytes(&plaintext).into())
    }

    /// Decrypts envelope bytes and decodes the plaintext as UTF-8.
    #[wasm_bindgen(js_name = decryptText)]
    pub fn decrypt_text(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] envelope: JsValue,
    ) -> Result<String, JsValue> {
        let bytes = args::bytes(&envelope, "envelope")?;
        // Decode on a copy first: a non-UTF-8 plaintext must not consume the message.
        let mut trial = self.session.clone();
        let plaintext = trial.decrypt_bytes(&bytes).or_js()?;
        let text = String::from_utf8(plaintext)
            .map_err(|_| invalid_argument("the plaintext is not UTF-8: use decrypt()"))?;
        self.session = trial;
        Ok(text)
    }

    /// Our identity key, 33 bytes.
    #[wasm_bindgen(getter = localIdentityKey, unchecked_return_type = "Uint8Array")]
    pub fn local_identity_key(&self) -> JsValue {
        output::bytes(&self.session.local_identity().encode()).into()
    }

    /// Their identity key, 33 bytes.
    #[wasm_bindgen(getter = remoteIdentityKey, unchecked_return_type = "Uint8Array")]
    pub fn remote_identity_key(&self) -> JsValue {
        output::bytes(&self.session.remote_identity().encode()).into()
    }

    /// `"initiator"` or `"responder"`.
    #[wasm_bindgen(getter, unchecked_return_type = "\"initiator\" | \"responder\"")]
    pub fn role(&self) -> JsValue {
        match self.session.role() {
            cipherflow_protocol::Role::Initiator => "initiator".into(),
            cipherflow_protocol::Role::Responder => "responder".into(),
        }
    }

    /// The 60-digit safety number, in 12 groups of 5, for our identifier (for
    /// example a phone number) and theirs. Both sides compute the same digits.
    #[wasm_bindgen(js_name = safetyNumber)]
    pub fn safety_number(
        &self,
        #[wasm_bindgen(js_name = localId, unchecked_param_type = "string")] local_id: JsValue,
        #[wasm_bindgen(js_name = remoteId, unchecked_param_type = "string")] remote_id: JsValue,
    ) -> Result<String, JsValue> {
        let local = args::string(&local_id, "localId")?;
        let remote = args::string(&remote_id, "remoteId")?;
        Ok(self
            .session
            .safety_number(local.as_bytes(), remote.as_bytes())
            .to_string())
    }

    /// Public facts for an inspector: role, keys, chain counters, DH ratchet
    /// steps. No secret material.
    #[wasm_bindgen(unchecked_return_type = "SessionSnapshot")]
    pub fn snapshot(&self) -> Result<JsValue, JsValue> {
        output::plain(&self.session.snapshot())
    }

    /// The session as bytes: pickle JSON (UTF-8), or sealed under `key` (32
    /// bytes). It holds the session's secrets.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array")]
    pub fn serialize(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | undefined")] key: JsValue,
    ) -> Result<JsValue, JsValue> {
        let session = &self.session;
        serialize_json(
            &key,
            || session.pickle(),
            |k| session.seal(&mut self.rng, k),
        )
    }

    /// Restores a session from `serialize()` output; `key` if it was sealed.
    pub fn restore(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | undefined")] key: JsValue,
    ) -> Result<Session, JsValue> {
        let session = restore_json(&bytes, &key, CoreSession::from_pickle, CoreSession::unseal)?;
        Ok(Session::new(session, rng_for(None)?))
    }
}

/// The safety number of two identities, without a session: our identifier and
/// 33-byte identity key, then theirs.
#[wasm_bindgen(js_name = safetyNumber)]
pub fn safety_number(
    #[wasm_bindgen(js_name = localId, unchecked_param_type = "string")] local_id: JsValue,
    #[wasm_bindgen(js_name = localKey, unchecked_param_type = "Uint8Array")] local_key: JsValue,
    #[wasm_bindgen(js_name = remoteId, unchecked_param_type = "string")] remote_id: JsValue,
    #[wasm_bindgen(js_name = remoteKey, unchecked_param_type = "Uint8Array")] remote_key: JsValue,
) -> Result<String, JsValue> {
    let local_id = args::string(&local_id, "localId")?;
    let remote_id = args::string(&remote_id, "remoteId")?;
    let local_key = identity_key(&local_key, "localKey")?;
    let remote_key = identity_key(&remote_key, "remoteKey")?;
    Ok(SafetyNumber::new(
        local_id.as_bytes(),
        &local_key,
        remote_id.as_bytes(),
        &remote_key,
    )
    .to_string())
}

fn identity_key(value: &JsValue, name: &str) -> Result<[u8; 33], JsValue> {
    let bytes = args::bytes(value, name)?;
    let key = cipherflow_protocol::keys::PublicKey::decode(&bytes).or_js()?;
    Ok(key.encode())
}
