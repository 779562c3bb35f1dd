//! Instances as the host sees them: instantiation with imports given in order (see
//! [`crate::Linker`] for imports by name) and their exports.

use crate::prelude::*;

use crate::func::Func;
use crate::global::Global;
use crate::memory::Memory;
use crate::store::{AsContext, AsContextMut, StoreInner, Stored};
use crate::table::Table;
use crate::tag::Tag;
use crate::vm::error::Error;
use crate::vm::instance::{VmExtern, VmInstance};
use crate::vm::module::Module;

/// Something an instance can import or export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A linear memory.
    Memory(Memory),
    /// A table.
    Table(Table),
    /// A global.
    Global(Global),
    /// An exception tag.
    Tag(Tag),
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}

impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}

impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}

impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}

impl Extern {
    fn to_vm(self, store: &StoreInner) -> VmExtern {
        match self {
            Extern::Func(f) => VmExtern::Func(f.vm(store)),
            Extern::Memory(m) => VmExtern::Memory(store.memories[store.index(m.0)].clone()),
            Extern::Table(t) => VmExtern::Table(store.tables[store.index(t.0)].clone()),
            Extern::Global(g) => VmExtern::Global(store.globals[store.index(g.0)].clone()),
            Extern::Tag(t) => VmExtern::Tag(store.tags[store.index(t.0)].clone()),
        }
    }

    fn from_vm(vm: VmExtern, store: &mut StoreInner) -> Extern {
        match vm {
            VmExtern::Func(f) => Extern::Func(Func(store.add_func(f))),
            VmExtern::Memory(m) => Extern::Memory(Memory(store.add_memory(m))),
            VmExtern::Table(t) => Extern::Table(Table(store.add_table(t))),
            VmExtern::Global(g) => Extern::Global(Global(store.add_global(g))),
            VmExtern::Tag(t) => Extern::Tag(Tag(store.add_tag(t))),
        }
    }
}

/// An instance of a module, living in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instance(pub(crate) Stored);

impl Instance {
    /// Instantiate `module` in `store`; `imports` are in the order of the module's imports
    /// (see [`crate::Linker`] to give them by name). Runs the start function, if any.
    pub fn new(
        store: &mut impl AsContextMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance, Error> {
        let store = store.as_context_mut();
        let imports: Vec<VmExtern> = imports.iter().map(|e| e.to_vm(store)).collect();
        let instance = store.instantiate(module, &imports)?;
        Ok(Instance(store.add_instance(instance)))
    }

    fn vm(&self, store: &impl AsContext) -> VmInstance {
        let store = store.as_context();
        store.instances[store.index(self.0)].clone()
    }

    /// The module this is an instance of.
    pub fn module(&self, store: &impl AsContext) -> Module {
        self.vm(store).module().clone()
    }

    /// The export `name`, if any.
    pub fn get_export(&self, store: &mut impl AsContextMut, name: &str) -> Option<Extern> {
        let store = store.as_context_mut();
        let vm = self.vm(store).get_export(name)?;
        Some(Extern::from_vm(vm, store))
    }

    /// Every export, in the module's order.
    pub fn exports(&self, store: &mut impl AsContextMut) -> Vec<(String, Extern)> {
        let store = store.as_context_mut();
        let instance = self.vm(store);
        instance
            .module()
            .meta()
            .exports
            .iter()
            .map(|e| {
                let vm = instance.export_of(e.kind, e.index);
                (e.name.clone(), Extern::from_vm(vm, store))
            })
            .collect()
    }

    /// The exported function `name`, if any.
    pub fn get_func(&self, store: &mut impl AsContextMut, name: &str) -> Option<Func> {
        match self.get_export(store, name)? {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The exported memory `name`, if any.
    pub fn get_memory(&self, store: &mut impl AsContextMut, name: &str) -> Option<Memory> {
        match self.get_export(store, name)? {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The exported table `name`, if any.
    pub fn get_table(&self, store: &mut impl AsContextMut, name: &str) -> Option<Table> {
        match self.get_export(store, name)? {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The exported global `name`, if any.
    pub fn get_global(&self, store: &mut impl AsContextMut, name: &str) -> Option<Global> {
        match self.get_export(store, name)? {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }
}
