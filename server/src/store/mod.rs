//! The data directory (`--data DIR`), created on first start:
//!
//! ```text
//! DIR/key                    32 random bytes, mode 0600: the data key
//! DIR/cipherflow.sqlite3     SQLite (WAL), every value sealed under the key
//! ```
//!
//! The database holds the world's seed and settings (`meta`) and the journal:
//! every input the parties were given, in order, with the time it was given
//! at. The parties are deterministic given their seed and their inputs, so
//! replaying the journal rebuilds every party exactly: the Cloud API's message
//! store and its retention, its Signal keys and sessions, the transport's
//! queues and prekey directory, the webhook deliveries and their attempts.
//! A row is committed before anything it caused leaves the process (an HTTP
//! answer, a webhook POST), so a `kill -9` at any moment loses only inputs
//! nobody was told about.
//!
//! - `seal.rs`: ChaCha20-Poly1305 per row under the data key.

pub mod seal;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

use seal::{DataKey, SealError};

/// The database file's name in the data directory.
pub const DB_FILE: &str = "cipherflow.sqlite3";
/// The key file's name in the data directory.
pub const KEY_FILE: &str = "key";
/// The schema this code writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// Why the data directory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file could not be created or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The key file is not 32 bytes.
    #[error("{0}: the key file must hold exactly 32 bytes")]
    BadKey(PathBuf),
    /// SQLite refused.
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A sealed value did not open.
    #[error("database row {row}: {source}")]
    Seal {
        /// The row.
        row: u64,
        /// Why.
        source: SealError,
    },
    /// A database written by another version.
    #[error("the database has schema version {0}; this cipherflow reads version {SCHEMA_VERSION}")]
    Schema(i64),
}

/// One journal row, opened.
pub struct JournalRow {
    /// Its position.
    pub seq: u64,
    /// The world's time when it was applied, ms since the epoch.
    pub at_ms: u64,
    /// The input, as written by the engine.
    pub input: Zeroizing<Vec<u8>>,
}

/// The open data directory.
pub struct Store {
    conn: Connection,
    key: DataKey,
    dir: PathBuf,
    next_seq: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads the key file, or creates it (readable by its owner only).
fn load_or_create_key(path: &Path) -> Result<DataKey, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            let key: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::BadKey(path.to_owned()))?;
            Ok(DataKey::from_bytes(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = DataKey::generate().map_err(|source| StoreError::Seal { row: 0, source })?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(io(path))?;
            std::io::Write::write_all(&mut file, key.bytes()).map_err(io(path))?;
            file.sync_all().map_err(io(path))?;
            Ok(key)
        }
        Err(e) => Err(io(path)(e)),
    }
}

