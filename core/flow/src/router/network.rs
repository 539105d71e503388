//! The network between the transport and the devices: latency, and the fault
//! model (drop, duplicate, reorder, tamper, replay), drawn from the router's
//! seeded RNG. Only envelopes the transport delivers cross it; everything else
//! (a device's requests to the transport, HTTPS, Meta's internal links) is
//! delivered at once and reliably.

use std::collections::VecDeque;

use rand_chacha::ChaCha20Rng;
use rand_core::Rng;

use crate::faults::{Fault, FaultConfig};
use crate::phone::PhoneNumber;
use crate::wire::{Payload, TransportEnvelope};

/// Network latency: a base plus up to this much jitter, in ms.
pub const LATENCY_MS: (u64, u64) = (60, 60);
/// Extra delay of a reordered delivery, in ms.
pub const REORDER_DELAY_MS: (u64, u64) = (300, 900);
/// How many recent envelopes the network remembers for the replay fault.
/// Bounded so memory does not grow with traffic.
pub const REPLAY_MEMORY: usize = 64;

/// One copy of an envelope on its way, and what happened to it.
#[derive(Debug, Clone)]
pub(crate) struct Copy {
    pub(crate) envelope: TransportEnvelope,
    pub(crate) delay_ms: u64,
    pub(crate) tampered: bool,
}

/// The network's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    pub(crate) faults: FaultConfig,
    /// Devices whose connection is open (learnt from the connect and
    /// disconnect messages the router carries).
    pub(crate) connected: crate::maps::SortedSet<PhoneNumber>,
    pub(crate) recent: VecDeque<TransportEnvelope>,
}

/// A uniform draw in [0, 1).
fn chance(rng: &mut ChaCha20Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn jitter(rng: &mut ChaCha20Rng, (base, spread): (u64, u64)) -> u64 {
    base + rng.next_u64() % spread.max(1)
}

fn index(rng: &mut ChaCha20Rng, len: usize) -> usize {
    (rng.next_u64() % (len.max(1) as u64)) as usize
}

impl Network {
    /// Sends `envelope`: the copies that will arrive, with their delays, and
    /// the faults that happened (each with the envelope it hit). A fault at
    /// probability 0 draws nothing from the RNG.
    pub(crate) fn send(
        &mut self,
        rng: &mut ChaCha20Rng,
        envelope: TransportEnvelope,
    ) -> (Vec<Copy>, Vec<(TransportEnvelope, Fault)>) {
        let f = self.faults;
        let mut copies = Vec::new();
        let mut faults = Vec::new();
        if f.replay > 0.0 && chance(rng) < f.replay && !self.recent.is_empty() {
            let pick = index(rng, self.recent.len());
            if let Some(old) = self.recent.get(pick).cloned() {
                faults.push((old.clone(), Fault::Replay));
                copies.push(Copy {
                    envelope: old,
                    delay_ms: jitter(rng, LATENCY_MS),
                    tampered: false,
                });
            }
        }
        if matches!(envelope.payload, Payload::Signal { .. }) {
            self.recent.push_back(envelope.clone());
            while self.recent.len() > REPLAY_MEMORY {
                self.recent.pop_front();
            }
        }
        if f.drop > 0.0 && chance(rng) < f.drop {
            faults.push((envelope, Fault::Drop));
            return (copies, faults);
        }
        let n = if f.duplicate > 0.0 && chance(rng) < f.duplicate {
            faults.push((envelope.clone(), Fault::Duplicate));
            2
        } else {
            1
        };
        for _ in 0..n {
            let mut delay_ms = jitter(rng, LATENCY_MS);
            if f.reorder > 0.0 && chance(rng) < f.reorder {
                faults.push((envelope.clone(), Fault::Reorder));
                delay_ms += jitter(rng, REORDER_DELAY_MS);
            }
            let mut copy = envelope.clone();
            let mut tampered = false;
            if f.tamper > 0.0
                && chance(rng) < f.tamper
                && let Payload::Signal { bytes } = &mut copy.payload
            {
                let bit = index(rng, bytes.len() * 8);
                if let Some(b) = bytes.get_mut(bit / 8) {
                    *b ^= 1 << (bit % 8);
                    tampered = true;
                    faults.push((envelope.clone(), Fault::Tamper));
                }
            }
            copies.push(Copy {
                envelope: copy,
                delay_ms,
                tampered,
            });
        }
        (copies, faults)
    }
}
