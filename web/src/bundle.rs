//! `PreKeyBundle`: what an initiator fetches to start a session. Its bytes are
//! `0x02 || Encode(IK) || spk_id (u32 BE) || Encode(SPK) || signature (64) ||
//! flag || [opk_id (u32 BE) || Encode(OPK)]` (docs/PROTOCOL.md).

use cipherflow_protocol::PreKeyBundle as CoreBundle;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::args;
use crate::error::{OrJs, invalid_argument};
use crate::output;

/// A published prekey bundle.
#[wasm_bindgen]
pub struct PreKeyBundle {
    bundle: CoreBundle,
}

impl From<CoreBundle> for PreKeyBundle {
    fn from(bundle: CoreBundle) -> Self {
        Self { bundle }
    }
}

/// The bundle as JSON: keys as hex, field names snake_case like every other
/// data object the package returns.
#[derive(Serialize)]
struct BundleJson {
    identity_key: String,
    signed_prekey_id: u32,
    signed_prekey: String,
    signed_prekey_signature: String,
    one_time_prekey: Option<OneTimeJson>,
}

#[derive(Serialize)]
struct OneTimeJson {
    id: u32,
    key: String,
}

#[wasm_bindgen]
impl PreKeyBundle {
    /// Decodes bundle bytes (the signature is checked by `verify()` and when a
    /// session is initiated).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: JsValue,
    ) -> Result<PreKeyBundle, JsValue> {
        let bytes = args::bytes(&bytes, "bytes")?;
        CoreBundle::try_from(bytes.as_slice())
            .or_js()
            .map(Self::from)
    }

    /// The bundle's bytes.
    #[wasm_bindgen(js_name = toBytes, unchecked_return_type = "Uint8Array")]
    pub fn to_bytes(&self) -> JsValue {
        output::bytes(&self.bundle.to_bytes()).into()
    }

    /// Whether the signed prekey's XEdDSA signature verifies under the identity key.
    pub fn verify(&self) -> bool {
        self.bundle.verify().is_ok()
    }

    /// The identity key, 33 bytes.
    #[wasm_bindgen(getter = identityKey, unchecked_return_type = "Uint8Array")]
    pub fn identity_key(&self) -> JsValue {
        output::bytes(&self.bundle.identity_key.encode()).into()
    }

    /// The signed prekey's id.
    #[wasm_bindgen(getter = signedPreKeyId)]
    pub fn signed_prekey_id(&self) -> u32 {
        self.bundle.signed_prekey_id
    }

    /// The one-time prekey's id, if the bundle has one.
    #[wasm_bindgen(getter = oneTimePreKeyId)]
    pub fn one_time_prekey_id(&self) -> Option<u32> {
        self.bundle.one_time_prekey.map(|(id, _)| id)
    }

    /// The bundle as a plain object, keys as hex (what `JSON.stringify` uses).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "PreKeyBundleJson")]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        let b = &self.bundle;
        output::plain(&BundleJson {
            identity_key: hex::encode(b.identity_key.encode()),
            signed_prekey_id: b.signed_prekey_id,
            signed_prekey: hex::encode(b.signed_prekey.encode()),
            signed_prekey_signature: hex::encode(b.signed_prekey_signature),
            one_time_prekey: b.one_time_prekey.map(|(id, key)| OneTimeJson {
                id,
                key: hex::encode(key.encode()),
            }),
        })
    }
}

/// A bundle argument: a `PreKeyBundle` object or bundle bytes. An object is
/// read through its own `toBytes()`, so a freed or foreign object is an
/// `INVALID_ARGUMENT` error rather than a glue exception.
pub fn bundle_arg(value: &JsValue) -> Result<CoreBundle, JsValue> {
    let bytes = if value.is_instance_of::<js_sys::Uint8Array>() {
        args::bytes(value, "bundle")?
    } else {
        let to_bytes = js_sys::Reflect::get(value, &"toBytes".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| invalid_argument("bundle must be a PreKeyBundle or a Uint8Array"))?;
        let out = to_bytes
            .call0(value)
            .map_err(|_| invalid_argument("bundle is not a live PreKeyBundle"))?;
        args::bytes(&out, "bundle.toBytes()")?
    };
    CoreBundle::try_from(bytes.as_slice()).or_js()
}
