//! A string kept inline when it is short: the profile name the Cloud API
//! keeps per contact.
//!
//! A `String` is 24 bytes plus a heap allocation (32 bytes with the
//! allocator's header for a name like "José García"); at 1M simulated
//! messages the Cloud API holds ~96,500 contacts. Names up to 22 bytes of
//! UTF-8 live in the 24 bytes (with their length and the variant's tag);
//! longer ones are boxed.

/// The most bytes kept inline.
const INLINE: usize = 22;

/// A short string inline, a long one boxed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum ShortStr {
    /// `len` bytes of UTF-8 at the start of `bytes`.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// Longer than fits.
    Boxed(Box<str>),
}

impl Default for ShortStr {
    fn default() -> Self {
        Self::Inline {
            len: 0,
            bytes: [0; INLINE],
        }
    }
}

impl ShortStr {
    /// The string.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Inline { len, bytes } => bytes
                .get(..usize::from(*len))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default(),
            Self::Boxed(s) => s,
        }
    }
}

impl From<&str> for ShortStr {
    fn from(s: &str) -> Self {
        let mut bytes = [0u8; INLINE];
        match bytes.get_mut(..s.len()) {
            Some(head) => {
                head.copy_from_slice(s.as_bytes());
                Self::Inline {
                    len: s.len() as u8,
                    bytes,
                }
            }
            None => Self::Boxed(s.into()),
        }
    }
}

impl std::fmt::Debug for ShortStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn short_names_are_inline_and_every_name_reads_back() {
        assert_eq!(std::mem::size_of::<ShortStr>(), 24);
        for name in [
            "",
            "Consumer",
            "José García",
            "1234567890123456789012",
            "a name too long for the inline bytes",
            "🙂🙂🙂🙂🙂🙂",
        ] {
            let s = ShortStr::from(name);
            assert_eq!(s.as_str(), name);
            assert_eq!(matches!(s, ShortStr::Inline { .. }), name.len() <= INLINE);
        }
        assert_eq!(ShortStr::default().as_str(), "");
        assert_eq!(format!("{:?}", ShortStr::from("José")), "\"José\"");
    }
}
