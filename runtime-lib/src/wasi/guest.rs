//! Checked access to the calling program's memory: every guest pointer is bounds-checked before
//! it is touched.

use super::Errno;
use crate::func::Caller;
use crate::memory::Memory;

pub struct Guest<'a> {
    memory: &'a Memory,
}

impl<'a> Guest<'a> {
    pub fn of(caller: &'a Caller<'_>) -> Result<Guest<'a>, Errno> {
        caller
            .memory(0)
            .map(|memory| Guest { memory })
            .ok_or(Errno::Fault)
    }

    pub fn bytes(&self, ptr: u32, len: u32) -> Result<&'a mut [u8], Errno> {
        self.memory
            .slice(u64::from(ptr), u64::from(len))
            .ok_or(Errno::Fault)
    }

    pub fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        let b = self.bytes(ptr, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn write_u32(&self, ptr: u32, value: u32) -> Result<(), Errno> {
        self.bytes(ptr, 4)?.copy_from_slice(&value.to_le_bytes());
        Ok(())
    }

    pub fn write_u64(&self, ptr: u32, value: u64) -> Result<(), Errno> {
        self.bytes(ptr, 8)?.copy_from_slice(&value.to_le_bytes());
        Ok(())
    }

    /// The `(ptr, len)` pairs of an iovec array.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
        (0..count)
            .map(|i| {
                let at = ptr
                    .checked_add(i.checked_mul(8).ok_or(Errno::Fault)?)
                    .ok_or(Errno::Fault)?;
                Ok((
                    self.read_u32(at)?,
                    self.read_u32(at.checked_add(4).ok_or(Errno::Fault)?)?,
                ))
            })
            .collect()
    }
}
