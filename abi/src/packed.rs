//! Long lists of integers in the metadata, written as one run of little-endian bytes rather
//! than one postcard varint each: the runtime reads them at every start, and decoding a varint
//! through serde costs some 80 instructions where this costs a few (SQLite's 1,500 functions
//! have three such lists).

use alloc::vec::Vec;
use core::fmt;
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// A list of values, each stored as a fixed number of little-endian bytes.
pub trait Packed: Sized {
    const BYTES: usize;
    fn write(&self, out: &mut Vec<u8>);
    /// `bytes` is exactly [`Packed::BYTES`] long.
    fn read(bytes: &[u8]) -> Self;
}

impl Packed for u32 {
    const BYTES: usize = 4;
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    // Inlined even where the runtime is built for size, as the loop's whole body.
    #[inline(always)]
    fn read(bytes: &[u8]) -> u32 {
        u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
    }
}

impl Packed for (u32, u32) {
    const BYTES: usize = 8;
    fn write(&self, out: &mut Vec<u8>) {
        self.0.write(out);
        self.1.write(out);
    }
    #[inline(always)]
    fn read(bytes: &[u8]) -> (u32, u32) {
        (u32::read(&bytes[..4]), u32::read(&bytes[4..]))
    }
}

/// For `#[serde(with = "crate::packed")]` on a `Vec` of [`Packed`] values.
pub fn serialize<T: Packed, S: Serializer>(values: &[T], serializer: S) -> Result<S::Ok, S::Error> {
    let mut bytes = Vec::with_capacity(values.len() * T::BYTES);
    for value in values {
        value.write(&mut bytes);
    }
    serializer.serialize_bytes(&bytes)
}

/// For `#[serde(with = "crate::packed")]` on a `Vec` of [`Packed`] values.
pub fn deserialize<'de, T: Packed, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    deserializer.deserialize_bytes(PackedVisitor(core::marker::PhantomData))
}

struct PackedVisitor<T>(core::marker::PhantomData<T>);

impl<T: Packed> Visitor<'_> for PackedVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a multiple of {} bytes", T::BYTES)
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Vec<T>, E> {
        if !bytes.len().is_multiple_of(T::BYTES) {
            return Err(E::invalid_length(bytes.len(), &self));
        }
        Ok(bytes.chunks_exact(T::BYTES).map(T::read).collect())
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;
    use alloc::vec::Vec;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Lists {
        #[serde(with = "crate::packed")]
        words: Vec<u32>,
        #[serde(with = "crate::packed")]
        pairs: Vec<(u32, u32)>,
        after: u8,
    }

    #[test]
    fn lists_round_trip_as_little_endian_bytes() {
        let lists = Lists {
            words: vec![0, 1, 0x1234_5678, u32::MAX],
            pairs: vec![(7, 9), (u32::MAX, 0)],
            after: 42,
        };
        let bytes = postcard::to_allocvec(&lists).unwrap();
        // A length, then 4 bytes a word, least significant first.
        assert_eq!(&bytes[..9], &[16, 0, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(postcard::from_bytes::<Lists>(&bytes).unwrap(), lists);
        let empty = Lists {
            words: vec![],
            pairs: vec![],
            after: 0,
        };
        let bytes = postcard::to_allocvec(&empty).unwrap();
        assert_eq!(postcard::from_bytes::<Lists>(&bytes).unwrap(), empty);
    }

    #[test]
    fn a_ragged_list_is_an_error_not_a_panic() {
        // Words of 5 bytes: a length of 5, then the bytes.
        let bytes = [5, 1, 2, 3, 4, 5, 0, 0];
        assert!(postcard::from_bytes::<Lists>(&bytes).is_err());
        // Cut short.
        assert!(postcard::from_bytes::<Lists>(&[8, 1, 2]).is_err());
    }
}
