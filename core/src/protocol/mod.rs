//! The Signal-style protocol, profile "cipherflow v1": X3DH, the Double Ratchet,
//! the wire format, sessions and their pickles, and safety numbers.

pub mod account;
pub mod account_pickle;
pub mod bundle;
pub mod pickle;
pub mod ratchet;
pub mod safety_number;
pub mod session;
pub mod session_record;
pub mod wire;
pub mod x3dh;

pub use account::{Account, AccountError};
pub use bundle::PreKeyBundle;
pub use session::{Role, Session, SessionError, SessionSnapshot};
pub use session_record::SessionRecord;
