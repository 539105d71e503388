//! Phone numbers as the WhatsApp transport and the Cloud API see them.
//!
//! A [`PhoneNumber`] is stored as its E.164 digits without the `+` (what Meta
//! calls a `wa_id`, e.g. `16505551234`). Parsing accepts the forms people type
//! (`+1 650-555-1234`, `(650) 555 1234` with a country code) and refuses
//! anything that is not 8 to 15 digits once spaces, dashes, dots and brackets are
//! removed.

use std::fmt;

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneNumberError {
    /// A character other than digits, `+`, space, `-`, `.`, `(` or `)`.
    #[error("invalid character {0:?} in phone number")]
    InvalidCharacter(char),
    /// Too few or too many digits for E.164.
    #[error("a phone number has 8 to 15 digits, got {0}")]
    BadLength(usize),
    /// E.164 numbers never start with 0.
    #[error("a phone number cannot start with 0")]
    LeadingZero,
}

/// The most digits an E.164 number has.
const MAX_DIGITS: usize = 15;

/// An E.164 phone number, digits only.
///
/// Held inline (16 bytes, no allocation): numbers are the keys of most maps
/// and ride in most messages, so cloning one must not allocate. Unused digit
/// slots are zero, which sorts below every digit, so numbers order exactly
/// as their digit strings do.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber {
    digits: [u8; MAX_DIGITS],
    len: u8,
}

impl PhoneNumber {
    /// Parses a number as a person would type it.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let mut digits = [0u8; MAX_DIGITS];
        let mut len = 0usize;
        for (i, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => {
                    if let Some(slot) = digits.get_mut(len) {
                        *slot = c as u8;
                    }
                    len += 1;
                }
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' => {}
                other => return Err(PhoneNumberError::InvalidCharacter(other)),
            }
        }
        if !(8..=MAX_DIGITS).contains(&len) {
            return Err(PhoneNumberError::BadLength(len));
        }
        if digits[0] == b'0' {
            return Err(PhoneNumberError::LeadingZero);
        }
        Ok(Self {
            digits,
            len: len as u8,
        })
    }

    /// The digits, as Meta's `wa_id` and `from` fields carry them.
    pub fn wa_id(&self) -> &str {
        let digits = self.digits.get(..usize::from(self.len)).unwrap_or_default();
        // Only ASCII digits are ever stored.
        std::str::from_utf8(digits).unwrap_or_default()
    }

    /// `+` and the digits.
    pub fn e164(&self) -> String {
        format!("+{}", self.wa_id())
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.wa_id())
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber(+{})", self.wa_id())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;
    fn try_from(s: String) -> Result<Self, PhoneNumberError> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.wa_id().to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn parses_typed_forms_and_refuses_junk() {
        assert_eq!(
            PhoneNumber::parse("+1 (650) 555-1234").unwrap().wa_id(),
            "16505551234"
        );
        assert_eq!(
            PhoneNumber::parse("16505551234").unwrap().e164(),
            "+16505551234"
        );
        assert_eq!(
            PhoneNumber::parse("+1 650 555 12a4"),
            Err(PhoneNumberError::InvalidCharacter('a'))
        );
        assert_eq!(
            PhoneNumber::parse("1234567"),
            Err(PhoneNumberError::BadLength(7))
        );
        assert_eq!(
            PhoneNumber::parse("1234567890123456"),
            Err(PhoneNumberError::BadLength(16))
        );
        assert_eq!(
            PhoneNumber::parse("0123456789"),
            Err(PhoneNumberError::LeadingZero)
        );
        assert_eq!(
            PhoneNumber::parse("1+23456789"),
            Err(PhoneNumberError::InvalidCharacter('+'))
        );
    }

    #[test]
    fn numbers_are_inline_and_sort_as_their_digits() {
        assert_eq!(std::mem::size_of::<PhoneNumber>(), 16);
        let mut digits = [
            "123456789012345",
            "12345678",
            "123456789",
            "99999999",
            "1234567800",
            "123456780",
        ];
        let mut numbers: Vec<PhoneNumber> = digits
            .iter()
            .map(|d| PhoneNumber::parse(d).unwrap())
            .collect();
        digits.sort_unstable();
        numbers.sort();
        let sorted: Vec<&str> = numbers.iter().map(PhoneNumber::wa_id).collect();
        assert_eq!(sorted, digits);
        let longest = PhoneNumber::parse("+999 999 999 999 999").unwrap();
        assert_eq!(longest.wa_id(), "999999999999999");
        let json = serde_json::to_string(&longest).unwrap();
        assert_eq!(json, "\"999999999999999\"");
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), longest);
        assert!(serde_json::from_str::<PhoneNumber>("\"12\"").is_err());
    }
}
