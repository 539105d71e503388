//! JSON written the way Meta writes it, by a small writer.
//!
//! Meta's webhook bodies are ASCII: every character outside ASCII is escaped
//! as `\uXXXX` with lowercase hex, one escape per UTF-16 code unit (so an
//! emoji outside the Basic Multilingual Plane is a surrogate pair), and `/` is
//! escaped as `\/`. Quotes and backslashes are escaped as `\"` and `\\`,
//! control characters as `\n`, `\t`, ... or `\u001f`. `X-Hub-Signature-256`
//! is the HMAC of exactly these bytes, so a receiver that re-serializes the
//! parsed JSON before checking the signature fails on "José" or "a/b": it
//! must check the raw body.
//!
//! Keys come in the order they are written, which is the order of Meta's
//! examples. The Graph API's answers are written the same way (Graph escapes
//! `/` too). A writer rather than serde: one small function per shape costs
//! the wasm module far less than a serializer instantiated per type.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A JSON document being written. Objects and arrays nest by calls; commas
/// are placed by the writer.
#[derive(Debug, Default)]
pub struct JsonWriter {
    out: Vec<u8>,
    /// Whether the next value or key needs a comma before it.
    comma: bool,
}

impl JsonWriter {
    /// An empty document.
    pub fn new() -> Self {
        Self {
            out: Vec::with_capacity(512),
            comma: false,
        }
    }

    fn sep(&mut self) {
        if self.comma {
            self.out.push(b',');
        }
        self.comma = false;
    }

    fn begin(&mut self, bracket: u8) -> &mut Self {
        self.sep();
        self.out.push(bracket);
        self
    }

    fn end(&mut self, bracket: u8) -> &mut Self {
        self.out.push(bracket);
        self.comma = true;
        self
    }

    /// `{`, as a value.
    pub fn open(&mut self) -> &mut Self {
        self.begin(b'{')
    }

    /// `}`.
    pub fn close(&mut self) -> &mut Self {
        self.end(b'}')
    }

    /// `[`, as a value.
    pub fn open_list(&mut self) -> &mut Self {
        self.begin(b'[')
    }

    /// `]`.
    pub fn close_list(&mut self) -> &mut Self {
        self.end(b']')
    }

    /// `"key":`, the next call writing its value.
    pub fn key(&mut self, key: &str) -> &mut Self {
        self.sep();
        self.escaped(key);
        self.out.push(b':');
        self
    }

    /// A string value.
    pub fn str(&mut self, value: &str) -> &mut Self {
        self.sep();
        self.escaped(value);
        self.comma = true;
        self
    }

    /// A number value.
    pub fn num(&mut self, value: u64) -> &mut Self {
        self.sep();
        self.out.extend_from_slice(value.to_string().as_bytes());
        self.comma = true;
        self
    }

    /// `true` or `false`.
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.sep();
        let text: &[u8] = if value { b"true" } else { b"false" };
        self.out.extend_from_slice(text);
        self.comma = true;
        self
    }

    /// `"key":"value"`.
    pub fn field(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key).str(value)
    }

    /// `"key":"value"` when there is a value.
    pub fn opt_field(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.field(key, v);
        }
        self
    }

    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    fn escaped(&mut self, s: &str) {
        let out = &mut self.out;
        out.push(b'"');
        let mut units = [0u16; 2];
        for c in s.chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '/' => out.extend_from_slice(b"\\/"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\u{8}' => out.extend_from_slice(b"\\b"),
                '\u{c}' => out.extend_from_slice(b"\\f"),
                // DEL too, as PHP's json_encode leaves it.
                ' '..='\u{7f}' => out.push(c as u8),
                _ => {
                    for unit in c.encode_utf16(&mut units) {
                        let u = *unit as usize;
                        out.extend_from_slice(&[
                            b'\\',
                            b'u',
                            HEX[u >> 12 & 0xf],
                            HEX[u >> 8 & 0xf],
                            HEX[u >> 4 & 0xf],
                            HEX[u & 0xf],
                        ]);
                    }
                }
            }
        }
        out.push(b'"');
    }
}

/// A string as Meta writes it, quotes included.
pub fn string(s: &str) -> Vec<u8> {
    let mut w = JsonWriter::new();
    w.str(s);
    w.finish()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn non_ascii_is_escaped_per_utf16_unit_in_lowercase_hex() {
        let bytes = string("José 東京 😀 ü");
        assert_eq!(
            bytes,
            br#""Jos\u00e9 \u6771\u4eac \ud83d\ude00 \u00fc""#.to_vec()
        );
        assert!(bytes.is_ascii());
    }

    #[test]
    fn slash_quote_backslash_and_controls_as_json_reads_them() {
        assert_eq!(
            string("a/b \"q\" \\ \n\t\u{1}\u{7f}"),
            "\"a\\/b \\\"q\\\" \\\\ \\n\\t\\u0001\u{7f}\""
                .as_bytes()
                .to_vec()
        );
        // The escapes parse back to the same text.
        for text in [
            "https://example.com/ü?😀\u{7f}",
            "\u{0}\u{1f} \u{8}\u{c}\r",
            "",
        ] {
            let back: String = serde_json::from_slice(&string(text)).unwrap();
            assert_eq!(back, text);
        }
    }

    #[test]
    fn fields_keep_the_order_they_are_written_in() {
        let mut w = JsonWriter::new();
        w.open().field("object", "x/y").key("entry").open_list();
        w.num(7).bool(false).open().close().open_list().close_list();
        w.close_list()
            .opt_field("none", None)
            .opt_field("some", Some("s"))
            .close();
        let bytes = w.finish();
        assert_eq!(
            bytes,
            br#"{"object":"x\/y","entry":[7,false,{},[]],"some":"s"}"#.to_vec()
        );
        assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_ok());
    }
}
