//! The room's phones as the server knows them: the phones that run their own
//! consumer client (a browser on an attendee's phone) and reach the
//! transport over a socket. Everything here is what the transport holds:
//! the number, the public keys it published, whether its socket is up, who
//! it exchanges envelopes with, how many and how large, and what waits for
//! it. Their plaintexts are not here because the server never had them:
//! they exist only on the phones.

use serde::Serialize;

use crate::phone::PhoneNumber;
use crate::router::Simulation;

/// One phone, as the server sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneRow {
    /// Its number, E.164.
    pub number: String,
    /// Whether its socket is up.
    pub connected: bool,
    /// The first 8 bytes of the identity public key it registered, hex.
    pub identity_key: String,
    /// One-time prekeys it published and nobody has taken yet.
    pub prekeys_left: usize,
    /// Envelopes it sent, in the transport's log (messages, receipts;
    /// retransmissions not counted again).
    pub sent: u64,
    /// Their bytes.
    pub sent_bytes: u64,
    /// Envelopes sent to it, in the log.
    pub received: u64,
    /// Their bytes.
    pub received_bytes: u64,
    /// The numbers it exchanged envelopes with, E.164, in number order.
    pub peers: Vec<String>,
    /// When the transport last accepted an envelope from or to it.
    pub last_seen_ms: Option<u64>,
    /// Envelopes waiting in the transport's queue for it.
    pub queued: usize,
    /// Envelopes handed to its socket and not acknowledged yet.
    pub unacknowledged: usize,
}

/// The phones outside the router, in number order (at most `limit`).
pub fn phones(sim: &Simulation, limit: usize) -> Vec<PhoneRow> {
    let transport = sim.transport();
    let mut rows: Vec<(PhoneNumber, PhoneRow)> = sim
        .external_devices()
        .take(limit)
        .map(|n| {
            let row = PhoneRow {
                number: n.to_string(),
                connected: sim.device_connected(n),
                identity_key: transport
                    .directory()
                    .identity_key(n)
                    .map(|k| hex::encode(k.encode().get(1..9).unwrap_or_default()))
                    .unwrap_or_default(),
                prekeys_left: transport.directory().one_time_prekeys_left(n),
                sent: 0,
                sent_bytes: 0,
                received: 0,
                received_bytes: 0,
                peers: Vec::new(),
                last_seen_ms: None,
                queued: transport.queues().get(n).len(),
                unacknowledged: sim.unacknowledged(n),
            };
            (n.clone(), row)
        })
        .collect();
    let mut peers: Vec<Vec<&PhoneNumber>> = vec![Vec::new(); rows.len()];
    // A sender's retransmission is the same envelope again: counted once.
    for m in transport.log().iter().filter(|m| !m.retransmission) {
        for (mine, theirs, outgoing) in [(&m.from, &m.to, true), (&m.to, &m.from, false)] {
            let Ok(i) = rows.binary_search_by(|(n, _)| n.cmp(mine)) else {
                continue;
            };
            let (Some((_, row)), Some(seen)) = (rows.get_mut(i), peers.get_mut(i)) else {
                continue;
            };
            let size = m.size as u64;
            if outgoing {
                row.sent += 1;
                row.sent_bytes += size;
            } else {
                row.received += 1;
                row.received_bytes += size;
            }
            row.last_seen_ms = Some(row.last_seen_ms.unwrap_or(0).max(m.at_ms));
            if !seen.contains(&theirs) {
                seen.push(theirs);
            }
        }
    }
    rows.into_iter()
        .zip(peers)
        .map(|((_, mut row), mut seen)| {
            seen.sort();
            row.peers = seen.into_iter().map(ToString::to_string).collect();
            row
        })
        .collect()
}
