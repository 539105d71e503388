//! A chat bubble's bytes: chats keep their bubbles one after the other in a
//! single buffer.
//!
//! ```text
//! flags        1 byte: bit 0 outgoing, bit 1 read, bits 2-4 ticks,
//!              bit 5 the id is a compact wamid, bit 6 the id is hex,
//!              bit 7 it quotes a message
//! envelope id  LEB128
//! at (ms)      LEB128
//! id           compact wamid: digit count (1 byte), the counterpart's
//!              digits, the wamid's 10 random bytes;
//!              hex (uppercase, even length, as WhatsApp clients' message
//!              ids are): length (LEB128) and the bytes it spells;
//!              otherwise: length (LEB128), UTF-8
//! quoted id    if bit 7: length (LEB128), UTF-8 (the id of the message
//!              this one replies to)
//! text         length (LEB128), UTF-8
//! reaction     length (LEB128), UTF-8; 0 for none
//! ```
//!
//! At scale a hundred thousand phones hold a million bubbles. As a 32-byte
//! header plus strings a bubble was ~100 bytes; the 56-character wamid of a
//! business's message is 21 bytes here (it is its counterpart's number and
//! ten random bytes, see [`WamidKey`]), the header 8 or so.

use std::borrow::Cow;

use crate::ids::WamidKey;
use crate::phone::PhoneNumber;
use crate::wire::EnvelopeId;

use super::Ticks;

const OUTGOING: u8 = 1;
const READ: u8 = 1 << 1;
const TICKS_SHIFT: u8 = 2;
const TICKS_MASK: u8 = 0b111 << TICKS_SHIFT;
const COMPACT_WAMID: u8 = 1 << 5;
const HEX_ID: u8 = 1 << 6;
const QUOTES: u8 = 1 << 7;
/// How the record is laid out (kept when its flags are rewritten).
const ID_FORM: u8 = COMPACT_WAMID | HEX_ID | QUOTES;

/// A bubble's id as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum StoredId<'a> {
    Text(&'a str),
    /// The bytes an uppercase hex id spells.
    Hex(&'a [u8]),
    /// The counterpart's digits and the key.
    Wamid(&'a str, WamidKey),
}

/// An id to look for, parsed once for a scan over many bubbles.
pub(super) struct IdQuery<'q> {
    id: &'q str,
    wamid: Option<(PhoneNumber, WamidKey)>,
}

impl<'q> IdQuery<'q> {
    pub(super) fn new(id: &'q str) -> Self {
        Self {
            id,
            wamid: WamidKey::parse(id),
        }
    }

    /// Whether a stored id is this one. A wamid is stored compact exactly
    /// when it parses, so the two forms never need comparing as text.
    pub(super) fn matches(&self, stored: &StoredId<'_>) -> bool {
        match (stored, &self.wamid) {
            (StoredId::Text(own), _) => *own == self.id,
            (StoredId::Hex(bytes), _) => is_hex_of(self.id, bytes),
            (StoredId::Wamid(digits, key), Some((number, wanted))) => {
                number.wa_id() == *digits && key == wanted
            }
            (StoredId::Wamid(..), None) => false,
        }
    }
}

impl<'a> StoredId<'a> {
    pub(super) fn text(&self) -> Cow<'a, str> {
        match self {
            Self::Text(own) => Cow::Borrowed(own),
            Self::Hex(bytes) => Cow::Owned(hex::encode_upper(bytes)),
            Self::Wamid(digits, key) => Cow::Owned(key.wamid_for_digits(digits)),
        }
    }
}

/// One bubble read from the buffer, with where its parts sit.
#[derive(Debug, Clone)]
pub(super) struct Record<'a> {
    pub(super) flags: u8,
    pub(super) envelope_id: EnvelopeId,
    pub(super) at_ms: u64,
    pub(super) id: StoredId<'a>,
    pub(super) reply_to: Option<&'a str>,
    pub(super) text: &'a str,
    pub(super) reaction: &'a str,
    /// Where the reaction's length starts.
    pub(super) reaction_at: usize,
    /// Just past the record.
    pub(super) end: usize,
}

