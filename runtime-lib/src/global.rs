//! Globals as the host sees them.

use crate::prelude::*;

use wasmaot_abi::metadata::GlobalType;

use crate::store::{AsContext, AsContextMut, Stored};
use crate::values::Val;
use crate::vm::error::Error;
use crate::vm::global::VmGlobal;

/// A global of a store: exported by an instance, or made by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Global(pub(crate) Stored);

impl Global {
    /// A global of type `ty` holding `value`, owned by the host.
    pub fn new(store: &mut impl AsContextMut, ty: GlobalType, value: Val) -> Result<Global, Error> {
        let store = store.as_context_mut();
        if ty.content.is_exn_ref() {
            return Err(Error::Type(
                "exception references never leave wasm code: the host cannot make a global of them"
                    .to_string(),
            ));
        }
        if !value.matches(store, ty.content) {
            return Err(Error::Type(format!(
                "global of type {} given {:?}",
                ty.content, value
            )));
        }
        let raw = value.to_raw(store)?;
        store.check_ref(ty.content, raw)?;
        Ok(Global(store.add_global(VmGlobal::new(ty, raw))))
    }

    /// The global's type.
    pub fn ty(&self, store: &impl AsContext) -> GlobalType {
        let store = store.as_context();
        store.globals[store.index(self.0)].ty
    }

    /// The current value.
    pub fn get(&self, store: &mut impl AsContextMut) -> Val {
        let store = store.as_context_mut();
        let global = &store.globals[store.index(self.0)];
        let (ty, raw) = (global.ty.content, global.get_raw());
        // Compiled code stores only references of its own store.
        Val::from_raw(store, ty, raw).unwrap_or(Val::null_or_zero(ty))
    }

    /// Set the value of a mutable global.
    pub fn set(&self, store: &mut impl AsContextMut, value: Val) -> Result<(), Error> {
        let store = store.as_context_mut();
        let index = store.index(self.0);
        let global = &store.globals[index];
        if !global.ty.mutable || !value.matches(store, global.ty.content) {
            return Err(Error::Type(
                "global is immutable or of another type".to_string(),
            ));
        }
        let raw = value.to_raw(store)?;
        store.global_set(index, raw)
    }
}
