//! The pickle readers (session and account, plain JSON and sealed) on
//! arbitrary input: none may panic, and whatever reads must write a pickle
//! that reads back to the same pickle.
#![no_main]

use cipherflow_protocol::{Account, Session};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(session) = Session::from_pickle(text) {
            let written = session.pickle();
            let again = Session::from_pickle(&written).expect("a session's own pickle reads back");
            assert_eq!(
                *again.pickle(),
                *written,
                "a session pickle does not round-trip"
            );
        }
        if let Ok(account) = Account::from_pickle(text) {
            let written = account.pickle();
            let again = Account::from_pickle(&written).expect("an account's own pickle reads back");
            assert_eq!(
                *again.pickle(),
                *written,
                "an account pickle does not round-trip"
            );
        }
    }
    // Sealed pickles: the first 32 bytes are the key, the rest the sealed bytes.
    if let Some((key, sealed)) = data.split_first_chunk::<32>() {
        let _ = Session::unseal(key, sealed);
        let _ = Account::unseal(key, sealed);
    }
});
