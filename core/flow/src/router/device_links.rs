//! Devices outside the router: phones that run the consumer party themselves
//! (in a browser, over a WebSocket) and reach the transport through a live
//! server. The transport cannot tell them from the phones the router runs:
//! it gets the same [`ToTransport`] messages from their number and sends the
//! same [`FromTransport`] messages to it, which wait in
//! [`Simulation::poll_device_output`] for the caller to put on the socket.
//!
//! The router never holds their keys or their plaintext: the ledger records
//! what was delivered to them (ciphertext and metadata) and nothing else.
//! That a connection speaks for its number is the gate's business
//! (`crate::live::device_gate`); here every message is checked once more
//! against the number it came from.

use cipherflow_protocol::keys::PublicKey;

use crate::phone::PhoneNumber;
use crate::router::{SimError, Simulation};
use crate::wire::{
    AccountKind, Address, EnvelopeId, FromTransport, Message, PartyKind, PublishedKeys,
    ToTransport, Transmit,
};

impl Simulation {
    /// The identity key the transport's directory holds for `number`, if it is
    /// registered.
    pub fn registered_identity(&self, number: &PhoneNumber) -> Option<PublicKey> {
        self.transport.directory().identity_key(number)
    }

    /// A device outside the router proved it holds `number`'s identity key: it
    /// is attached (registering `keys` first, for a new number) and online.
    /// A number the router runs itself (a consumer, or a business number the
    /// Cloud API hosts) cannot be attached.
    pub fn attach_device(
        &mut self,
        number: &PhoneNumber,
        keys: Option<PublishedKeys>,
    ) -> Result<(), SimError> {
        if self.consumers.contains_key(number) || self.cloud.id_for_phone(number).is_some() {
            return Err(SimError::NumberTaken(number.clone()));
        }
        if keys.is_none() && self.registered_identity(number).is_none() {
            return Err(SimError::NotRegistered(number.clone()));
        }
        self.live.devices.insert(number.clone());
        // A connection that replaced another without a detach: what the
        // older one never acknowledged is queued again first.
        self.requeue_unacked(number);
        if let Some(keys) = keys {
            self.device_sends(
                number,
                ToTransport::Register {
                    number: number.clone(),
                    keys,
                    account: AccountKind::Consumer,
                },
            );
        }
        self.device_sends(
            number,
            ToTransport::Connect {
                number: number.clone(),
            },
        );
        self.flush();
        Ok(())
    }

    /// A message from an attached device. Every number it names as its own
    /// must be the device's.
    pub fn device_message(
        &mut self,
        number: &PhoneNumber,
        message: ToTransport,
    ) -> Result<(), SimError> {
        if !self.live.devices.contains(number) {
            return Err(SimError::DeviceNotAttached(number.clone()));
        }
        let claimed = match &message {
            ToTransport::Register { number, .. }
            | ToTransport::PublishPreKeys { number, .. }
            | ToTransport::Connect { number }
            | ToTransport::Disconnect { number } => number,
            ToTransport::FetchBundle { requester, .. } => requester,
            ToTransport::Submit { envelope, .. } => &envelope.from,
            ToTransport::Undelivered { envelope } => &envelope.to,
            ToTransport::SpamReport { reporter, .. } => reporter,
        };
        if claimed != number {
            return Err(SimError::WrongSender {
                expected: number.clone(),
                claimed: claimed.clone(),
            });
        }
        self.device_sends(number, message);
        self.flush();
        Ok(())
    }

    /// The device's connection closed: the transport queues for it from now
    /// on. It stays attached (its number is still its own) until it connects
    /// again. Nothing happens for a number that is not attached.
    pub fn detach_device(&mut self, number: &PhoneNumber) {
        if self.live.devices.contains(number) {
            self.requeue_unacked(number);
            self.device_sends(
                number,
                ToTransport::Disconnect {
                    number: number.clone(),
                },
            );
            self.flush();
        }
    }

    /// The device has the envelope `id` from `from`: the transport stops
    /// holding it for the device. An ack for nothing held changes nothing.
    pub fn device_ack(
        &mut self,
        number: &PhoneNumber,
        from: &PhoneNumber,
        id: EnvelopeId,
    ) -> Result<(), SimError> {
        if !self.live.devices.contains(number) {
            return Err(SimError::DeviceNotAttached(number.clone()));
        }
        if let Some(held) = self.live.unacked.get_mut(number) {
            held.retain(|e| !(e.id == id && e.from == *from));
            if held.is_empty() {
                self.live.unacked.remove(number);
            }
        }
        Ok(())
    }

    /// Envelopes handed to `number`'s device and not acknowledged yet.
    pub fn unacknowledged(&self, number: &PhoneNumber) -> usize {
        self.live.unacked.get(number).map_or(0, Vec::len)
    }

    /// What `number`'s device never acknowledged goes back to the transport's
    /// queue, as a copy the network lost would (`Undelivered`).
    fn requeue_unacked(&mut self, number: &PhoneNumber) {
        for envelope in self.live.unacked.remove(number).unwrap_or_default() {
            self.device_sends(number, ToTransport::Undelivered { envelope });
        }
    }

    /// Whether `number` is a device outside the router.
    pub fn is_external_device(&self, number: &PhoneNumber) -> bool {
        self.live.devices.contains(number)
    }

    /// The devices outside the router, in number order.
    pub fn external_devices(&self) -> impl Iterator<Item = &PhoneNumber> {
        self.live.devices.iter()
    }

    /// Whether the transport's network has `number` connected now.
    pub fn device_connected(&self, number: &PhoneNumber) -> bool {
        self.network.connected.contains(number)
    }

    /// The oldest message the transport sent an external device that the
    /// caller has not taken yet.
    pub fn poll_device_output(&mut self) -> Option<(PhoneNumber, FromTransport)> {
        self.live.device_out.pop_front()
    }

    fn device_sends(&mut self, number: &PhoneNumber, message: ToTransport) {
        self.immediate.push_back(Transmit {
            from: Address::Number(number.clone()),
            to: Address::Transport,
            message: Message::ToTransport(message),
        });
    }

    /// A message for an external device: recorded as held by a consumer's
    /// phone (what it carries is handed over the moment it leaves) and queued
    /// for the caller.
    pub(crate) fn hand_to_device(&mut self, t: Transmit) {
        let Address::Number(number) = &t.to else {
            return;
        };
        let via = self.kind_of(&t.from);
        self.record_carried(&t, PartyKind::Consumer, via);
        if let Message::FromTransport(m) = t.message {
            if let FromTransport::Deliver { envelope } = &m {
                self.live
                    .unacked
                    .or_default(number.clone())
                    .push(envelope.clone());
            }
            self.live.device_out.push_back((number.clone(), m));
        }
    }
}

#[cfg(test)]
mod tests;
