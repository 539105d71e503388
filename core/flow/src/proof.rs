//! The ciphertext-only proof: scans every byte the WhatsApp transport held or
//! forwarded for every plaintext any party sent, and checks that every envelope
//! the network tampered with was rejected by its recipient.
//!
//! It is fed from trace events only ([`crate::trace::proof`]), the same way
//! whether the events are live or read back from an exported trace, so the two
//! always agree.
//!
//! For each plaintext it looks for the whole text and every 8-byte window of it,
//! in UTF-8, UTF-16 (little- and big-endian) and base64 (at all three
//! alignments). Windows shorter than [`WINDOW`] bytes cannot be told apart from
//! chance matches in random ciphertext, so texts shorter than that are counted
//! as `too_short_to_scan` rather than silently passed.

use crate::maps::{SmallKeyMap, SmallKeySet};

use serde::{Deserialize, Serialize};

/// The window length, in bytes.
pub const WINDOW: usize = 8;

/// What the proof found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofReport {
    /// Plaintexts checked.
    pub messages_checked: u64,
    /// Plaintexts shorter than one window (not scannable).
    pub too_short_to_scan: u64,
    /// Bytes of transport data scanned.
    pub bytes_scanned: u64,
    /// Windows of plaintext found in transport data: 0 means ciphertext only.
    pub matches: u64,
    /// Envelopes the transport tampered with.
    pub tampered_envelopes: u64,
    /// Of those, how many the recipient rejected.
    pub tampered_rejected: u64,
    /// Holds when there are no matches and every tampered envelope was rejected.
    pub holds: bool,
}

/// In streaming mode, how many recent plaintexts every transport blob is
/// checked against (their windows are kept; older ones are dropped).
pub const STREAMING_TEXTS: usize = 10_000;

/// Collects what the transport held and what the parties sent.
///
/// Exhaustive mode keeps every plaintext and every transport byte and checks all
/// against all. Streaming mode (for scale runs, where memory must stay bounded)
/// scans each blob as the transport receives it against the windows of the last
/// [`STREAMING_TEXTS`] plaintexts, which always include the blob's own: a
/// plaintext is sent before its ciphertext reaches the transport.
#[derive(Debug, Clone, Default)]
pub struct ProofChecker {
    plaintexts: Vec<String>,
    transport_bytes: Vec<Vec<u8>>,
    tampered: u64,
    tampered_rejected: u64,
    /// A tampered envelope was delivered and its recipient's verdict is not
    /// in yet.
    awaiting_verdict: bool,
    streaming: Option<Streaming>,
    /// The consumers the trace saw send (by number): their texts come in
    /// as `consumer_sent`, so the Cloud API's decryption of them is not a
    /// second plaintext.
    senders: crate::maps::SortedSet<String>,
    /// The last exhaustive report, until something new comes in: a view
    /// that reads the proof several times per change scans once.
    cached: std::cell::RefCell<Option<ProofReport>>,
}

#[derive(Debug, Clone, Default)]
struct Streaming {
    /// The recent plaintexts, oldest first. Their windows are computed again
    /// when they leave: a text is a tenth the size of its windows in every
    /// encoding.
    recent: std::collections::VecDeque<Box<str>>,
    needles: SmallKeyMap<[u8; WINDOW], u32>,
    messages: u64,
    too_short: u64,
    bytes: u64,
    matches: u64,
}

/// Calls `f` with every window of `text` in every encoding, without
/// collecting them: a text has a few hundred windows, and a list of them is
/// a kilobyte-sized allocation per text.
fn for_each_window(text: &str, mut f: impl FnMut([u8; WINDOW])) {
    for encoding in encodings(text) {
        for w in encoding.windows(WINDOW) {
            let mut key = [0u8; WINDOW];
            key.copy_from_slice(w);
            f(key);
        }
    }
}

fn windows_of(text: &str) -> Vec<[u8; WINDOW]> {
    let mut out = Vec::new();
    for_each_window(text, |w| out.push(w));
    out
}

