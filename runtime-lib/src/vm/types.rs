//! Canonical signature ids and type matching. Structurally equal function types get the same
//! id process-wide (keyed as [`wasmaot_abi::type_ids`] says), so `call_indirect` and import
//! matching compare types across modules with one integer compare.

use crate::prelude::*;

use hashbrown::HashMap;
use spin::{Lazy, Mutex};

use wasmaot_abi::metadata::{FuncType, HeapType, ImportKind, ModuleMeta, ValType};
use wasmaot_abi::type_ids::{map_func_type, map_val_type, type_ids, TypeKey};

/// Every type id given out in this process.
static REGISTRY: Lazy<Mutex<HashMap<TypeKey, u32>>> = Lazy::new(Default::default);

fn intern(key: TypeKey) -> u32 {
    let mut map = REGISTRY.lock();
    let next = map.len() as u32 + 1;
    *map.entry(key).or_insert(next)
}

/// The id of `ty`, a type that names no other type by index (a host function's); never 0.
pub fn signature_id(ty: &FuncType) -> u32 {
    intern((vec![ty.clone()], 0))
}

/// The canonical id of every type of a module, in type-index order. `rec_groups` holds the
/// size of each recursion group; types it does not cover are groups of one.
pub fn canonical_ids(types: &[FuncType], rec_groups: &[u32]) -> Vec<u32> {
    type_ids(types, rec_groups, intern)
}

/// Rewrite every concrete heap type of `meta` from a type index to its canonical id, so that
/// types from different modules compare with `==` and [`val_subtype`].
pub fn canonicalize(meta: &mut ModuleMeta, ids: &[u32]) {
    let id = |i: u32| ids.get(i as usize).copied().unwrap_or(u32::MAX);
    for ty in &mut meta.types {
        *ty = map_func_type(ty, id);
    }
    for table in &mut meta.tables {
        table.element = map_val_type(table.element, id);
    }
    for global in &mut meta.globals {
        global.content = map_val_type(global.content, id);
    }
    for import in &mut meta.imports {
        match &mut import.kind {
            ImportKind::Table(t) => t.element = map_val_type(t.element, id),
            ImportKind::Global(g) => g.content = map_val_type(g.content, id),
            ImportKind::Func(_) | ImportKind::Memory(_) | ImportKind::Tag(_) => {}
        }
    }
    for elem in &mut meta.elems {
        elem.element = map_val_type(elem.element, id);
    }
}

/// Whether a value of type `a` is a value of type `b` (both canonical).
pub fn val_subtype(a: ValType, b: ValType) -> bool {
    if a == b {
        return true;
    }
    match (a.as_ref(), b.as_ref()) {
        (Some(a), Some(b)) => (!a.nullable || b.nullable) && heap_subtype(a.heap, b.heap),
        _ => false,
    }
}

fn heap_subtype(a: HeapType, b: HeapType) -> bool {
    use HeapType::*;
    match (a, b) {
        _ if a == b => true,
        (Concrete(_) | NoFunc, Func) | (NoFunc, Concrete(_)) | (NoExtern, Extern) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmaot_abi::metadata::RefType;

    fn func(params: Vec<ValType>) -> FuncType {
        FuncType {
            params,
            results: Vec::new(),
        }
    }

    fn to(index: u32) -> ValType {
        ValType::Ref(RefType {
            nullable: false,
            heap: HeapType::Concrete(index),
        })
    }

    #[test]
    fn equal_recursion_groups_get_equal_ids_wherever_they_sit() {
        // Module A: (rec $a (func (param (ref $b))) $b (func (param (ref $a)))).
        let a = canonical_ids(&[func(vec![to(1)]), func(vec![to(0)])], &[2]);
        // Module B: an unrelated type first, then the same group.
        let b = canonical_ids(
            &[
                func(vec![ValType::I32]),
                func(vec![to(2)]),
                func(vec![to(1)]),
            ],
            &[1, 2],
        );
        assert_eq!(a, b[1..]);
        // The two types of a group differ, although they look alike.
        assert_ne!(a[0], a[1]);
    }

    #[test]
    fn the_same_types_in_separate_groups_differ_from_one_group() {
        let together = canonical_ids(&[func(vec![to(1)]), func(vec![to(0)])], &[2]);
        let apart = canonical_ids(&[func(vec![]), func(vec![to(0)])], &[1, 1]);
        assert_ne!(together[1], apart[1]);
        // A type naming no other is the host's signature id of it.
        assert_eq!(apart[0], signature_id(&func(vec![])));
    }

    #[test]
    fn references_match_by_nullability_and_heap_type() {
        let non_null_5 = to(5);
        let null_5 = ValType::Ref(RefType {
            nullable: true,
            heap: HeapType::Concrete(5),
        });
        assert!(val_subtype(non_null_5, null_5));
        assert!(!val_subtype(null_5, non_null_5));
        assert!(val_subtype(non_null_5, ValType::FuncRef));
        assert!(!val_subtype(ValType::FuncRef, null_5));
        assert!(!val_subtype(non_null_5, ValType::ExternRef));
        assert!(!val_subtype(to(5), to(6)));
    }
}
