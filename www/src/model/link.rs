//! The page's URL: `?seed=N&lesson=K&preset=ID&log=...&scale=P`. The seed and a
//! starting point (a lesson step or a preset) plus the commands run after it
//! rebuild the exact state, so a link can be shared or reloaded.
//!
//! `log` is the JSON array of those extra commands, base64url without padding.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::model::command::Command;
use crate::model::lesson;
use crate::model::preset;

/// Longest `log` parameter read, in characters (a URL has practical limits,
/// and a hostile link must not make the page replay forever).
pub const MAX_LOG_CHARS: usize = 64 * 1024;

/// The presentation scales a link may ask for, in percent of the normal size.
pub const SCALES: [u16; 5] = [100, 125, 150, 175, 200];

/// Where a world starts before its extra commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The cast only.
    Blank,
    /// After lesson step `k` (0-based).
    Lesson(usize),
    /// After a preset.
    Preset(&'static str),
}

impl Start {
    /// The commands this start runs.
    pub fn commands(&self) -> Vec<Command> {
        match self {
            Start::Blank => Vec::new(),
            Start::Lesson(k) => lesson::commands_through(*k),
            Start::Preset(id) => preset::commands(id),
        }
    }
}

/// A parsed link.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The seed, if given.
    pub seed: Option<u64>,
    /// The start.
    pub start: Start,
    /// Commands run after the start.
    pub log: Vec<Command>,
    /// The presentation scale, one of [`SCALES`].
    pub scale: u16,
}

/// What was wrong with a link: the page says so and ignores that part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// `seed` is not a number.
    #[error("seed must be a whole number, got {0:?}")]
    Seed(String),
    /// `lesson` is out of range.
    #[error("lesson step must be 1 to {max}, got {given:?}")]
    Lesson {
        /// The value.
        given: String,
        /// The number of steps.
        max: usize,
    },
    /// `preset` names no preset.
    #[error("no preset {0:?}")]
    Preset(String),
    /// `log` does not decode.
    #[error("scale must be one of 100, 125, 150, 175 or 200, got {0:?}")]
    Scale(String),
    #[error("the command log in the link is unreadable: {0}")]
    Log(String),
}

fn decode_query_value(v: &str) -> String {
    // Values this page writes are URL-safe already; accept %XX from hand edits.
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => match std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(b'%');
                    i += 1;
                }
            },
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses `search` (with or without the leading `?`). Returns the link and the
/// problems found; a bad parameter is ignored, never fatal.
pub fn parse(search: &str) -> (Link, Vec<LinkError>) {
    let mut link = Link {
        seed: None,
        start: Start::Blank,
        log: Vec::new(),
        scale: 100,
    };
    let mut errors = Vec::new();
    let steps = lesson::lesson().len();
    for pair in search.trim_start_matches('?').split('&') {
        let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode_query_value(raw);
        match key {
            "seed" => match value.parse::<u64>() {
                Ok(s) => link.seed = Some(s),
                Err(_) => errors.push(LinkError::Seed(value)),
            },
            "lesson" => match value.parse::<usize>() {
                Ok(k) if (1..=steps).contains(&k) => link.start = Start::Lesson(k - 1),
                _ => errors.push(LinkError::Lesson {
                    given: value,
                    max: steps,
                }),
            },
            "preset" => match preset::find(&value) {
                Some(p) => link.start = Start::Preset(p.id),
                None => errors.push(LinkError::Preset(value)),
            },
            "scale" => match value.parse::<u16>() {
                Ok(p) if SCALES.contains(&p) => link.scale = p,
                _ => errors.push(LinkError::Scale(value)),
            },
            "log" => match decode_log(&value) {
                Ok(log) => link.log = log,
                Err(e) => errors.push(e),
            },
            _ => {}
        }
    }
    (link, errors)
}

fn decode_log(value: &str) -> Result<Vec<Command>, LinkError> {
    if value.len() > MAX_LOG_CHARS {
        return Err(LinkError::Log(format!(
            "longer than {MAX_LOG_CHARS} characters"
        )));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|e| LinkError::Log(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| LinkError::Log(e.to_string()))
}

/// The query string for a world started at `start` with `seed`, then `log`,
/// shown at `scale` percent.
pub fn format(seed: u64, start: &Start, log: &[Command], scale: u16) -> String {
    let mut q = format!("?seed={seed}");
    match start {
        Start::Blank => {}
        Start::Lesson(k) => q.push_str(&format!("&lesson={}", k + 1)),
        Start::Preset(id) => q.push_str(&format!("&preset={id}")),
    }
    if !log.is_empty()
        && let Ok(json) = serde_json::to_vec(log)
    {
        q.push_str("&log=");
        q.push_str(&URL_SAFE_NO_PAD.encode(json));
    }
    if scale != 100 {
        q.push_str(&format!("&scale={scale}"));
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_round_trips() {
        let log = vec![
            Command::Send {
                text: "é & ?".into(),
            },
            Command::Settle,
        ];
        for start in [Start::Blank, Start::Lesson(3), Start::Preset("spam")] {
            let q = format(77, &start, &log, 150);
            let (link, errors) = parse(&q);
            assert!(errors.is_empty(), "{q}: {errors:?}");
            assert_eq!(link.scale, 150);
            assert_eq!(link.seed, Some(77));
            assert_eq!(link.start, start);
            assert_eq!(link.log, log);
        }
    }

    #[test]
    fn bad_parameters_are_reported_and_ignored() {
        let (link, errors) = parse("?seed=x&lesson=999&preset=nope&log=%%%&other=1&scale=130");
        assert_eq!(link.seed, None);
        assert_eq!(link.start, Start::Blank);
        assert!(link.log.is_empty());
        assert_eq!(link.scale, 100);
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(!format(1, &Start::Blank, &[], 100).contains("scale"));
        let (_, errors) = parse(&format!("?log={}", "A".repeat(MAX_LOG_CHARS + 1)));
        assert!(matches!(errors[..], [LinkError::Log(_)]));
        let (_, errors) = parse("?log=W10");
        assert!(errors.is_empty(), "an empty JSON array is a valid log");
    }

    #[test]
    fn no_input_panics() {
        for s in [
            "",
            "?",
            "&&&",
            "=",
            "seed",
            "lesson=",
            "log=%",
            "log=%zz",
            "%",
            "seed=%FF%FE",
        ] {
            let _ = parse(s);
        }
    }
}
