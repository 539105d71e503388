//! `new Simulation(options)`: the options object, checked field by field.

use cipherflow_core::flow::SimConfig;
use cipherflow_core::flow::faults::FaultConfig;
use cipherflow_core::flow::integrity::IntegrityPolicy;
use cipherflow_core::flow::trace::TraceMode;
use serde::Deserialize;
use wasm_bindgen::JsValue;

use crate::args::whole;

/// The options, as JS passes them (camelCase; unknown keys are refused).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimulationOptions {
    #[serde(default, deserialize_with = "crate::args::present_number")]
    seed: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    retention_days: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    start_ms: Option<f64>,
    faults: Option<FaultOptions>,
    integrity: Option<IntegrityOptions>,
    trace: Option<TraceMode>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    history_limit: Option<f64>,
}

/// Fault probabilities; missing ones are 0.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FaultOptions {
    #[serde(default, deserialize_with = "crate::args::present_number")]
    drop: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    duplicate: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    reorder: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    tamper: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    replay: Option<f64>,
}

/// Integrity thresholds; missing ones keep their defaults.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IntegrityOptions {
    #[serde(default, deserialize_with = "crate::args::present_number")]
    window_ms: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    flag_messages: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    throttle_messages: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    flag_recipient_share: Option<f64>,
    #[serde(default, deserialize_with = "crate::args::present_number")]
    block_spam_reports: Option<f64>,
}

impl FaultOptions {
    /// The core's fault configuration (its ranges are checked by the core).
    pub fn config(&self) -> FaultConfig {
        FaultConfig {
            drop: self.drop.unwrap_or(0.0),
            duplicate: self.duplicate.unwrap_or(0.0),
            reorder: self.reorder.unwrap_or(0.0),
            tamper: self.tamper.unwrap_or(0.0),
            replay: self.replay.unwrap_or(0.0),
        }
    }
}

impl SimulationOptions {
    /// The core's configuration.
    pub fn config(&self) -> Result<SimConfig, JsValue> {
        let defaults = SimConfig::default();
        let u64_or =
            |v: Option<f64>, name, default| v.map_or(Ok(default), |n| whole(n, name, u64::MAX));
        let integrity = match &self.integrity {
            None => defaults.integrity,
            Some(i) => {
                let d = IntegrityPolicy::default();
                IntegrityPolicy {
                    window_ms: u64_or(i.window_ms, "integrity.windowMs", d.window_ms)?,
                    flag_messages: u64_or(
                        i.flag_messages,
                        "integrity.flagMessages",
                        d.flag_messages,
                    )?,
                    throttle_messages: u64_or(
                        i.throttle_messages,
                        "integrity.throttleMessages",
                        d.throttle_messages,
                    )?,
                    flag_recipient_share: match i.flag_recipient_share {
                        Some(share) if (0.0..=1.0).contains(&share) => share,
                        Some(_) => {
                            return Err(crate::error::cipherflow_error(
                                crate::error::ErrorCode::InvalidConfig,
                                "integrity.flagRecipientShare must be between 0 and 1",
                            ));
                        }
                        None => d.flag_recipient_share,
                    },
                    block_spam_reports: u64_or(
                        i.block_spam_reports,
                        "integrity.blockSpamReports",
                        d.block_spam_reports,
                    )?,
                }
            }
        };
        let retention_days = u64_or(self.retention_days, "retentionDays", 30)?;
        let history_limit = self
            .history_limit
            .map(|n| whole(n, "historyLimit", u64::from(u32::MAX)))
            .transpose()?
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        Ok(SimConfig {
            seed: u64_or(self.seed, "seed", 0)?,
            retention_days: u32::try_from(retention_days).unwrap_or(u32::MAX),
            faults: self
                .faults
                .as_ref()
                .map_or(defaults.faults, FaultOptions::config),
            integrity,
            trace: self.trace.unwrap_or(defaults.trace),
            start_ms: u64_or(self.start_ms, "startMs", defaults.start_ms)?,
            history_limit,
        })
    }
}
