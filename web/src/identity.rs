//! `Identity`: a device's long-term keys (the core's `Account`): the identity
//! key, a signed prekey and one-time prekeys, and both sides of X3DH.

use cipherflow_protocol::Account;
use cipherflow_protocol::account::MAX_ONE_TIME_PREKEYS;
use cipherflow_protocol::wire::Envelope;
use rand_chacha::ChaCha20Rng;
use wasm_bindgen::prelude::*;

use crate::args;
use crate::bundle::{PreKeyBundle, bundle_arg};
use crate::entropy::{child, rng_for};
use crate::error::{ErrorCode, OrJs, cipherflow_error, invalid_argument};
use crate::output;
use crate::pickle_io::{restore_json, serialize_json};
use crate::session::Session;

/// A device's long-term keys: identity, signed prekey and one-time prekeys.
#[wasm_bindgen]
pub struct Identity {
    account: Account,
    rng: ChaCha20Rng,
}

#[wasm_bindgen]
impl Identity {
    /// A fresh identity with its first signed prekey. `options.seed` makes it
    /// reproducible (never use a seed for real keys).
    pub fn generate(
        #[wasm_bindgen(unchecked_param_type = "IdentityOptions | undefined")] options: JsValue,
    ) -> Result<Identity, JsValue> {
        let (seed, now_ms) = args::with_options(&options, "options", &["seed", "nowMs"], |f| {
            Ok((
                args::integer_field(&f, "seed", u64::MAX)?,
                args::integer_field(&f, "nowMs", u64::MAX)?,
            ))
        })?
        .unwrap_or_default();
        let mut rng = rng_for(seed)?;
        let account = Account::new(&mut rng, now_ms.unwrap_or(0));
        Ok(Identity { account, rng })
    }

    /// Restores an identity from `serialize()` output; `key` (32 bytes) if it
    /// was sealed.
    pub fn restore(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | undefined")] key: JsValue,
    ) -> Result<Identity, JsValue> {
        let account = restore_json(&bytes, &key, Account::from_pickle, Account::unseal)?;
        Ok(Identity {
            account,
            rng: rng_for(None)?,
        })
    }

    /// The public identity key: 33 bytes, `0x05 || X25519 public key`.
    #[wasm_bindgen(getter = publicKey, unchecked_return_type = "Uint8Array")]
    pub fn public_key(&self) -> JsValue {
        output::bytes(&self.account.identity_key().encode()).into()
    }

    /// Generates `count` one-time prekeys and returns their ids.
    #[wasm_bindgen(js_name = generateOneTimePreKeys, unchecked_return_type = "number[]")]
    pub fn generate_one_time_prekeys(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] count: JsValue,
    ) -> Result<JsValue, JsValue> {
        let count = args::integer(&count, "count", MAX_ONE_TIME_PREKEYS as u64).map_err(|_| {
            invalid_argument(format!(
                "count must be an integer from 0 to {MAX_ONE_TIME_PREKEYS}"
            ))
        })?;
        let ids = self
            .account
            .generate_one_time_prekeys(&mut self.rng, usize::try_from(count).unwrap_or(0))
            .or_js()?;
        output::plain(&ids)
    }

    /// The ids of the one-time prekeys still held.
    #[wasm_bindgen(js_name = oneTimePreKeyIds, unchecked_return_type = "number[]")]
    pub fn one_time_prekey_ids(&self) -> Result<JsValue, JsValue> {
        let ids: Vec<u32> = self
            .account
            .one_time_prekeys()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        output::plain(&ids)
    }

    /// Replaces the signed prekey with a fresh one (the previous two stay
    /// usable for messages in flight) and returns its id.
    #[wasm_bindgen(js_name = rotateSignedPreKey)]
    pub fn rotate_signed_prekey(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number | undefined")]
        now_ms: JsValue,
    ) -> Result<u32, JsValue> {
        let now = args::optional_integer(&now_ms, "nowMs", u64::MAX)?.unwrap_or(0);
        Ok(self.account.rotate_signed_prekey(&mut self.rng, now))
    }

    /// The bundle to publish: identity key, signed prekey and, if an id is
    /// given, that one-time prekey.
    pub fn bundle(
        &self,
        #[wasm_bindgen(js_name = oneTimePreKeyId, unchecked_param_type = "number | undefined")]
        one_time_prekey_id: JsValue,
    ) -> Result<PreKeyBundle, JsValue> {
        let id = if one_time_prekey_id.is_undefined() || one_time_prekey_id.is_null() {
            None
        } else {
            Some(args::u32_arg(&one_time_prekey_id, "oneTimePreKeyId")?)
        };
        self.account.bundle(id).or_js().map(PreKeyBundle::from)
    }

    /// X3DH as the initiator: verifies `bundle` (a `PreKeyBundle` or its bytes)
    /// and starts a session. Its first messages are prekey messages.
    #[wasm_bindgen(js_name = initiateSession)]
    pub fn initiate_session(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "PreKeyBundle | Uint8Array")] bundle: JsValue,
    ) -> Result<Session, JsValue> {
        let bundle = bundle_arg(&bundle)?;
        let mut rng = child(&mut self.rng);
        let session =
            cipherflow_protocol::Session::initiate(&mut rng, self.account.identity(), &bundle)
                .or_js()?;
        Ok(Session::new(session, rng))
    }

    /// X3DH as the responder: builds a session from the first (prekey) message
    /// and decrypts it. On any error the identity is unchanged; on success the
    /// one-time prekey it used is deleted.
    #[wasm_bindgen(
        js_name = acceptSession,
        unchecked_return_type = "{ session: Session; plaintext: Uint8Array }"
    )]
    pub fn accept_session(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] message: JsValue,
    ) -> Result<JsValue, JsValue> {
        let bytes = args::bytes(&message, "message")?;
        let envelope = Envelope::try_from(bytes.as_slice()).or_js()?;
        let Envelope::PreKey(prekey_message) = envelope else {
            return Err(cipherflow_error(
                ErrorCode::MalformedMessage,
                "acceptSession needs a prekey message (the first message of a session)",
            ));
        };
        let (session, plaintext) = self.account.accept(&prekey_message).or_js()?;
        let result = js_sys::Object::new();
        output::set(
            &result,
            "session",
            &Session::new(session, child(&mut self.rng)).into(),
        );
        output::set(&result, "plaintext", &output::bytes(&plaintext).into());
        Ok(result.into())
    }

    /// The identity as bytes: pickle JSON (UTF-8), or sealed under `key`
    /// (32 bytes) with ChaCha20-Poly1305. It holds every private key.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array")]
    pub fn serialize(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | undefined")] key: JsValue,
    ) -> Result<JsValue, JsValue> {
        let account = &self.account;
        serialize_json(
            &key,
            || account.pickle(),
            |k| account.seal(&mut self.rng, k),
        )
    }
}