impl ProofChecker {
    /// A checker in streaming mode (bounded memory).
    pub fn streaming() -> Self {
        Self {
            streaming: Some(Streaming::default()),
            ..Self::default()
        }
    }

    /// A plaintext some party sent.
    pub fn plaintext_sent(&mut self, text: &str) {
        self.cached.get_mut().take();
        let Some(s) = self.streaming.as_mut() else {
            self.plaintexts.push(text.to_owned());
            return;
        };
        s.messages += 1;
        if text.len() < WINDOW {
            s.too_short += 1;
            return;
        }
        for_each_window(text, |w| *s.needles.entry(w).or_default() += 1);
        s.recent.push_back(text.into());
        while s.recent.len() > STREAMING_TEXTS {
            let Some(old) = s.recent.pop_front() else {
                break;
            };
            for_each_window(&old, |w| {
                if let Some(n) = s.needles.get_mut(&w) {
                    *n -= 1;
                    if *n == 0 {
                        s.needles.remove(&w);
                    }
                }
            });
        }
    }

    /// A consumer's client the router runs sent a message.
    pub fn consumer_sent_by(&mut self, number: &str) {
        if !self.senders.contains(number) {
            self.senders.insert(number.to_owned());
        }
    }

    /// Whether the trace saw `number`'s client send.
    pub fn saw_consumer_send(&self, number: &str) -> bool {
        self.senders.contains(number)
    }

    /// Bytes the transport held or forwarded.
    pub fn transport_held(&mut self, bytes: &[u8]) {
        self.cached.get_mut().take();
        let Some(s) = self.streaming.as_mut() else {
            self.transport_bytes.push(bytes.to_vec());
            return;
        };
        s.bytes += bytes.len() as u64;
        for w in bytes.windows(WINDOW) {
            let mut key = [0u8; WINDOW];
            key.copy_from_slice(w);
            if s.needles.contains_key(&key) {
                s.matches += 1;
            }
        }
    }

    /// An envelope reached its recipient, tampered with or not. A tampered
    /// envelope waits for its recipient's verdict; one that gets none before
    /// the next delivery was not accepted.
    pub fn delivery(&mut self, tampered: bool) {
        self.cached.get_mut().take();
        self.close_verdict();
        if tampered {
            self.tampered += 1;
            self.awaiting_verdict = true;
        }
    }

    /// The recipient's verdict on the last delivery: whether the bytes
    /// decrypted.
    pub fn verdict(&mut self, decrypted: bool) {
        if self.awaiting_verdict {
            self.cached.get_mut().take();
            self.awaiting_verdict = false;
            if !decrypted {
                self.tampered_rejected += 1;
            }
        }
    }

    fn close_verdict(&mut self) {
        if self.awaiting_verdict {
            self.awaiting_verdict = false;
            self.tampered_rejected += 1;
        }
    }

    fn rejected(&self) -> u64 {
        self.tampered_rejected + u64::from(self.awaiting_verdict)
    }

    /// Runs the scan (or, in streaming mode, reports what was scanned).
    pub fn report(&self) -> ProofReport {
        if let Some(s) = &self.streaming {
            return ProofReport {
                messages_checked: s.messages,
                too_short_to_scan: s.too_short,
                bytes_scanned: s.bytes,
                matches: s.matches,
                tampered_envelopes: self.tampered,
                tampered_rejected: self.rejected(),
                holds: s.matches == 0 && self.tampered == self.rejected(),
            };
        }
        if let Some(report) = self.cached.borrow().as_ref() {
            return report.clone();
        }
        let mut needles: SmallKeySet<[u8; WINDOW]> = SmallKeySet::default();
        let mut too_short = 0;
        for text in &self.plaintexts {
            if text.len() < WINDOW {
                too_short += 1;
                continue;
            }
            needles.extend(windows_of(text));
        }
        let mut matches = 0u64;
        let mut bytes_scanned = 0u64;
        for blob in &self.transport_bytes {
            bytes_scanned += blob.len() as u64;
            for w in blob.windows(WINDOW) {
                let mut key = [0u8; WINDOW];
                key.copy_from_slice(w);
                if needles.contains(&key) {
                    matches += 1;
                }
            }
        }
        let report = ProofReport {
            messages_checked: self.plaintexts.len() as u64,
            too_short_to_scan: too_short,
            bytes_scanned,
            matches,
            tampered_envelopes: self.tampered,
            tampered_rejected: self.rejected(),
            holds: matches == 0 && self.tampered == self.rejected(),
        };
        *self.cached.borrow_mut() = Some(report.clone());
        report
    }
}

