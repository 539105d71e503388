//! The people on stage: one consumer, one business, and for the spam blast a
//! crowd of extra consumers. Every world starts with the same cast.

use cipherflow_flow::{SimConfig, SimError, Simulation};

/// The consumer's number (E.164).
pub const CONSUMER: &str = "+16505551234";
/// The same number as the Graph API writes it (`wa_id`, digits only).
pub const CONSUMER_WA_ID: &str = "16505551234";
/// The consumer's profile name.
pub const CONSUMER_NAME: &str = "Ana";
/// The business's number (E.164).
pub const BUSINESS: &str = "+15550001111";
/// The business's name.
pub const BUSINESS_NAME: &str = "Acme Shoes";

/// Who the panes follow: the consumer whose phone the consumer pane shows,
/// and the business (for the demo's world, the constants above; in live
/// mode, the server's first consumer and business).
#[derive(Debug, Clone, PartialEq)]
pub struct Cast {
    /// The Graph API phone number id of the business.
    pub phone_number_id: String,
    /// The consumer's number (E.164).
    pub consumer: String,
    /// The business's number (E.164).
    pub business: String,
    /// The business's name.
    pub business_name: String,
}

impl Cast {
    /// The demo's cast, with the business's phone number id.
    pub fn demo(phone_number_id: String) -> Self {
        Self {
            phone_number_id,
            consumer: CONSUMER.to_owned(),
            business: BUSINESS.to_owned(),
            business_name: BUSINESS_NAME.to_owned(),
        }
    }
}

/// Consumer `i`: 0 is the main consumer, then +1 650 555 2001, 2002, ...
pub fn consumer_number(i: u32) -> String {
    if i == 0 {
        CONSUMER.to_owned()
    } else {
        format!("+1650555{:04}", 2000 + i)
    }
}

/// A new world with the cast registered.
pub fn new_world(seed: u64) -> Result<(Simulation, Cast), SimError> {
    let mut sim = Simulation::new(SimConfig {
        seed,
        ..SimConfig::default()
    })?;
    let handle = sim.add_business(BUSINESS, BUSINESS_NAME)?;
    sim.add_consumer(CONSUMER, CONSUMER_NAME)?;
    Ok((sim, Cast::demo(handle.phone_number_id)))
}
