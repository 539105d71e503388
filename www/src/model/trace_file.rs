//! Exported traces: the page writes the trace together with the seed and the
//! commands that produced it, so an import can both re-check the proof from
//! the bytes alone and replay the commands to see that they give the same
//! trace, event for event.
//!
//! A bare trace (for example one exported by the npm module's
//! `Simulation.exportTrace()`) imports too: it is proved and summarised, but
//! there is nothing to replay.

use cipherflow_flow::proof::ProofReport;
use cipherflow_flow::trace::Trace;
use cipherflow_flow::trace::json::{LightTrace, TraceJsonError};
use serde::Serialize;

use crate::model::command::Command;
use crate::model::world::World;

/// The `format` field of a file this page writes.
pub const FORMAT: &str = "cipherflow-demo/1";
/// Largest file read, in bytes.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// A file written by the page.
#[derive(Debug, Serialize)]
struct Exported<'a> {
    format: &'static str,
    seed: u64,
    commands: &'a [Command],
    trace: &'a Trace,
}

/// The JSON the page exports for `world`.
pub fn export(world: &World) -> Result<String, String> {
    serde_json::to_string(&Exported {
        format: FORMAT,
        seed: world.seed,
        commands: &world.commands,
        trace: world.sim.trace(),
    })
    .map_err(|e| e.to_string())
}

/// A file being imported.
#[derive(Debug)]
pub struct ImportReport {
    /// Events in the trace.
    pub events: usize,
    /// Messages whose plaintext the proof checked (each message once).
    pub messages: usize,
    /// The ciphertext-only proof recomputed from the trace alone.
    pub proof: ProofReport,
    /// The replayed world, when the file had a seed and commands.
    pub replayed: Option<World>,
    /// Whether the replay produced the imported trace exactly.
    pub identical: Option<bool>,
}

/// Why a file could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Too big.
    #[error("the file is {0} bytes; at most {MAX_FILE_BYTES} are read")]
    TooLarge(usize),
    /// Not JSON of the expected shape.
    #[error("not a cipherflow trace: {0}")]
    Shape(String),
    /// A `format` this page does not know.
    #[error("unknown format {0:?} (expected {FORMAT:?})")]
    Format(String),
    /// The trace carries counts only, so nothing can be proved from it.
    #[error("{0}")]
    Proof(String),
    /// The seed does not start a world.
    #[error("cannot replay: {0}")]
    Replay(String),
}

/// Reads a file: the page's own format, or a bare trace.
pub fn import(text: &str) -> Result<ImportReport, ImportError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge(text.len()));
    }
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ImportError::Shape(e.to_string()))?;
    // A bare trace (as the npm module exports it), or a demo file around one.
    let (trace, file) = if value.get("events").is_some() {
        (value, None)
    } else {
        let trace = value
            .get_mut("trace")
            .map(serde_json::Value::take)
            .ok_or_else(|| ImportError::Shape("no `trace` field".to_owned()))?;
        (trace, Some(value))
    };
    let field = |name: &str| file.as_ref().and_then(|f| f.get(name)).cloned();
    if let Some(f) = field("format") {
        match f.as_str() {
            Some(FORMAT) => {}
            Some(other) => return Err(ImportError::Format(other.to_owned())),
            None => return Err(ImportError::Shape("`format` is not a string".to_owned())),
        }
    }
    let seed: Option<u64> = field("seed")
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| ImportError::Shape(format!("seed: {e}")))?;
    let commands: Option<Vec<Command>> = field("commands")
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| ImportError::Shape(format!("commands: {e}")))?;
    // The one reader of trace JSON, shared with the npm module: it checks the
    // shape and proves from the bytes alone, without typing every event.
    let light = LightTrace::parse(&trace.to_string()).map_err(|e| match e {
        TraceJsonError::CountOnly => ImportError::Proof(e.to_string()),
        other => ImportError::Shape(other.to_string()),
    })?;
    let proof = light
        .prove()
        .map_err(|e| ImportError::Proof(e.to_string()))?;
    let (replayed, identical) = match (seed, commands) {
        (Some(seed), Some(commands)) => {
            let (world, _) =
                World::replay(seed, &commands).map_err(|e| ImportError::Replay(e.0))?;
            // Event for event, as JSON: what the replay writes against what
            // the file holds.
            let same = serde_json::to_value(world.sim.trace()).ok().as_ref() == Some(&trace);
            (Some(world), Some(same))
        }
        _ => (None, None),
    };
    Ok(ImportReport {
        events: light.len(),
        messages: usize::try_from(proof.messages_checked).unwrap_or(usize::MAX),
        proof,
        replayed,
        identical,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::preset;

    #[test]
    fn an_export_imports_replays_identically_and_proves() {
        let (w, _) = World::replay(8, &preset::commands("tamper")).unwrap();
        let json = export(&w).unwrap();
        let report = import(&json).unwrap();
        assert_eq!(report.identical, Some(true));
        assert!(report.proof.holds);
        assert_eq!(report.proof, w.sim.proof());
        assert_eq!(report.events, w.sim.trace().events.len());
        assert_eq!(report.messages, 1);
        let replayed = report.replayed.unwrap();
        assert_eq!(replayed.sim.state_digest(), w.sim.state_digest());
    }

    #[test]
    fn an_edited_trace_is_not_identical_to_its_replay() {
        let (w, _) = World::replay(8, &preset::hello()).unwrap();
        let json = export(&w)
            .unwrap()
            .replacen("Yes! It shipped", "No! It shipped", 1);
        let report = import(&json).unwrap();
        assert_eq!(report.identical, Some(false));
    }

    #[test]
    fn a_bare_trace_imports_without_a_replay() {
        let (w, _) = World::replay(8, &preset::hello()).unwrap();
        let json = serde_json::to_string(w.sim.trace()).unwrap();
        let report = import(&json).unwrap();
        assert_eq!(report.identical, None);
        assert!(report.proof.holds);
        assert_eq!(report.messages, 2);
    }

    #[test]
    fn bad_files_are_typed_errors() {
        assert!(matches!(import("not json"), Err(ImportError::Shape(_))));
        assert!(matches!(import("[]"), Err(ImportError::Shape(_))));
        assert!(matches!(import("{}"), Err(ImportError::Shape(_))));
        assert!(matches!(
            import(r#"{"format":"other/9","trace":{"mode":"full","events":[],"total":0}}"#),
            Err(ImportError::Format(_))
        ));
        assert!(matches!(
            import(r#"{"mode":"count_only","events":[],"total":4}"#),
            Err(ImportError::Proof(_))
        ));
        assert!(matches!(
            import(
                r#"{"seed":1,"commands":[{"c":"warp"}],"trace":{"mode":"full","events":[],"total":0}}"#
            ),
            Err(ImportError::Shape(_))
        ));
    }
}
