//! Checked access to the calling program's memory: every guest pointer is bounds-checked before
//! it is touched, and a bad one is `EFAULT`, never a host fault.

use crate::prelude::*;

use core::cell::Cell;

use wasmaot_runtime::Caller;

use super::sys::cells;
use super::sys::io::HostIovecs;
use super::Errno;

/// The longest path argument accepted (the host's own limit, PATH_MAX, is far lower; this only
/// keeps a program from having the runtime copy huge buffers).
pub const MAX_PATH: u32 = 1 << 16;

/// The caller's linear memory (a module without one gets `EFAULT` from every access), as
/// cells: WASI calls read and write it in any order through shared references, and a program
/// may pass overlapping buffers.
pub struct Guest<'a> {
    memory: Option<&'a [Cell<u8>]>,
}

impl<'a> Guest<'a> {
    /// The memory 0 of the calling instance, borrowed from the caller for one WASI call.
    pub fn of(caller: &'a mut Caller<'_>) -> Guest<'a> {
        let memory = caller
            .memory_data_mut(0)
            .map(|bytes| Cell::from_mut(bytes).as_slice_of_cells());
        Guest { memory }
    }

    /// The bytes `[ptr, ptr + len)`.
    pub fn bytes(&self, ptr: u32, len: u32) -> Result<&'a [Cell<u8>], Errno> {
        let memory = self.memory.ok_or(Errno::Fault)?;
        let end = ptr.checked_add(len).ok_or(Errno::Fault)?;
        memory.get(ptr as usize..end as usize).ok_or(Errno::Fault)
    }

    /// A copy of `[ptr, ptr + len)`.
    pub fn read_bytes(&self, ptr: u32, len: u32) -> Result<Vec<u8>, Errno> {
        let cells = self.bytes(ptr, len)?;
        let mut bytes = vec![0; cells.len()];
        cells::copy_from(&mut bytes, cells);
        Ok(bytes)
    }

    pub fn write_bytes(&self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::Fault)?;
        cells::copy_into(self.bytes(ptr, len)?, data);
        Ok(())
    }

    pub fn write_u32(&self, ptr: u32, value: u32) -> Result<(), Errno> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    pub fn write_u64(&self, ptr: u32, value: u64) -> Result<(), Errno> {
        self.write_bytes(ptr, &value.to_le_bytes())
    }

    /// Write a 32-bit guest value (a size or a descriptor) given as a host `usize`.
    pub fn write_size(&self, ptr: u32, value: usize) -> Result<(), Errno> {
        self.write_u32(ptr, u32::try_from(value).map_err(|_| Errno::Overflow)?)
    }

    /// The `(ptr, len)` pairs of an iovec (or ciovec) array of `count` entries at `ptr`.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
        let table = self.bytes(ptr, count.checked_mul(8).ok_or(Errno::Fault)?)?;
        Ok(table
            .chunks_exact(8)
            .map(|e| {
                let word = |i: usize| {
                    u32::from_le_bytes([e[i].get(), e[i + 1].get(), e[i + 2].get(), e[i + 3].get()])
                };
                (word(0), word(4))
            })
            .collect())
    }

    /// The iovec array at `ptr` (at most `count` entries) as host iovecs pointing into guest
    /// memory, every buffer checked. They borrow the memory for the current WASI call.
    pub fn host_iovecs(&self, ptr: u32, count: u32) -> Result<HostIovecs<'a>, Errno> {
        let buffers = self
            .iovecs(ptr, count)?
            .into_iter()
            .map(|(base, len)| self.bytes(base, len))
            .collect::<Result<Vec<_>, Errno>>()?;
        Ok(HostIovecs::new(buffers.into_iter()))
    }

    /// A path argument: its bytes, refused if not UTF-8 (WASI paths are strings) or longer
    /// than [`MAX_PATH`].
    pub fn path(&self, ptr: u32, len: u32) -> Result<Vec<u8>, Errno> {
        if len > MAX_PATH {
            return Err(Errno::Nametoolong);
        }
        let bytes = self.read_bytes(ptr, len)?;
        core::str::from_utf8(&bytes).map_err(|_| Errno::Ilseq)?;
        Ok(bytes)
    }
}
