//! Checked access to the calling program's memory: every guest pointer is bounds-checked before
//! it is touched, and a bad one is `EFAULT`, never a host fault.

use crate::prelude::*;

use core::cell::Cell;
use core::ffi::CStr;
use core::mem::MaybeUninit;

use wasmaot_runtime::Caller;

use super::sys::cells;
use super::sys::fs as host;
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
    fn iovec_entries(
        &self,
        ptr: u32,
        count: u32,
    ) -> Result<impl Iterator<Item = (u32, u32)> + 'a, Errno> {
        let table = self.bytes(ptr, count.checked_mul(8).ok_or(Errno::Fault)?)?;
        Ok(table.chunks_exact(8).map(|e| {
            let word = |i: usize| {
                u32::from_le_bytes([e[i].get(), e[i + 1].get(), e[i + 2].get(), e[i + 3].get()])
            };
            (word(0), word(4))
        }))
    }

    /// The iovec array at `ptr` (at most `count` entries) as host iovecs pointing into guest
    /// memory, every buffer checked. They borrow the memory for the current WASI call.
    /// A few buffers (the usual case: one `write` or `printf`) are held without allocating.
    pub fn host_iovecs(&self, ptr: u32, count: u32) -> Result<HostIovecs<'a>, Errno> {
        let entries = self.iovec_entries(ptr, count)?;
        HostIovecs::new(entries.map(|(base, len)| self.bytes(base, len)))
    }

    /// A path argument, made a C string for the host in `buf`: refused if not UTF-8 (WASI
    /// paths are strings), if it contains NUL (no host call could take it) or if longer than
    /// [`MAX_PATH`]. The caller keeps `buf`, so the path is copied once and never moved.
    pub fn path<'b>(&self, ptr: u32, len: u32, buf: &'b mut PathBuf) -> Result<&'b CStr, Errno> {
        if len > MAX_PATH {
            return Err(Errno::Nametoolong);
        }
        let cells = self.bytes(ptr, len)?;
        let with_nul = if cells.len() < buf.short.len() {
            cells::copy_with_nul(&mut buf.short, cells)
        } else {
            buf.long.clear();
            buf.long.resize(cells.len() + 1, 0);
            cells::copy_from(&mut buf.long[..cells.len()], cells);
            &mut buf.long[..]
        };
        host::path_c_str(with_nul)
    }
}

/// Paths shorter than this are copied onto the stack, not allocated.
const SHORT_PATH: usize = 256;

/// Room for one path argument (see [`Guest::path`]), on the caller's stack.
pub struct PathBuf {
    /// Not zeroed first: only what a path writes is read.
    short: [MaybeUninit<u8>; SHORT_PATH],
    long: Vec<u8>,
}

impl Default for PathBuf {
    fn default() -> PathBuf {
        PathBuf {
            short: [MaybeUninit::uninit(); SHORT_PATH],
            long: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_every_length_read_the_same() {
        let mut memory = vec![b'p'; 1024];
        memory[1000] = 0xff;
        memory[900..902].copy_from_slice("é".as_bytes());
        memory[800] = 0;
        let guest = Guest {
            memory: Some(Cell::from_mut(&mut memory[..]).as_slice_of_cells()),
        };
        let mut reused = PathBuf::default();
        for len in [0, 1, 255, 256, 257, 799, 300, 0, 255] {
            let mut fresh = PathBuf::default();
            let path = guest.path(1, len, &mut fresh).unwrap();
            assert_eq!(
                path.to_bytes(),
                &vec![b'p'; len as usize][..],
                "{len} bytes"
            );
            let path = guest.path(1, len, &mut reused).unwrap();
            assert_eq!(
                path.to_bytes(),
                &vec![b'p'; len as usize][..],
                "{len} bytes again"
            );
        }
        let path = guest.path(899, 4, &mut reused).unwrap();
        assert_eq!(path.to_str(), Ok("pép"));
        let mut buf = PathBuf::default();
        assert_eq!(guest.path(999, 2, &mut buf).err(), Some(Errno::Ilseq));
        assert_eq!(guest.path(799, 3, &mut buf).err(), Some(Errno::Inval));
        assert_eq!(guest.path(700, 300, &mut buf).err(), Some(Errno::Inval));
        assert_eq!(guest.path(1000, 100, &mut buf).err(), Some(Errno::Fault));
        let too_long = guest.path(0, MAX_PATH + 1, &mut buf);
        assert_eq!(too_long.err(), Some(Errno::Nametoolong));
    }
}
