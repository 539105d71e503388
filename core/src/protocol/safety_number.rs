//! Safety numbers (being written).
