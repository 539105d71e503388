//! The instructor's business at work: a promotional blast to everyone who
//! wrote, the way a spammer would send it. Each text goes out as the
//! business's own Graph API request (the in-process business server builds
//! it with its access token), so the Cloud API, the transport and its
//! integrity monitor treat it like any other send.
//!
//! A blast sends `count` texts round-robin over the consumers whose
//! customer service window is open (the business may send them free-form
//! text), as the Cloud API counts the windows. The Graph API accepts each
//! one; the transport's integrity monitor counts the business's sends per
//! window and, past its throttle, refuses the envelopes: the business sees
//! them fail by status webhook, the room sees them stop. The blast itself
//! reports only what the Graph API said.

use serde_json::{Value, json};

use super::InputError;
use crate::router::Simulation;

/// The most texts one blast may send.
pub const MAX_BLAST: u32 = 500;

/// Sends `count` copies of `text` round-robin to the consumers inside the
/// business's customer service window, in number order. Refused (changing
/// nothing) when `count` is 0 or above [`MAX_BLAST`], when the business is
/// unknown, or when nobody's window is open.
pub fn blast(
    sim: &mut Simulation,
    phone_number_id: &str,
    text: &str,
    count: u32,
) -> Result<Value, InputError> {
    if count == 0 || count > MAX_BLAST {
        return Err(InputError::BadBlast(format!(
            "count must be 1 to {MAX_BLAST}, not {count}"
        )));
    }
    // Every check first: a refused blast sends nothing.
    if sim.businesses().get(phone_number_id).is_none() {
        return Err(InputError::Refused(
            crate::router::SimError::UnknownBusiness(phone_number_id.to_owned()),
        ));
    }
    let now = sim.now_ms();
    let recipients: Vec<String> = sim
        .cloud_api()
        .number(phone_number_id)
        .ok_or_else(|| {
            InputError::Refused(crate::router::SimError::UnknownBusiness(
                phone_number_id.to_owned(),
            ))
        })?
        .windows()
        .into_iter()
        .filter(|(_, closes)| *closes > now)
        .map(|(consumer, _)| consumer.wa_id().to_owned())
        .collect();
    if recipients.is_empty() {
        return Err(InputError::BadBlast(
            "nobody wrote to this business within 24 hours: there is no one it may send free-form text to"
                .to_owned(),
        ));
    }
    let (mut accepted, mut refused) = (0u32, 0u32);
    let mut first_error = None;
    for to in recipients.iter().cycle().take(count as usize) {
        let answer = sim.business_send_text(phone_number_id, to, text)?;
        if answer.status == 200 {
            accepted += 1;
        } else {
            refused += 1;
            if first_error.is_none() {
                first_error = serde_json::from_slice::<Value>(&answer.body).ok();
            }
        }
    }
    Ok(json!({
        "recipients": recipients.len(),
        "accepted": accepted,
        "refused": refused,
        "first_error": first_error,
    }))
}

#[cfg(test)]
mod tests;
