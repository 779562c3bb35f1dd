//! Values crossing the host boundary, and their raw form in trampoline value slots
//! (`wasmaot_abi::VALUE_SLOT_SIZE` bytes, held as a `u128`).

use wasmaot_abi::metadata::ValType;

/// A WebAssembly value. Floats are kept as bit patterns so NaN payloads survive; references
/// are raw: a `funcref` is the address of a `VMFuncRef`, an `externref` is an opaque host number;
/// 0 is null for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    /// A `v128`: its 16 bytes as a little-endian integer (lane 0 in the low bits).
    V128(u128),
    FuncRef(usize),
    ExternRef(u64),
}

impl Val {
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }

    /// The slot representation (low bytes hold narrower values).
    pub fn to_raw(self) -> u128 {
        match self {
            Val::I32(v) => u128::from(v as u32),
            Val::I64(v) => u128::from(v as u64),
            Val::F32(bits) => u128::from(bits),
            Val::F64(bits) => u128::from(bits),
            Val::V128(bits) => bits,
            Val::FuncRef(p) => p as u128,
            Val::ExternRef(v) => u128::from(v),
        }
    }

    pub fn from_raw(ty: ValType, raw: u128) -> Val {
        match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as u64 as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw as u64),
            ValType::V128 => Val::V128(raw),
            ValType::FuncRef => Val::FuncRef(raw as usize),
            ValType::ExternRef => Val::ExternRef(raw as u64),
        }
    }

    /// The zero (or null) value of `ty`.
    pub fn default_for(ty: ValType) -> Val {
        Val::from_raw(ty, 0)
    }

    pub fn unwrap_i32(&self) -> i32 {
        match self {
            Val::I32(v) => *v,
            other => panic!("expected i32, found {other:?}"),
        }
    }

    pub fn unwrap_i64(&self) -> i64 {
        match self {
            Val::I64(v) => *v,
            other => panic!("expected i64, found {other:?}"),
        }
    }

    pub fn unwrap_f32(&self) -> f32 {
        match self {
            Val::F32(v) => f32::from_bits(*v),
            other => panic!("expected f32, found {other:?}"),
        }
    }

    pub fn unwrap_v128(&self) -> u128 {
        match self {
            Val::V128(v) => *v,
            other => panic!("expected v128, found {other:?}"),
        }
    }

    pub fn unwrap_f64(&self) -> f64 {
        match self {
            Val::F64(v) => f64::from_bits(*v),
            other => panic!("expected f64, found {other:?}"),
        }
    }
}
