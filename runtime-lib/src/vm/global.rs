//! Global storage: a `VMGlobal` compiled code reads and writes (inside an instance's vmctx, or
//! boxed for globals the host creates), with the owner keeping it alive.

use crate::prelude::*;

use alloc::sync::Arc;
use core::any::Any;
use core::cell::UnsafeCell;

use wasmaot_abi::metadata::{GlobalType, ValType};
use wasmaot_abi::VMGlobal;

#[derive(Clone)]
pub struct VmGlobal {
    pub ptr: *mut VMGlobal,
    pub ty: GlobalType,
    pub owner: Arc<dyn Any + Send + Sync>,
}

// SAFETY: the storage is kept alive by `owner` and used by one thread at a time (its store is
// borrowed for every access and call).
unsafe impl Send for VmGlobal {}
// SAFETY: as above.
unsafe impl Sync for VmGlobal {}

struct HostGlobal(#[allow(dead_code)] Box<UnsafeCell<VMGlobal>>);
// SAFETY: see `VmGlobal`.
unsafe impl Send for HostGlobal {}
// SAFETY: see `VmGlobal`.
unsafe impl Sync for HostGlobal {}

impl VmGlobal {
    /// A global owned by the host, holding the raw value `raw`.
    pub fn new(ty: GlobalType, raw: u128) -> VmGlobal {
        let storage = Box::new(UnsafeCell::new(VMGlobal::default()));
        let ptr = storage.get();
        // SAFETY: fresh storage.
        unsafe { write_global_raw(ptr, ty.content, raw) };
        VmGlobal {
            ptr,
            ty,
            owner: Arc::new(HostGlobal(storage)),
        }
    }

    pub fn get_raw(&self) -> u128 {
        // SAFETY: live storage (owner held).
        unsafe { read_global_raw(self.ptr, self.ty.content) }
    }

    pub fn set_raw(&self, raw: u128) {
        // SAFETY: live storage (owner held); no wasm code runs meanwhile (store borrowed).
        unsafe { write_global_raw(self.ptr, self.ty.content, raw) }
    }
}

/// # Safety
/// `global` points at a live VMGlobal.
pub(crate) unsafe fn read_global_raw(global: *const VMGlobal, ty: ValType) -> u128 {
    // SAFETY: per the contract; the bytes are little-endian like wasm memory.
    let raw = u128::from_le_bytes(unsafe { (*global).bits });
    raw & global_mask(ty)
}

/// The bits of a global's 16 bytes that a value of type `ty` occupies.
fn global_mask(ty: ValType) -> u128 {
    match ty {
        ValType::I32 | ValType::F32 => u128::from(u32::MAX),
        ValType::V128 => u128::MAX,
        _ => u128::from(u64::MAX),
    }
}

/// # Safety
/// `global` points at a live VMGlobal.
pub(crate) unsafe fn write_global_raw(global: *mut VMGlobal, ty: ValType, raw: u128) {
    // SAFETY: per the contract.
    unsafe { (*global).bits = (raw & global_mask(ty)).to_le_bytes() };
}