impl Record<'_> {
    pub(super) fn outgoing(&self) -> bool {
        self.flags & OUTGOING != 0
    }

    pub(super) fn read(&self) -> bool {
        self.flags & READ != 0
    }

    pub(super) fn ticks(&self) -> Ticks {
        match (self.flags & TICKS_MASK) >> TICKS_SHIFT {
            0 => Ticks::Pending,
            1 => Ticks::Sent,
            2 => Ticks::Delivered,
            3 => Ticks::Read,
            _ => Ticks::Failed,
        }
    }
}

/// The flags byte of a bubble.
pub(super) fn flags(outgoing: bool, read: bool, ticks: Ticks) -> u8 {
    let mut f = (ticks as u8) << TICKS_SHIFT;
    if outgoing {
        f |= OUTGOING;
    }
    if read {
        f |= READ;
    }
    f
}

/// `flags` with the ticks replaced.
pub(super) fn with_ticks(flags: u8, ticks: Ticks) -> u8 {
    (flags & !TICKS_MASK) | (ticks as u8) << TICKS_SHIFT
}

/// The stored flags byte `stored` with the flags `new` (as a [`Record`]
/// shows them), keeping how the id is stored.
pub(super) fn keep_id_form(stored: u8, new: u8) -> u8 {
    (stored & ID_FORM) | (new & !ID_FORM)
}

/// `flags` marked read.
pub(super) fn with_read(flags: u8) -> u8 {
    flags | READ
}

/// Whether `id` is non-empty uppercase hex of whole bytes.
fn is_upper_hex(id: &str) -> bool {
    !id.is_empty()
        && id.len().is_multiple_of(2)
        && id
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
}

/// The value of an uppercase hex digit (the caller checked it is one).
fn nibble(c: u8) -> u8 {
    if c.is_ascii_digit() {
        c - b'0'
    } else {
        c - b'A' + 10
    }
}

/// Whether `id` is the uppercase hex spelling of `bytes`.
fn is_hex_of(id: &str, bytes: &[u8]) -> bool {
    id.len() == 2 * bytes.len()
        && id.as_bytes().chunks_exact(2).zip(bytes).all(|(pair, &b)| {
            pair == [
                HEX_DIGITS[usize::from(b >> 4)],
                HEX_DIGITS[usize::from(b & 15)],
            ]
        })
}

const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(data: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7F) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

fn get_str<'a>(data: &'a [u8], at: &mut usize) -> Option<&'a str> {
    let len = usize::try_from(get_varint(data, at)?).ok()?;
    let bytes = data.get(*at..at.checked_add(len)?)?;
    *at += len;
    std::str::from_utf8(bytes).ok()
}

pub(super) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// How many bytes a bubble with these parts takes, at most.
pub(super) fn max_len(id: &str, reply_to: Option<&str>, text: &str, reaction: &str) -> usize {
    1 + 4 * 10 + id.len() + reply_to.map_or(0, str::len) + text.len() + reaction.len()
}

/// Appends a bubble.
/// Writes a bubble; `(envelope_id, at_ms)` is its stamp.
pub(super) fn write(
    out: &mut Vec<u8>,
    flags: u8,
    (envelope_id, at_ms): (EnvelopeId, u64),
    id: &str,
    reply_to: Option<&str>,
    text: &str,
    reaction: &str,
) {
    let compact = WamidKey::parse(id);
    let hex = compact.is_none() && is_upper_hex(id);
    let quotes = if reply_to.is_some() { QUOTES } else { 0 };
    out.push(match (&compact, hex) {
        (Some(_), _) => flags | COMPACT_WAMID | quotes,
        (None, true) => flags | HEX_ID | quotes,
        (None, false) => flags | quotes,
    });
    put_varint(out, envelope_id);
    put_varint(out, at_ms);
    match compact {
        Some((number, key)) => {
            let digits = number.wa_id();
            out.push(digits.len() as u8);
            out.extend_from_slice(digits.as_bytes());
            out.extend_from_slice(key.as_bytes());
        }
        None if hex => {
            put_varint(out, id.len() as u64 / 2);
            for pair in id.as_bytes().chunks_exact(2) {
                out.push(nibble(pair[0]) << 4 | nibble(pair[1]));
            }
        }
        None => put_str(out, id),
    }
    if let Some(quoted) = reply_to {
        put_str(out, quoted);
    }
    put_str(out, text);
    put_str(out, reaction);
}

