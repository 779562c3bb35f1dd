//! Globals as the host sees them: a pointer to their storage and the owner keeping it alive.

use std::any::Any;
use std::sync::Arc;

use wasmaot_abi::metadata::GlobalType;
use wasmaot_abi::VMGlobal;

use crate::error::Error;
use crate::instance::write_global_raw;
use crate::values::Val;

#[derive(Clone)]
pub struct Global {
    ptr: *mut VMGlobal,
    ty: GlobalType,
    owner: Arc<dyn Any + Send + Sync>,
}

// SAFETY: the storage is kept alive by `owner` and used by one thread at a time.
unsafe impl Send for Global {}
// SAFETY: as above.
unsafe impl Sync for Global {}

struct HostGlobal(Box<std::cell::UnsafeCell<VMGlobal>>);
// SAFETY: see `Global`.
unsafe impl Send for HostGlobal {}
// SAFETY: see `Global`.
unsafe impl Sync for HostGlobal {}

impl Global {
    /// A global owned by the host, holding `value`.
    pub fn new(ty: GlobalType, value: Val) -> Result<Global, Error> {
        if value.ty() != ty.content {
            return Err(Error::Type(format!(
                "global of type {:?} given {:?}",
                ty.content, value
            )));
        }
        let storage = HostGlobal(Box::new(std::cell::UnsafeCell::new(VMGlobal::default())));
        let ptr = storage.0.get();
        // SAFETY: fresh storage.
        unsafe { write_global_raw(ptr, ty.content, value.to_raw()) };
        Ok(Global {
            ptr,
            ty,
            owner: Arc::new(storage),
        })
    }

    pub(crate) fn from_raw(
        ptr: *mut VMGlobal,
        ty: GlobalType,
        owner: Arc<dyn Any + Send + Sync>,
    ) -> Global {
        Global { ptr, ty, owner }
    }

    pub fn ty(&self) -> GlobalType {
        self.ty
    }

    pub(crate) fn ptr(&self) -> *mut VMGlobal {
        self.ptr
    }

    pub(crate) fn owner(&self) -> Arc<dyn Any + Send + Sync> {
        self.owner.clone()
    }

    pub fn get(&self) -> Val {
        Val::from_global(self.ptr, self.ty.content)
    }

    pub fn set(&self, value: Val) -> Result<(), Error> {
        if !self.ty.mutable || value.ty() != self.ty.content {
            return Err(Error::Type(
                "global is immutable or of another type".to_string(),
            ));
        }
        // SAFETY: live storage (owner held).
        unsafe { write_global_raw(self.ptr, self.ty.content, value.to_raw()) };
        Ok(())
    }
}
