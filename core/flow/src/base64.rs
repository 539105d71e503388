//! Base64 encoding (RFC 4648), the two alphabets the flow writes: standard
//! with padding (wamids, the proof's needles) and URL-safe without padding
//! (tokens, `fbtrace_id`). Encoding only, a few lines: the general-purpose
//! crate was 3 KB of the npm module's wasm for this.

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let sextet = (n >> (18 - 6 * i)) & 63;
                out.push(char::from(alphabet[sextet as usize]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 into `out`: the decoded length, or `None` if
/// `text` has a character outside the alphabet, is not whole quads, or does
/// not fit. Lenient about where padding sits: callers that need the one
/// canonical form check by encoding back.
pub fn decode_standard_into(text: &[u8], out: &mut [u8]) -> Option<usize> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut n = 0;
    for quad in text.chunks_exact(4) {
        let (mut acc, mut digits) = (0u32, 0usize);
        for &c in quad {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' => 0,
                _ => return None,
            };
            acc = acc << 6 | u32::from(v);
            digits += usize::from(c != b'=');
        }
        for b in acc
            .to_be_bytes()
            .into_iter()
            .skip(1)
            .take(digits.checked_sub(1)?)
        {
            *out.get_mut(n)? = b;
            n += 1;
        }
    }
    Some(n)
}

/// Standard base64 with `=` padding.
pub fn standard(bytes: &[u8]) -> String {
    encode(bytes, STANDARD, true)
}

/// URL-safe base64 without padding.
pub fn url_safe(bytes: &[u8]) -> String {
    encode(bytes, URL_SAFE, false)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn rfc_4648_test_vectors() {
        for (input, std, url) in [
            ("", "", ""),
            ("f", "Zg==", "Zg"),
            ("fo", "Zm8=", "Zm8"),
            ("foo", "Zm9v", "Zm9v"),
            ("foob", "Zm9vYg==", "Zm9vYg"),
            ("fooba", "Zm9vYmE=", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy", "Zm9vYmFy"),
        ] {
            assert_eq!(decode_standard_into(b"Zm9v!A==", &mut [0; 8]), None);
            assert_eq!(decode_standard_into(b"Zm9", &mut [0; 8]), None);
            assert_eq!(
                decode_standard_into(b"Zm9vYmFy", &mut [0; 5]),
                None,
                "does not fit"
            );
            assert_eq!(standard(input.as_bytes()), std);
            let mut out = [0u8; 8];
            let n = decode_standard_into(std.as_bytes(), &mut out).unwrap();
            assert_eq!(&out[..n], input.as_bytes());
            assert_eq!(url_safe(input.as_bytes()), url);
        }
        assert_eq!(standard(&[0xfb, 0xff]), "+/8=");
        assert_eq!(url_safe(&[0xfb, 0xff]), "-_8");
    }
}
