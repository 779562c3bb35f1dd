//! Linear memories as the host sees them. Views borrow the store: `data` while the store is
//! shared, `data_mut` while it is borrowed mutably, so no view outlives or overlaps a call into
//! wasm code or a `grow`.

use crate::prelude::*;

use alloc::sync::Arc;

use wasmaot_abi::metadata::{MemoryStrategy, MemoryType};

use crate::store::{AsContext, AsContextMut, Stored};
use crate::vm::error::Error;
use crate::vm::memory::VmMemory;

/// Address space a memory the host creates reserves: 4 GiB plus a 2 GiB guard region, enough
/// for modules compiled with or without explicit bounds checks to import it.
const HOST_MEMORY_RESERVATION: u64 = (1 << 32) + (2 << 30);

/// A linear memory of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Memory(pub(crate) Stored);

impl Memory {
    /// A memory of type `ty`, owned by the host (to give to instances as an import).
    pub fn new(store: &mut impl AsContextMut, ty: MemoryType) -> Result<Memory, Error> {
        let strategy = MemoryStrategy {
            reservation: HOST_MEMORY_RESERVATION,
            fixed_base: 0,
            fixed_vmctx: 0,
        };
        let store = store.as_context_mut();
        let vm = VmMemory::new(ty, strategy, store.max_memory)?;
        Ok(Memory(store.add_memory(Arc::new(vm))))
    }

    /// A memory of type `ty` that reserves only the address space it uses: its initial size,
    /// at least 64 MiB, at most its maximum or the store's memory limit. Growing past that
    /// moves it to a larger reservation. For hosts short of address space: only modules
    /// compiled with explicit bounds checks (`--bounds-checks explicit`) may import it, and
    /// instantiating any other module with it fails with [`Error::Link`].
    pub fn new_movable(store: &mut impl AsContextMut, ty: MemoryType) -> Result<Memory, Error> {
        let strategy = MemoryStrategy {
            reservation: 0,
            fixed_base: 0,
            fixed_vmctx: 0,
        };
        let store = store.as_context_mut();
        let vm = VmMemory::new(ty, strategy, store.max_memory)?;
        Ok(Memory(store.add_memory(Arc::new(vm))))
    }

    fn vm<'a>(&self, store: &'a impl AsContext) -> &'a VmMemory {
        let store = store.as_context();
        &store.memories[store.index(self.0)]
    }

    /// The memory's type (its limits in pages).
    pub fn ty(&self, store: &impl AsContext) -> MemoryType {
        self.vm(store).ty
    }

    /// The current size in pages (of the type's page size: 64 KiB unless it says 1 byte).
    pub fn size(&self, store: &impl AsContext) -> u64 {
        self.vm(store).pages()
    }

    /// The current size in bytes.
    pub fn data_size(&self, store: &impl AsContext) -> usize {
        self.vm(store).len() as usize
    }

    /// The memory's bytes.
    pub fn data<'a>(&self, store: &'a impl AsContext) -> &'a [u8] {
        let store = store.as_context();
        store.memory_bytes(store.index(self.0))
    }

    /// The memory's bytes, to change.
    pub fn data_mut<'a>(&self, store: &'a mut impl AsContextMut) -> &'a mut [u8] {
        let store = store.as_context_mut();
        let index = store.index(self.0);
        store.memory_bytes_mut(index)
    }

    /// Copy the bytes at `offset` into `buffer`.
    pub fn read(
        &self,
        store: &impl AsContext,
        offset: usize,
        buffer: &mut [u8],
    ) -> Result<(), Error> {
        let data = self.data(store);
        let bytes = offset
            .checked_add(buffer.len())
            .and_then(|end| data.get(offset..end))
            .ok_or_else(|| out_of_bounds(offset, buffer.len(), data.len()))?;
        buffer.copy_from_slice(bytes);
        Ok(())
    }

    /// Copy `bytes` into the memory at `offset`.
    pub fn write(
        &self,
        store: &mut impl AsContextMut,
        offset: usize,
        bytes: &[u8],
    ) -> Result<(), Error> {
        let data = self.data_mut(store);
        let size = data.len();
        let target = offset
            .checked_add(bytes.len())
            .and_then(|end| data.get_mut(offset..end))
            .ok_or_else(|| out_of_bounds(offset, bytes.len(), size))?;
        target.copy_from_slice(bytes);
        Ok(())
    }

    /// Grow by `delta` pages; the old size in pages.
    pub fn grow(&self, store: &mut impl AsContextMut, delta: u64) -> Result<u64, Error> {
        let vm = self.vm(store.as_context_mut());
        vm.grow(delta).ok_or_else(|| {
            Error::Resource(format!(
                "cannot grow a memory of {} pages by {delta} pages",
                vm.pages()
            ))
        })
    }
}

fn out_of_bounds(offset: usize, len: usize, size: usize) -> Error {
    Error::Access(format!(
        "{len} bytes at offset {offset} are outside a memory of {size} bytes"
    ))
}
