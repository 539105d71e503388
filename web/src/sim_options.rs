//! `new Simulation(options)`, `setFaults(faults)`: the option objects, checked
//! key by key. Unknown keys are refused, so a misspelling is an error rather
//! than a silently ignored setting.

use cipherflow_flow::SimConfig;
use cipherflow_flow::cloud_api::webhook::delivery::WebhookPolicy;
use cipherflow_flow::faults::{FaultConfig, WebhookFaultConfig};
use cipherflow_flow::trace::TraceMode;
use cipherflow_flow::transport::integrity::IntegrityPolicy;
use cipherflow_protocol::json_fields::Fields;
use wasm_bindgen::JsValue;

use crate::args;
use crate::error::{ErrorCode, cipherflow_error, invalid_argument};

const SIMULATION_KEYS: [&str; 9] = [
    "seed",
    "retentionDays",
    "startMs",
    "faults",
    "webhookFaults",
    "webhooks",
    "integrity",
    "trace",
    "historyLimit",
];
const FAULT_KEYS: [&str; 5] = ["drop", "duplicate", "reorder", "tamper", "replay"];
const WEBHOOK_FAULT_KEYS: [&str; 4] = ["fail", "timeout", "duplicate", "reorder"];
const WEBHOOK_KEYS: [&str; 2] = ["batchMax", "batchWindowMs"];
const INTEGRITY_KEYS: [&str; 5] = [
    "windowMs",
    "flagMessages",
    "throttleMessages",
    "flagRecipientShare",
    "blockSpamReports",
];

/// An integer option: absent gives `default`.
fn integer_or(f: &Fields<'_>, key: &'static str, default: u64) -> Result<u64, JsValue> {
    Ok(args::integer_field(f, key, u64::MAX)?.unwrap_or(default))
}

/// The simulation options (`undefined` gives the defaults).
pub fn simulation_config(value: &JsValue) -> Result<SimConfig, JsValue> {
    let defaults = SimConfig::default();
    let Some(json) = args::optional_json(value, "options")? else {
        return Ok(defaults);
    };
    let f = json
        .fields("options")
        .and_then(|f| f.only(&SIMULATION_KEYS))
        .map_err(invalid_argument)?;
    let retention_days = integer_or(&f, "retentionDays", 30)?;
    let history_limit = args::integer_field(&f, "historyLimit", u64::from(u32::MAX))?
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    let trace = match f.value("trace").map(|v| v.as_str()) {
        None => defaults.trace,
        Some(Some("full")) => TraceMode::Full,
        Some(Some("count_only")) => TraceMode::CountOnly,
        Some(_) => {
            return Err(invalid_argument(
                "options.trace must be \"full\" or \"count_only\"",
            ));
        }
    };
    let faults = match f.value("faults") {
        None => defaults.faults,
        Some(v) => faults_of(Fields::of(v, "faults").map_err(invalid_argument)?)?,
    };
    let webhook_faults = match f.value("webhookFaults") {
        None => defaults.webhook_faults,
        Some(v) => webhook_faults_of(Fields::of(v, "webhookFaults").map_err(invalid_argument)?)?,
    };
    let webhooks = match f.value("webhooks") {
        None => defaults.webhooks,
        Some(v) => {
            let w = Fields::of(v, "webhooks")
                .and_then(|w| w.only(&WEBHOOK_KEYS))
                .map_err(invalid_argument)?;
            let d = WebhookPolicy::default();
            WebhookPolicy {
                batch_max: u32::try_from(integer_or(&w, "batchMax", u64::from(d.batch_max))?)
                    .unwrap_or(u32::MAX),
                batch_window_ms: integer_or(&w, "batchWindowMs", d.batch_window_ms)?,
            }
        }
    };
    let integrity = match f.value("integrity") {
        None => defaults.integrity,
        Some(v) => integrity_of(Fields::of(v, "integrity").map_err(invalid_argument)?)?,
    };
    Ok(SimConfig {
        seed: integer_or(&f, "seed", 0)?,
        retention_days: u32::try_from(retention_days).unwrap_or(u32::MAX),
        faults,
        webhook_faults,
        webhooks,
        integrity,
        trace,
        start_ms: integer_or(&f, "startMs", defaults.start_ms)?,
        history_limit,
    })
}

/// A fault object: probabilities from 0 to 1 (checked by the core); missing
/// ones are 0.
pub fn fault_config(value: &JsValue) -> Result<FaultConfig, JsValue> {
    let json = args::json(value, "faults")?;
    faults_of(json.fields("faults").map_err(invalid_argument)?)
}

fn faults_of(f: Fields<'_>) -> Result<FaultConfig, JsValue> {
    let f = f.only(&FAULT_KEYS).map_err(invalid_argument)?;
    let p = |key| {
        f.number(key)
            .map(|n| n.unwrap_or(0.0))
            .map_err(invalid_argument)
    };
    Ok(FaultConfig {
        drop: p("drop")?,
        duplicate: p("duplicate")?,
        reorder: p("reorder")?,
        tamper: p("tamper")?,
        replay: p("replay")?,
    })
}

/// A webhook fault object: probabilities from 0 to 1; missing ones are 0.
pub fn webhook_fault_config(value: &JsValue) -> Result<WebhookFaultConfig, JsValue> {
    let json = args::json(value, "webhookFaults")?;
    webhook_faults_of(json.fields("webhookFaults").map_err(invalid_argument)?)
}

fn webhook_faults_of(f: Fields<'_>) -> Result<WebhookFaultConfig, JsValue> {
    let f = f.only(&WEBHOOK_FAULT_KEYS).map_err(invalid_argument)?;
    let p = |key| {
        f.number(key)
            .map(|n| n.unwrap_or(0.0))
            .map_err(invalid_argument)
    };
    Ok(WebhookFaultConfig {
        fail: p("fail")?,
        timeout: p("timeout")?,
        duplicate: p("duplicate")?,
        reorder: p("reorder")?,
    })
}

fn integrity_of(f: Fields<'_>) -> Result<IntegrityPolicy, JsValue> {
    let f = f.only(&INTEGRITY_KEYS).map_err(invalid_argument)?;
    let d = IntegrityPolicy::default();
    let share = match f.number("flagRecipientShare").map_err(invalid_argument)? {
        None => d.flag_recipient_share,
        Some(share) if (0.0..=1.0).contains(&share) => share,
        Some(_) => {
            return Err(cipherflow_error(
                ErrorCode::InvalidConfig,
                "integrity.flagRecipientShare must be between 0 and 1",
            ));
        }
    };
    Ok(IntegrityPolicy {
        window_ms: integer_or(&f, "windowMs", d.window_ms)?,
        flag_messages: integer_or(&f, "flagMessages", d.flag_messages)?,
        throttle_messages: integer_or(&f, "throttleMessages", d.throttle_messages)?,
        flag_recipient_share: share,
        block_spam_reports: integer_or(&f, "blockSpamReports", d.block_spam_reports)?,
    })
}
