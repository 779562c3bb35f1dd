//! Type identity, the spec's iso-recursive rule: a type is keyed by its whole recursion group,
//! with references into the group by position and references out of it by the id of the type
//! they name, and two types are the same exactly when their keys are. The runtime gives ids
//! process-wide (one interner for every module, so `call_indirect` compares types across modules
//! with one integer compare); the compiler gives ids within one module, which equal each other
//! exactly when the runtime's do.

use alloc::vec;
use alloc::vec::Vec;

use crate::metadata::{FuncType, HeapType, RefType, ValType};

/// A recursion group's types, with references inside the group written as [`in_group`] markers
/// and references outside it as ids, and a type's position in it.
pub type TypeKey = (Vec<FuncType>, u32);

/// The key of a reference to the type at `position` in the same recursion group: ids count up
/// from 1 and never come near.
fn in_group(position: u32) -> u32 {
    u32::MAX - position
}

/// The id of every type of a module, in type-index order, as `intern` gives an id to each key
/// (the same id for equal keys, a different one for different keys). `rec_groups` holds the
/// size of each recursion group; types it does not cover are groups of one.
pub fn type_ids(
    types: &[FuncType],
    rec_groups: &[u32],
    mut intern: impl FnMut(TypeKey) -> u32,
) -> Vec<u32> {
    let mut ids: Vec<u32> = Vec::with_capacity(types.len());
    let covered: usize = rec_groups.iter().map(|n| *n as usize).sum();
    let mut sizes: Vec<usize> = rec_groups.iter().map(|n| *n as usize).collect();
    if covered != types.len() {
        sizes = vec![1; types.len()];
    }
    let mut start = 0;
    for size in sizes {
        let group = start..start + size;
        let keys: Vec<FuncType> = types[group.clone()]
            .iter()
            .map(|ty| {
                map_func_type(ty, |i| {
                    let i = i as usize;
                    if group.contains(&i) {
                        in_group((i - start) as u32)
                    } else {
                        // Validation lets a type name only earlier groups or its own.
                        ids.get(i).copied().unwrap_or(0)
                    }
                })
            })
            .collect();
        for position in 0..size {
            ids.push(intern((keys.clone(), position as u32)));
        }
        start += size;
    }
    ids
}

/// `ty` with every concrete heap type `i` replaced by `f(i)`.
pub fn map_func_type(ty: &FuncType, f: impl Fn(u32) -> u32) -> FuncType {
    FuncType {
        params: ty.params.iter().map(|t| map_val_type(*t, &f)).collect(),
        results: ty.results.iter().map(|t| map_val_type(*t, &f)).collect(),
    }
}

/// `ty`, a concrete reference `i` replaced by one to `f(i)`.
pub fn map_val_type(ty: ValType, f: impl Fn(u32) -> u32) -> ValType {
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