/// The bubble starting at `at`; `None` if the bytes are not one (they are
/// only ever written by [`write`]).
pub(super) fn read(data: &[u8], mut at: usize) -> Option<Record<'_>> {
    let flags = *data.get(at)?;
    at += 1;
    let envelope_id = get_varint(data, &mut at)?;
    let at_ms = get_varint(data, &mut at)?;
    let id = if flags & HEX_ID != 0 {
        let len = usize::try_from(get_varint(data, &mut at)?).ok()?;
        let bytes = data.get(at..at.checked_add(len)?)?;
        at += len;
        StoredId::Hex(bytes)
    } else if flags & COMPACT_WAMID != 0 {
        let len = usize::from(*data.get(at)?);
        let digits = std::str::from_utf8(data.get(at + 1..at + 1 + len)?).ok()?;
        let key = data.get(at + 1 + len..at + 11 + len)?;
        at += 11 + len;
        StoredId::Wamid(digits, WamidKey::from_bytes(key.try_into().ok()?))
    } else {
        StoredId::Text(get_str(data, &mut at)?)
    };
    let reply_to = if flags & QUOTES != 0 {
        Some(get_str(data, &mut at)?)
    } else {
        None
    };
    let text = get_str(data, &mut at)?;
    let reaction_at = at;
    let reaction = get_str(data, &mut at)?;
    Some(Record {
        flags: flags & !ID_FORM,
        envelope_id,
        at_ms,
        id,
        reply_to,
        text,
        reaction,
        reaction_at,
        end: at,
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn a_record_reads_back_what_was_written() {
        let n = PhoneNumber::parse("16505551234").unwrap();
        let wamid = WamidKey::new(&mut ChaCha20Rng::seed_from_u64(3)).wamid(&n);
        let mut data = Vec::new();
        let f = flags(true, false, Ticks::Delivered);
        write(&mut data, f, (300, u64::MAX), "3EB0ABC", None, "hé", "");
        let odd = data.len();
        write(&mut data, f, (1, 1), "3EB0C767D097B7C7C030", None, "", "");
        assert_eq!(
            data.len() - odd,
            1 + 1 + 1 + 1 + 10 + 1 + 1,
            "a hex id is stored as its bytes"
        );
        let hex = read(&data, odd).unwrap();
        assert_eq!(hex.id.text(), "3EB0C767D097B7C7C030");
        assert!(IdQuery::new("3EB0C767D097B7C7C030").matches(&hex.id));
        assert!(!IdQuery::new("3eb0c767d097b7c7c030").matches(&hex.id));
        assert!(!IdQuery::new("3EB0C767D097B7C7C0").matches(&hex.id));
        data.truncate(odd);
        let first = data.len();
        write(
            &mut data,
            flags(false, true, Ticks::Pending),
            (1, 0),
            &wamid,
            Some("3EB0ABC"),
            "",
            "👍",
        );
        assert!(
            data.len() - first < 40,
            "a wamid id is compact: {}",
            data.len() - first
        );
        let a = read(&data, 0).unwrap();
        assert_eq!(
            (a.envelope_id, a.at_ms, a.text, a.reaction),
            (300, u64::MAX, "hé", "")
        );
        assert_eq!(a.id, StoredId::Text("3EB0ABC"));
        assert_eq!(a.reply_to, None);
        assert!(a.outgoing() && !a.read() && a.ticks() == Ticks::Delivered);
        assert_eq!(a.end, first);
        let b = read(&data, first).unwrap();
        assert_eq!(b.id.text(), wamid);
        assert!(IdQuery::new(&wamid).matches(&b.id));
        assert!(!IdQuery::new("3EB0ABC").matches(&b.id));
        assert!(IdQuery::new("3EB0ABC").matches(&a.id));
        assert!(!IdQuery::new(&wamid).matches(&a.id));
        assert!(!b.outgoing() && b.read() && b.reaction == "👍");
        assert_eq!(b.reply_to, Some("3EB0ABC"), "the quoted id reads back");
        assert_eq!(b.end, data.len());
        assert!(read(&data, data.len()).is_none());
        assert!(read(&data[..first - 1], 0).is_none(), "cut short");
        assert_eq!(
            read(&[with_ticks(f, Ticks::Failed), 0, 0, 0, 0, 0], 0).map(|r| r.ticks()),
            Some(Ticks::Failed)
        );
    }
}
