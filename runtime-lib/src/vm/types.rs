//! Canonical signature ids: structurally equal function types get the same id process-wide, so
//! `call_indirect` can compare types across modules with one integer compare.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use wasmaot_abi::metadata::FuncType;

fn registry() -> &'static Mutex<HashMap<FuncType, u32>> {
    static REGISTRY: OnceLock<Mutex<HashMap<FuncType, u32>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The id of `ty`; never 0.
pub fn signature_id(ty: &FuncType) -> u32 {
    let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
    let next = map.len() as u32 + 1;
    *map.entry(ty.clone()).or_insert(next)
}
