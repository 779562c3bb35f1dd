//! Checked access to the calling program's memory: every guest pointer is bounds-checked before
//! it is touched, and a bad one is `EFAULT`, never a host fault.

use super::Errno;
use crate::vm::instance::from_vmctx;
use crate::vm::memory::VmMemory;

/// The longest path argument accepted (the host's own limit, PATH_MAX, is far lower; this only
/// keeps a program from having the runtime copy huge buffers).
pub const MAX_PATH: u32 = 1 << 16;

/// The caller's linear memory (a module without one gets `EFAULT` from every access).
pub struct Guest<'a> {
    memory: Option<&'a VmMemory>,
}

impl<'a> Guest<'a> {
    /// The memory 0 of the instance whose vmctx is `caller_vmctx` (none when null). The
    /// instance outlives the host call this guest is made for.
    pub fn of(caller_vmctx: *mut u8) -> Guest<'a> {
        Guest {
            memory: from_vmctx(caller_vmctx).and_then(|i| i.memories.first().map(|m| &**m)),
        }
    }

    /// The bytes `[ptr, ptr + len)`. Callers hold the slice only for the current WASI call.
    pub fn bytes(&self, ptr: u32, len: u32) -> Result<&'a mut [u8], Errno> {
        self.memory
            .and_then(|m| m.slice(u64::from(ptr), u64::from(len)))
            .ok_or(Errno::Fault)
    }

    /// A copy of `[ptr, ptr + len)`.
    pub fn read_bytes(&self, ptr: u32, len: u32) -> Result<Vec<u8>, Errno> {
        Ok(self.bytes(ptr, len)?.to_vec())
    }

    pub fn write_bytes(&self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::Fault)?;
        self.bytes(ptr, len)?.copy_from_slice(data);
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
                (
                    u32::from_le_bytes([e[0], e[1], e[2], e[3]]),
                    u32::from_le_bytes([e[4], e[5], e[6], e[7]]),
                )
            })
            .collect())
    }

    /// The iovec array at `ptr` as host iovecs pointing into guest memory, every buffer checked.
    /// They stay valid for the current WASI call only. (Raw pointers, not slices: a program may
    /// pass overlapping buffers.)
    pub fn host_iovecs(&self, ptr: u32, count: u32) -> Result<Vec<libc::iovec>, Errno> {
        self.iovecs(ptr, count)?
            .into_iter()
            .map(|(base, len)| {
                Ok(libc::iovec {
                    iov_base: self.raw(base, len)?.cast(),
                    iov_len: len as usize,
                })
            })
            .collect()
    }

    /// A raw pointer to `[ptr, ptr + len)`, checked to lie inside the memory.
    fn raw(&self, ptr: u32, len: u32) -> Result<*mut u8, Errno> {
        let memory = self.memory.ok_or(Errno::Fault)?;
        if u64::from(ptr) + u64::from(len) > memory.len() {
            return Err(Errno::Fault);
        }
        // SAFETY: the offset lies inside the accessible part of the memory's reservation.
        Ok(unsafe { memory.base().add(ptr as usize) })
    }

    /// A path argument: its bytes, refused if not UTF-8 (WASI paths are strings) or longer
    /// than [`MAX_PATH`].
    pub fn path(&self, ptr: u32, len: u32) -> Result<Vec<u8>, Errno> {
        if len > MAX_PATH {
            return Err(Errno::Nametoolong);
        }
        let bytes = self.read_bytes(ptr, len)?;
        std::str::from_utf8(&bytes).map_err(|_| Errno::Ilseq)?;
        Ok(bytes)
    }
}
