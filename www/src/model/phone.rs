//! The phone page's model, without the DOM: one phone that runs the consumer
//! party itself (`JournaledPhone`: the same code the simulation runs), the
//! key its journal is sealed under, and the page's choices. The component
//! (`components/phone_page.rs`) owns the socket, the storage and the timers,
//! and hands every event here.

use cipherflow_flow::consumer::ChatMessage;
use cipherflow_flow::live::phone_journal::{JournaledPhone, PhoneInput};
use cipherflow_flow::live::phone_link::LinkState;
use cipherflow_flow::phone::PhoneNumber;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// How many messages of a chat the page shows.
pub const SHOWN: usize = 200;

/// One phone on this device.
pub struct PhoneModel {
    phone: JournaledPhone,
    key: [u8; 32],
    /// For the journal's sealing nonces.
    rng: ChaCha20Rng,
    /// The business the person is talking to.
    pub business: Option<PhoneNumber>,
    /// The last thing that went wrong, for the page to say.
    pub notice: Option<String>,
    /// The person took the phone offline (no reconnecting until they bring it back).
    pub offline: bool,
}

/// The safety number with a business, and the one before it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Safety {
    /// Now.
    pub current: String,
    /// Before the business's identity key changed, if it did.
    pub previous: Option<String>,
}

impl PhoneModel {
    /// A new phone for `number`: keys from `seed`, its journal sealed under
    /// `key` with nonces from `nonce_seed` (a generator of their own: the
    /// phone's must draw exactly what it drew the first time, for the replay).
    pub fn register(
        number: &str,
        name: &str,
        now_ms: u64,
        seed: [u8; 32],
        key: [u8; 32],
        nonce_seed: [u8; 32],
    ) -> Result<Self, String> {
        let number = PhoneNumber::parse(number).map_err(|e| e.to_string())?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err("a name of 1 to 40 characters".to_owned());
        }
        let phone = JournaledPhone::new(seed, now_ms, number, name.to_owned());
        Ok(Self::with(phone, key, nonce_seed))
    }

    /// The phone from its sealed journal.
    pub fn restore(key: [u8; 32], sealed: &[u8], nonce_seed: [u8; 32]) -> Result<Self, String> {
        let phone = JournaledPhone::unseal(&key, sealed).map_err(|e| e.to_string())?;
        Ok(Self::with(phone, key, nonce_seed))
    }

    fn with(phone: JournaledPhone, key: [u8; 32], nonce_seed: [u8; 32]) -> Self {
        Self {
            phone,
            key,
            rng: ChaCha20Rng::from_seed(nonce_seed),
            business: None,
            notice: None,
            offline: false,
        }
    }

    /// The journal, sealed, for storage.
    pub fn sealed(&mut self) -> Option<Vec<u8>> {
        self.phone.seal(&mut self.rng, &self.key).ok()
    }

    /// Gives the phone an input; the frames to send.
    pub fn apply(&mut self, input: PhoneInput) -> Vec<String> {
        match self.phone.apply(input) {
            Ok(frames) => frames,
            Err(e) => {
                self.notice = Some(e.to_string());
                Vec::new()
            }
        }
    }

    /// The phone's number.
    pub fn number(&self) -> &PhoneNumber {
        self.phone.link().number()
    }

    /// The person's name.
    pub fn name(&self) -> &str {
        self.phone.link().client().name()
    }

    /// Where the link is.
    pub fn state(&self) -> LinkState {
        self.phone.link().state()
    }

    /// Whether a retransmission is due at `now_ms`.
    pub fn due(&self, now_ms: u64) -> bool {
        self.phone
            .link()
            .poll_timeout()
            .is_some_and(|at| at <= now_ms)
    }

    /// The businesses this phone has a chat with, in number order.
    pub fn chats(&self) -> Vec<PhoneNumber> {
        self.phone.link().client().chats().keys().cloned().collect()
    }

    /// The newest messages of the chat with `business`, oldest first.
    pub fn chat(&self, business: &PhoneNumber) -> Vec<ChatMessage> {
        self.phone
            .link()
            .client()
            .chats()
            .get(business)
            .map(|c| c.newest(SHOWN))
            .unwrap_or_default()
    }

    /// Unread messages from `business`.
    pub fn unread(&self, business: &PhoneNumber) -> usize {
        self.phone
            .link()
            .client()
            .chats()
            .get(business)
            .map_or(0, |c| c.unread())
    }

    /// The safety number with `business`, once a session exists.
    pub fn safety(&self, business: &PhoneNumber) -> Option<Safety> {
        let client = self.phone.link().client();
        let current = client.safety_number(business)?.to_string();
        let previous = client
            .previous_safety_number(business)
            .map(|s| s.to_string());
        Some(Safety { current, previous })
    }

    /// The phone's identity key, for the page to show (hex of its 33 bytes).
    pub fn identity_hex(&self) -> String {
        hex::encode(self.phone.link().client().identity_key().encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_phone_restores_from_its_sealed_journal() {
        let mut m =
            PhoneModel::register("+1 650 555 0101", "Ana", 1_000, [1; 32], [2; 32], [4; 32])
                .expect("register");
        assert_eq!(m.number().wa_id(), "16505550101");
        let hello = m.apply(PhoneInput::Open);
        assert_eq!(hello.len(), 1);
        assert!(hello[0].contains("\"hello\""));
        let sealed = m.sealed().expect("sealed");
        let back = PhoneModel::restore([2; 32], &sealed, [3; 32]).expect("restore");
        assert_eq!(back.identity_hex(), m.identity_hex());
        assert_eq!(back.name(), "Ana");
        assert_eq!(
            back.state(),
            LinkState::Closed,
            "a restored phone starts offline"
        );
        assert!(PhoneModel::restore([9; 32], &sealed, [3; 32]).is_err());
    }

    #[test]
    fn registration_refuses_bad_numbers_and_names() {
        assert!(PhoneModel::register("12", "Ana", 0, [1; 32], [2; 32], [4; 32]).is_err());
        assert!(
            PhoneModel::register("+1 650 555 0101", " ", 0, [1; 32], [2; 32], [4; 32]).is_err()
        );
        assert!(
            PhoneModel::register(
                "+1 650 555 0101",
                &"x".repeat(41),
                0,
                [1; 32],
                [2; 32],
                [4; 32]
            )
            .is_err()
        );
    }
}
