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

/// An E.164 phone number, digits only.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number as a person would type it.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let mut digits = String::with_capacity(16);
        for (i, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' => {}
                other => return Err(PhoneNumberError::InvalidCharacter(other)),
            }
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(PhoneNumberError::BadLength(digits.len()));
        }
        if digits.starts_with('0') {
            return Err(PhoneNumberError::LeadingZero);
        }
        Ok(Self(digits))
    }

    /// The digits, as Meta's `wa_id` and `from` fields carry them.
    pub fn wa_id(&self) -> &str {
        &self.0
    }

    /// `+` and the digits.
    pub fn e164(&self) -> String {
        format!("+{}", self.0)
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber(+{})", self.0)
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
        p.0
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
}
