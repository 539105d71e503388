//! The rest of Meta: every part of Meta other than WhatsApp and the Cloud
//! API's processing for businesses. It has no access to any other party's
//! state and asks for nothing: it only keeps what it is given, so what it
//! could see is exactly what was delivered to it.

use rand_core::CryptoRng;
use serde::Serialize;

use crate::business_manager::BusinessRecord;
use crate::party::{Outbox, Party};
use crate::phone::PhoneNumber;
use crate::trace::EventKind;
use crate::transport::integrity::BusinessSignals;
use crate::wire::{Address, Internal, Message, StatisticsReport};

/// What the rest of Meta has been given, as given.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RestOfMeta {
    /// The Cloud API's latest statistics.
    pub statistics: Option<StatisticsReport>,
    /// Business records, by phone number id.
    pub businesses: crate::maps::SortedMap<String, BusinessRecord>,
    /// Messages billed, by phone number id.
    pub billing: Vec<(String, u64)>,
    /// Message texts (only ever under a breach).
    pub message_texts: Vec<String>,
    /// Consumer numbers (only ever under a breach).
    pub consumer_numbers: Vec<PhoneNumber>,
    /// Integrity signals by business (only ever under a breach).
    pub integrity: crate::maps::SortedMap<PhoneNumber, BusinessSignals>,
    #[serde(skip)]
    out: Outbox,
}

impl Party for RestOfMeta {
    fn handle<R: CryptoRng>(
        &mut self,
        _now_ms: u64,
        _rng: &mut R,
        from: &Address,
        _to: &Address,
        message: Message,
    ) {
        match message {
            Message::Internal(Internal::Statistics(report)) => self.statistics = Some(report),
            Message::Internal(Internal::BusinessInformation(record)) => {
                self.businesses
                    .insert(record.phone_number_id.clone(), record);
            }
            Message::Internal(Internal::Billing {
                phone_number_id,
                billed_messages,
            }) => {
                crate::transport::upsert(&mut self.billing, phone_number_id, billed_messages);
            }
            Message::Internal(Internal::ContentCopy { text }) => self.message_texts.push(text),
            Message::Internal(Internal::ConsumerNumbers { numbers }) => {
                self.consumer_numbers.extend(numbers);
            }
            Message::Internal(Internal::IntegritySignals { business, signals }) => {
                self.integrity.insert(business, signals);
            }
            other => self.out.event(EventKind::Failure {
                by: "rest_of_meta".to_owned(),
                what: format!("{} from {from}", other.name()),
                error: "dropped: the rest of Meta only keeps what Meta's systems share".to_owned(),
                code: None,
            }),
        }
    }

    fn outbox(&mut self) -> &mut Outbox {
        &mut self.out
    }
}
