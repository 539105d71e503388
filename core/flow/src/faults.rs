//! Fault injection on the transport's network and on the link to the
//! businesses' webhook endpoints, driven by the simulation's seeded RNG.

use serde::{Deserialize, Serialize};

/// Probabilities (0.0 to 1.0) that the transport misbehaves on one delivery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// The delivery is lost.
    pub drop: f64,
    /// The envelope is delivered twice.
    pub duplicate: f64,
    /// The delivery is held back, so later envelopes overtake it.
    pub reorder: f64,
    /// One bit of the Signal bytes is flipped.
    pub tamper: f64,
    /// An envelope delivered earlier is delivered again.
    pub replay: f64,
}

/// Why a fault configuration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("fault probability {name} must be a number between 0 and 1")]
pub struct FaultConfigError {
    /// Which probability.
    pub name: &'static str,
    /// Its value.
    pub value: f64,
}

impl FaultConfig {
    /// Every fault at `p`.
    pub fn all(p: f64) -> Self {
        Self {
            drop: p,
            duplicate: p,
            reorder: p,
            tamper: p,
            replay: p,
        }
    }

    /// Checks every probability is a number in `[0, 1]`.
    pub fn validate(&self) -> Result<(), FaultConfigError> {
        for (name, value) in [
            ("drop", self.drop),
            ("duplicate", self.duplicate),
            ("reorder", self.reorder),
            ("tamper", self.tamper),
            ("replay", self.replay),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(FaultConfigError { name, value });
            }
        }
        Ok(())
    }
}

impl Fault {
    /// Every fault, in display order.
    pub const ALL: [Fault; 5] = [
        Fault::Drop,
        Fault::Duplicate,
        Fault::Reorder,
        Fault::Tamper,
        Fault::Replay,
    ];

    /// The fault's name as the trace writes it.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Drop => "drop",
            Fault::Duplicate => "duplicate",
            Fault::Reorder => "reorder",
            Fault::Tamper => "tamper",
            Fault::Replay => "replay",
        }
    }
}

impl FaultConfig {
    /// The probability of `fault`.
    pub fn probability(&self, fault: Fault) -> f64 {
        match fault {
            Fault::Drop => self.drop,
            Fault::Duplicate => self.duplicate,
            Fault::Reorder => self.reorder,
            Fault::Tamper => self.tamper,
            Fault::Replay => self.replay,
        }
    }

    /// Sets the probability of `fault`.
    pub fn set(&mut self, fault: Fault, p: f64) {
        match fault {
            Fault::Drop => self.drop = p,
            Fault::Duplicate => self.duplicate = p,
            Fault::Reorder => self.reorder = p,
            Fault::Tamper => self.tamper = p,
            Fault::Replay => self.replay = p,
        }
    }
}

/// A fault that happened, as recorded in the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Dropped.
    Drop,
    /// Delivered twice.
    Duplicate,
    /// Held back.
    Reorder,
    /// A bit was flipped.
    Tamper,
    /// An old envelope was re-delivered.
    Replay,
}

/// Probabilities (0.0 to 1.0) that the link to a business's webhook endpoint
/// misbehaves on one POST. Beside these, an endpoint can be switched off
/// (`Simulation::set_webhook_endpoint`): every POST is then refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookFaultConfig {
    /// The endpoint answers 503 (its load balancer has no healthy server):
    /// the business's application never sees the POST.
    pub fail: f64,
    /// The application processes the POST but answers after the Cloud API's
    /// timeout: the Cloud API counts it failed and posts it again.
    pub timeout: f64,
    /// The POST arrives twice.
    pub duplicate: f64,
    /// The POST is held back a few seconds, so later ones overtake it.
    pub reorder: f64,
}

impl WebhookFaultConfig {
    /// Checks every probability is a number in `[0, 1]`.
    pub fn validate(&self) -> Result<(), FaultConfigError> {
        for (name, value) in [
            ("fail", self.fail),
            ("timeout", self.timeout),
            ("duplicate", self.duplicate),
            ("reorder", self.reorder),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(FaultConfigError { name, value });
            }
        }
        Ok(())
    }
}

/// A webhook fault that happened, as recorded in the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFault {
    /// The endpoint is switched off: the connection was refused.
    Down,
    /// The endpoint answered 503.
    Fail,
    /// The answer came after the Cloud API's timeout.
    Timeout,
    /// The POST arrived twice.
    Duplicate,
    /// The POST was held back.
    Reorder,
}

impl WebhookFault {
    /// The fault's name as the trace writes it.
    pub fn name(self) -> &'static str {
        match self {
            WebhookFault::Down => "down",
            WebhookFault::Fail => "fail",
            WebhookFault::Timeout => "timeout",
            WebhookFault::Duplicate => "duplicate",
            WebhookFault::Reorder => "reorder",
        }
    }
}
