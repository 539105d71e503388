//! XEdDSA over Curve25519 (being written).
