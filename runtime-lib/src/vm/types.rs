//! Canonical signature ids and type matching. Structurally equal function types get the same
//! id process-wide, so `call_indirect` compares types across modules with one integer compare.
//! A type that refers to other types (`(ref $t)`) is keyed by their ids, and by a marker for a
//! reference to itself: equality by canonical type, as the spec's iso-recursive rule asks of
//! the one-type recursion groups a module without GC has.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use wasmaot_abi::metadata::{FuncType, HeapType, ImportKind, ModuleMeta, RefType, ValType};

fn registry() -> &'static Mutex<HashMap<FuncType, u32>> {
    static REGISTRY: OnceLock<Mutex<HashMap<FuncType, u32>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The id of `ty`, a type that names no other type by index (a host function's); never 0.
pub fn signature_id(ty: &FuncType) -> u32 {
    let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
    let next = map.len() as u32 + 1;
    *map.entry(ty.clone()).or_insert(next)
}

/// Key of a reference to itself inside a type's key (ids are never 0).
const SELF_REFERENCE: u32 = 0;

/// The canonical id of every type of a module, in type-index order.
pub fn canonical_ids(types: &[FuncType]) -> Vec<u32> {
    let mut ids: Vec<u32> = Vec::with_capacity(types.len());
    for (index, ty) in types.iter().enumerate() {
        let key = map_func_type(ty, |i| {
            if i as usize == index {
                SELF_REFERENCE
            } else {
                // Validation lets a type name only earlier types or itself.
                ids.get(i as usize).copied().unwrap_or(u32::MAX)
            }
        });
        ids.push(signature_id(&key));
    }
    ids
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
            ImportKind::Func(_) | ImportKind::Memory(_) => {}
        }
    }
    for elem in &mut meta.elems {
        elem.element = map_val_type(elem.element, id);
    }
}

fn map_func_type(ty: &FuncType, f: impl Fn(u32) -> u32) -> FuncType {
    FuncType {
        params: ty.params.iter().map(|t| map_val_type(*t, &f)).collect(),
        results: ty.results.iter().map(|t| map_val_type(*t, &f)).collect(),
    }
}

fn map_val_type(ty: ValType, f: impl Fn(u32) -> u32) -> ValType {
    match ty {
        ValType::Ref(RefType {
            nullable,
            heap: HeapType::Concrete(index),
        }) => ValType::Ref(RefType {
            nullable,
            heap: HeapType::Concrete(f(index)),
        }),
        other => other,
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
