//! Tables as the host sees them: their elements are references of the store.

use crate::prelude::*;

use alloc::sync::Arc;

use wasmaot_abi::metadata::TableType;

use crate::store::{AsContext, AsContextMut, Stored};
use crate::values::Val;
use crate::vm::error::Error;
use crate::vm::table::VmTable;

/// A table of a store: exported by an instance, or made by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) Stored);

impl Table {
    /// A table of type `ty` with every element `init`.
    pub fn new(store: &mut impl AsContextMut, ty: TableType, init: Val) -> Result<Table, Error> {
        let store = store.as_context_mut();
        if ty.element.is_exn_ref() {
            return Err(Error::Type(
                "exception references never leave wasm code: the host cannot make a table of them"
                    .to_string(),
            ));
        }
        let raw = element(ty, init, store)?;
        store.check_ref(ty.element, u128::from(raw))?;
        let table = VmTable::new(ty, raw, store.limits.max_table_entries())
            .ok_or_else(|| Error::Resource("table too large".to_string()))?;
        Ok(Table(store.add_table(Arc::new(table))))
    }

    fn vm(&self, store: &impl AsContext) -> Arc<VmTable> {
        let store = store.as_context();
        store.tables[store.index(self.0)].clone()
    }

    /// The table's type.
    pub fn ty(&self, store: &impl AsContext) -> TableType {
        self.vm(store).ty
    }

    /// The number of elements.
    pub fn size(&self, store: &impl AsContext) -> u64 {
        self.vm(store).len()
    }

    /// Element `index`, if inside the table.
    pub fn get(&self, store: &mut impl AsContextMut, index: u64) -> Option<Val> {
        let store = store.as_context_mut();
        let ty = self.vm(store).ty.element;
        let raw = store.table_get(store.index(self.0), index)?;
        Val::from_raw(store, ty, u128::from(raw)).ok()
    }

    /// Set element `index` to `value`.
    pub fn set(&self, store: &mut impl AsContextMut, index: u64, value: Val) -> Result<(), Error> {
        let store = store.as_context_mut();
        let table = self.vm(store);
        let raw = element(table.ty, value, store)?;
        store.table_set(store.index(self.0), index, raw)
    }

    /// Grow by `delta` elements set to `init`; the old size.
    pub fn grow(&self, store: &mut impl AsContextMut, delta: u64, init: Val) -> Result<u64, Error> {
        let store = store.as_context_mut();
        let table = self.vm(store);
        let raw = element(table.ty, init, store)?;
        store.table_grow(store.index(self.0), delta, raw)
    }
}

/// The raw element for `value` in a table of type `ty`.
fn element(ty: TableType, value: Val, store: &crate::store::StoreInner) -> Result<u64, Error> {
    if !value.matches(store, ty.element) {
        return Err(Error::Type(format!(
            "a {} table given {value:?}",
            ty.element
        )));
    }
    Ok(value.to_raw(store)? as u64)
}