/// The byte strings a careless system might have stored a text as. Every window
/// of each is a needle, which also covers the whole text.
fn encodings(text: &str) -> Vec<Vec<u8>> {
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let le: Vec<u8> = utf16.iter().flat_map(|u| u.to_le_bytes()).collect();
    let be: Vec<u8> = utf16.iter().flat_map(|u| u.to_be_bytes()).collect();
    let mut out = vec![text.as_bytes().to_vec(), le, be];
    let bytes = text.as_bytes();
    for offset in 0..3 {
        let Some(tail) = bytes.get(offset..) else {
            continue;
        };
        let b64 = crate::base64::standard(tail);
        // The last 4 characters depend on padding, not only on the text.
        let stable = b64.len().saturating_sub(4);
        out.push(b64.as_bytes().get(..stable).unwrap_or_default().to_vec());
    }
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use base64::Engine as _;

    use super::*;

    const TEXT: &str = "Does it come in another color?";

    fn leaks_when_stored_as(bytes: Vec<u8>) -> u64 {
        let mut p = ProofChecker::default();
        p.plaintext_sent(TEXT);
        let mut blob = vec![0xAA; 13];
        blob.extend_from_slice(&bytes);
        blob.extend_from_slice(&[0x55; 7]);
        p.transport_held(&blob);
        p.report().matches
    }

    #[test]
    fn finds_plaintext_in_every_encoding() {
        assert!(leaks_when_stored_as(TEXT.as_bytes().to_vec()) > 0);
        let utf16le: Vec<u8> = TEXT.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert!(leaks_when_stored_as(utf16le) > 0);
        let utf16be: Vec<u8> = TEXT.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert!(leaks_when_stored_as(utf16be) > 0);
        for prefix in ["", "x", "xy"] {
            let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{prefix}{TEXT}"));
            assert!(
                leaks_when_stored_as(b64.into_bytes()) > 0,
                "prefix {prefix:?}"
            );
        }
        // A fragment of 8 bytes from the middle is enough.
        assert!(leaks_when_stored_as(b"n anothe".to_vec()) > 0);
    }

    #[test]
    fn streaming_mode_forgets_exactly_the_texts_that_leave_its_window() {
        let mut p = ProofChecker::streaming();
        p.plaintext_sent(TEXT);
        let recent = "a recent message";
        for _ in 0..STREAMING_TEXTS {
            p.plaintext_sent(recent);
        }
        // The first text left the window; every window it added is gone.
        let s = p.streaming.as_ref().unwrap();
        let mut expected = windows_of(recent);
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(s.needles.len(), expected.len());
        p.transport_held(TEXT.as_bytes());
        assert_eq!(p.report().matches, 0);
        p.transport_held(recent.as_bytes());
        assert!(p.report().matches > 0);
        assert_eq!(p.report().messages_checked, STREAMING_TEXTS as u64 + 1);
    }

    #[test]
    fn random_bytes_do_not_match_and_tampering_must_be_rejected() {
        let mut p = ProofChecker::default();
        p.plaintext_sent(TEXT);
        p.plaintext_sent("hi");
        p.transport_held(&(0..=255u8).collect::<Vec<_>>());
        p.delivery(true);
        p.verdict(false);
        let r = p.report();
        assert_eq!(r.matches, 0);
        assert_eq!(r.too_short_to_scan, 1);
        assert_eq!(r.bytes_scanned, 256);
        assert!(r.holds);
        // A tampered delivery with no verdict before the next one was not accepted.
        p.delivery(true);
        assert!(p.report().holds);
        p.delivery(false);
        assert!(p.report().holds);
        p.delivery(true);
        p.verdict(true);
        assert!(!p.report().holds);
    }
}
