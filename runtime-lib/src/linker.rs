//! Resolving a module's imports by module and field name: definitions given one by one, every
//! export of an instance under a module name, and resolvers that make a definition for any
//! field of one module name on demand (how the `wasmaot-wasi` crate adds WASI).

use crate::prelude::*;

use hashbrown::HashMap;

use wasmaot_abi::metadata::{FuncType, ImportKind};

use crate::func::Func;
use crate::instance::{Extern, Instance};
use crate::store::{AsContextMut, StoreInner};
use crate::vm::error::Error;
use crate::vm::module::Module;

/// Makes a definition for field `name` of type `ty` in the store, or says it has none.
type Resolver = dyn Fn(&mut StoreInner, &str, &FuncType) -> Option<Func> + Send + Sync;

/// Definitions for imports, by module and field name. Its handles belong to one store.
#[derive(Default)]
pub struct Linker {
    definitions: HashMap<(String, String), Extern>,
    resolvers: Vec<(String, Box<Resolver>)>,
}

impl Linker {
    /// A linker with no definitions.
    pub fn new() -> Linker {
        Linker::default()
    }

    /// Define `module`::`name` (replacing any earlier definition).
    pub fn define(&mut self, module: &str, name: &str, item: impl Into<Extern>) -> &mut Linker {
        self.definitions
            .insert((module.to_string(), name.to_string()), item.into());
        self
    }

    /// Define every export of `instance` under the module name `module`.
    pub fn instance(
        &mut self,
        store: &mut impl AsContextMut,
        module: &str,
        instance: Instance,
    ) -> &mut Linker {
        for (name, item) in instance.exports(store) {
            self.define(module, &name, item);
        }
        self
    }

    /// Resolve functions imported from `module` that have no definition with `resolver`: it
    /// is given the store, the field name and the imported type, and makes a function (in that
    /// store) or answers `None` (the import is then unknown). Resolvers are asked in the order
    /// they were added. This is how a whole interface is provided at once (as WASI is).
    pub fn resolve_with(
        &mut self,
        module: &str,
        resolver: impl Fn(&mut StoreInner, &str, &FuncType) -> Option<Func> + Send + Sync + 'static,
    ) -> &mut Linker {
        self.resolvers
            .push((module.to_string(), Box::new(resolver)));
        self
    }

    /// The definition for each of `module`'s imports, in order.
    pub fn imports(
        &self,
        store: &mut impl AsContextMut,
        module: &Module,
    ) -> Result<Vec<Extern>, Error> {
        let store = store.as_context_mut();
        let meta = module.meta();
        let mut imports = Vec::with_capacity(meta.imports.len());
        for import in &meta.imports {
            let key = (import.module.clone(), import.name.clone());
            if let Some(item) = self.definitions.get(&key) {
                imports.push(*item);
                continue;
            }
            let resolved = match &import.kind {
                ImportKind::Func(ty) => self
                    .resolvers
                    .iter()
                    .filter(|(m, _)| *m == import.module)
                    .find_map(|(_, r)| r(store, &import.name, &meta.types[*ty as usize])),
                _ => None,
            };
            match resolved {
                Some(f) => imports.push(Extern::Func(f)),
                None => {
                    return Err(Error::Link(format!(
                        "unknown import {}::{}",
                        import.module, import.name
                    )))
                }
            }
        }
        Ok(imports)
    }

    /// Instantiate `module` with the definitions its imports name.
    pub fn instantiate(
        &self,
        store: &mut impl AsContextMut,
        module: &Module,
    ) -> Result<Instance, Error> {
        let imports = self.imports(store, module)?;
        Instance::new(store, module, &imports)
    }
}