impl Store {
    /// Opens the data directory, creating what is missing.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        let key = load_or_create_key(&dir.join(KEY_FILE))?;
        let conn = Connection::open(dir.join(DB_FILE))?;
        // WAL with NORMAL sync: a committed row survives the process being
        // killed at any moment (it is in the operating system's hands); only
        // a power cut can lose the last few.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (
                 name  TEXT PRIMARY KEY,
                 value BLOB NOT NULL
             );
             CREATE TABLE IF NOT EXISTS journal (
                 seq    INTEGER PRIMARY KEY,
                 at_ms  INTEGER NOT NULL,
                 kind   TEXT NOT NULL,
                 sealed BLOB NOT NULL
             );",
        )?;
        let version: Option<i64> = conn
            .query_row("SELECT value FROM meta WHERE name = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match version {
            None => {
                conn.execute(
                    "INSERT INTO meta (name, value) VALUES ('schema', ?1)",
                    params![SCHEMA_VERSION],
                )?;
            }
            Some(SCHEMA_VERSION) => {}
            Some(other) => return Err(StoreError::Schema(other)),
        }
        let last: Option<i64> = conn.query_row("SELECT MAX(seq) FROM journal", [], |r| r.get(0))?;
        Ok(Self {
            conn,
            key,
            dir: dir.to_owned(),
            next_seq: last.map_or(1, |s| s as u64 + 1),
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A sealed value from `meta`, opened, if it is there.
    pub fn meta(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?;
        sealed
            .map(|s| {
                self.key
                    .open(&format!("meta {name}"), 0, &s)
                    .map_err(|source| StoreError::Seal { row: 0, source })
            })
            .transpose()
    }

    /// Seals and writes a value into `meta`.
    pub fn set_meta(&mut self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        let sealed = self
            .key
            .seal(&format!("meta {name}"), 0, value)
            .map_err(|source| StoreError::Seal { row: 0, source })?;
        self.conn.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            params![name, sealed],
        )?;
        Ok(())
    }

    /// Appends an input to the journal, sealed; committed when this returns.
    /// `kind` is its name, kept in clear for inspection (never its content).
    pub fn append(&mut self, at_ms: u64, kind: &str, input: &[u8]) -> Result<u64, StoreError> {
        let seq = self.next_seq;
        let sealed = self
            .key
            .seal("journal", seq, input)
            .map_err(|source| StoreError::Seal { row: seq, source })?;
        self.conn.execute(
            "INSERT INTO journal (seq, at_ms, kind, sealed) VALUES (?1, ?2, ?3, ?4)",
            params![seq as i64, at_ms as i64, kind, sealed],
        )?;
        self.next_seq += 1;
        Ok(seq)
    }

    /// Every journal row, oldest first, opened.
    pub fn journal(&self) -> Result<Vec<JournalRow>, StoreError> {
        self.journal_since(0)
    }

    /// The journal rows from `since` on, oldest first, opened.
    pub fn journal_since(&self, since: u64) -> Result<Vec<JournalRow>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT seq, at_ms, sealed FROM journal WHERE seq >= ?1 ORDER BY seq")?;
        let rows = statement.query_map(params![since as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at_ms, sealed) = row?;
            let seq = seq as u64;
            let input = self
                .key
                .open("journal", seq, &sealed)
                .map_err(|source| StoreError::Seal { row: seq, source })?;
            out.push(JournalRow {
                seq,
                at_ms: at_ms as u64,
                input,
            });
        }
        Ok(out)
    }

    /// How many rows the journal has.
    pub fn journal_len(&self) -> u64 {
        self.next_seq - 1
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("cipherflow-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_journal_survives_reopening_and_holds_no_plaintext() {
        let dir = temp_dir("reopen");
        {
            let mut store = Store::open(&dir).unwrap();
            store.set_meta("seed", &[1; 32]).unwrap();
            assert_eq!(store.append(10, "graph", b"secret text one").unwrap(), 1);
            assert_eq!(store.append(20, "graph", b"secret text two").unwrap(), 2);
        }
        let mut store = Store::open(&dir).unwrap();
        assert_eq!(store.meta("seed").unwrap().unwrap().as_slice(), &[1; 32]);
        assert_eq!(store.append(30, "advance", b"three").unwrap(), 3);
        let rows = store.journal().unwrap();
        let texts: Vec<&[u8]> = rows.iter().map(|r| r.input.as_slice()).collect();
        assert_eq!(
            texts,
            [&b"secret text one"[..], b"secret text two", b"three"]
        );
        assert_eq!(
            rows.iter().map(|r| r.at_ms).collect::<Vec<_>>(),
            [10, 20, 30]
        );
        drop(store);
        for file in std::fs::read_dir(&dir).unwrap() {
            let bytes = std::fs::read(file.unwrap().path()).unwrap();
            assert!(!bytes.windows(6).any(|w| w == b"secret"));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_wrong_key_or_a_short_key_file_is_refused() {
        let dir = temp_dir("wrongkey");
        {
            let mut store = Store::open(&dir).unwrap();
            store.append(1, "graph", b"x").unwrap();
        }
        std::fs::write(dir.join(KEY_FILE), [0u8; 32]).unwrap();
        let store = Store::open(&dir).unwrap();
        assert!(matches!(
            store.journal(),
            Err(StoreError::Seal {
                row: 1,
                source: SealError::Forged
            })
        ));
        std::fs::write(dir.join(KEY_FILE), [0u8; 31]).unwrap();
        assert!(matches!(Store::open(&dir), Err(StoreError::BadKey(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
