//! A cursor over untrusted bytes: every read checks the remaining length first.

use crate::keys::PublicKey;
use crate::wire::DecodeError;

pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let (head, tail) = self
            .rest
            .split_at_checked(n)
            .ok_or_else(|| DecodeError::Truncated {
                field,
                needed: n.saturating_sub(self.rest.len()),
            })?;
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        let b = self.take(1, field)?;
        Ok(b.first().copied().unwrap_or_default())
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        let b = self.take(4, field)?;
        let mut arr = [0u8; 4];
        arr.copy_from_slice(b);
        Ok(u32::from_be_bytes(arr))
    }

    pub(crate) fn public_key(&mut self, field: &'static str) -> Result<PublicKey, DecodeError> {
        let b = self.take(crate::keys::ENCODED_LEN, field)?;
        PublicKey::decode(b).map_err(|error| DecodeError::BadKey { field, error })
    }

    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                extra: self.rest.len(),
            })
        }
    }
}
