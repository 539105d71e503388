//! How the panes write keys, bytes and times.

/// The first 8 hex digits of a hex key, then an ellipsis.
pub fn short_hex(hex: &str) -> String {
    match hex.get(..8) {
        Some(head) if hex.len() > 8 => format!("{head}…"),
        _ => hex.to_owned(),
    }
}

/// Virtual time as "day D hh:mm:ss.mmm" since the simulation started.
pub fn clock(at_ms: u64, start_ms: u64) -> String {
    let t = at_ms.saturating_sub(start_ms);
    let (day, rest) = (t / 86_400_000, t % 86_400_000);
    let (h, m, s, ms) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1_000 % 60,
        rest % 1_000,
    );
    format!("day {day} {h:02}:{m:02}:{s:02}.{ms:03}")
}

/// A countdown: "29 d 23 h", "5 h 12 min", "40 s".
pub fn countdown(ms: u64) -> String {
    let (d, h, m, s) = (
        ms / 86_400_000,
        ms / 3_600_000 % 24,
        ms / 60_000 % 60,
        ms / 1_000 % 60,
    );
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {s} s")
    } else {
        format!("{s} s")
    }
}

/// A body as text: JSON pretty-printed, anything else as (lossy) UTF-8.
pub fn pretty_body(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(short_hex("0123456789abcdef"), "01234567…");
        assert_eq!(short_hex("0123"), "0123");
        assert_eq!(clock(1_000 + 90_061_001, 1_000), "day 1 01:01:01.001");
        assert_eq!(countdown(30 * 86_400_000 - 1), "29 d 23 h");
        assert_eq!(countdown(40_000), "40 s");
        assert_eq!(pretty_body(b"{\"a\":1}"), "{\n  \"a\": 1\n}");
        assert_eq!(pretty_body(b"not json"), "not json");
    }
}
