//! The Signal-style protocol: X3DH, the Double Ratchet, the wire format.

pub mod safety_number;
