//! Values crossing the host boundary. Numbers are plain; references are handles of the store
//! they live in (never integers), so host code cannot make compiled code call or read through a
//! forged pointer. Raw form: one value slot (`wasmaot_abi::VALUE_SLOT_SIZE` bytes, a `u128`).

use crate::prelude::*;

use core::any::Any;

use wasmaot_abi::metadata::{HeapType, ValType};

use crate::func::Func;
use crate::store::{AsContext, AsContextMut, StoreInner, Stored};
use crate::vm::error::Error;

/// A WebAssembly value. Floats are kept as bit patterns so NaN payloads survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`'s bits.
    F32(u32),
    /// An `f64`'s bits.
    F64(u64),
    /// A `v128`: its 16 bytes as a little-endian integer (lane 0 in the low bits).
    V128(u128),
    /// A `funcref`: a function of the store, or null.
    FuncRef(Option<Func>),
    /// An `externref`: a host value of the store, or null.
    ExternRef(Option<ExternRef>),
}

/// A host value given to wasm code as an `externref`. Wasm code can only pass it around; the
/// host reads it back with [`ExternRef::data`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef(pub(crate) Stored);

impl ExternRef {
    /// A reference to `value`, kept by the store until the store is dropped.
    pub fn new(store: &mut impl AsContextMut, value: impl Any + Send + Sync) -> ExternRef {
        ExternRef(store.as_context_mut().add_extern(Box::new(value)))
    }

    /// The host value this reference was made for.
    pub fn data<'a>(&self, store: &'a impl AsContext) -> &'a (dyn Any + Send + Sync) {
        let store = store.as_context();
        &*store.externs[store.index(self.0)]
    }
}

impl Val {
    /// The value's type.
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

    /// Whether the value is one of type `ty`: the same number type, or a reference of a
    /// matching reference type (null only where the type is nullable; a function whose type
    /// is the concrete type asked for).
    pub(crate) fn matches(&self, store: &StoreInner, ty: ValType) -> bool {
        let Some(expected) = ty.as_ref() else {
            return self.ty() == ty;
        };
        match *self {
            Val::FuncRef(None) => expected.nullable && expected.heap.is_func(),
            // A function of another store is refused by `to_raw`, with that reason.
            Val::FuncRef(Some(f)) => match expected.heap {
                HeapType::Func => true,
                HeapType::Concrete(id) => {
                    !store.owns(f.0) || store.funcs[store.index(f.0)].type_id() == id
                }
                _ => false,
            },
            Val::ExternRef(None) => expected.nullable && !expected.heap.is_func(),
            Val::ExternRef(Some(_)) => expected.heap == HeapType::Extern,
            _ => false,
        }
    }

    /// The zero (or null) value of `ty`.
    pub fn null_or_zero(ty: ValType) -> Val {
        match ty {
            ValType::Ref(r) if r.heap.is_func() => Val::FuncRef(None),
            ValType::Ref(_) => Val::ExternRef(None),
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
        }
    }

    /// The slot form of a number; `None` for a reference. Host calls use it directly: going
    /// through `to_raw`'s `Result` costs them measurably.
    #[inline]
    pub(crate) fn to_raw_number(self) -> Option<u128> {
        Some(match self {
            Val::I32(v) => u128::from(v as u32),
            Val::I64(v) => u128::from(v as u64),
            Val::F32(bits) => u128::from(bits),
            Val::F64(bits) => u128::from(bits),
            Val::V128(bits) => bits,
            Val::FuncRef(_) | Val::ExternRef(_) => return None,
        })
    }

    /// A number of type `ty` from its slot form; `None` for a reference type (see
    /// [`Val::to_raw_number`]).
    #[inline]
    pub(crate) fn from_raw_number(ty: ValType, raw: u128) -> Option<Val> {
        Some(match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as u64 as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw as u64),
            ValType::V128 => Val::V128(raw),
            ValType::FuncRef | ValType::ExternRef | ValType::Ref(_) => return None,
        })
    }

    /// The slot form (narrower values in the low bytes). Fails for a reference of another store.
    pub(crate) fn to_raw(self, store: &StoreInner) -> Result<u128, Error> {
        match self.to_raw_number() {
            Some(raw) => Ok(raw),
            None => self.reference_to_raw(store),
        }
    }

    /// [`Val::to_raw`] of a reference (a number never gets here).
    fn reference_to_raw(self, store: &StoreInner) -> Result<u128, Error> {
        let foreign = || Error::Type("a reference of another store".to_string());
        Ok(match self {
            Val::FuncRef(Some(f)) => {
                if !store.owns(f.0) {
                    return Err(foreign());
                }
                store.funcref_of(f.0).ok_or_else(|| {
                    Error::Type(
                        "a host function is a reference only as an instance's import or export"
                            .to_string(),
                    )
                })? as u128
            }
            Val::ExternRef(Some(e)) => {
                if !store.owns(e.0) {
                    return Err(foreign());
                }
                e.0.index as u128 + 1
            }
            // Null references.
            _ => 0,
        })
    }

    /// The value of type `ty` in slot form `raw`, as compiled code left it.
    pub(crate) fn from_raw(store: &mut StoreInner, ty: ValType, raw: u128) -> Result<Val, Error> {
        match Val::from_raw_number(ty, raw) {
            Some(number) => Ok(number),
            None => Val::reference_from_raw(store, ty, raw),
        }
    }

    /// [`Val::from_raw`] of a reference type.
    fn reference_from_raw(store: &mut StoreInner, ty: ValType, raw: u128) -> Result<Val, Error> {
        let unknown = || Error::Type("a reference the store does not know".to_string());
        // A reference fills the slot's low 8 bytes only: the rest may hold what the slot held
        // before (a v128 argument's upper half).
        let raw = raw as u64;
        if ty.is_exn_ref() && raw != 0 {
            return Err(Error::Type(
                "an exception reference cannot leave wasm code".to_string(),
            ));
        }
        Ok(match (ty.is_func_ref(), raw) {
            (true, 0) => Val::FuncRef(None),
            (false, 0) => Val::ExternRef(None),
            (true, _) => Val::FuncRef(Some(Func(
                store.func_of_ref(raw as usize).ok_or_else(unknown)?,
            ))),
            (false, _) => Val::ExternRef(Some(ExternRef(
                store.extern_of_raw(raw).ok_or_else(unknown)?,
            ))),
        })
    }

    /// The `i32`, or a panic naming what the value is instead.
    pub fn unwrap_i32(&self) -> i32 {
        match self {
            Val::I32(v) => *v,
            other => panic!("expected i32, found {other:?}"),
        }
    }

    /// The `i64`, or a panic naming what the value is instead.
    pub fn unwrap_i64(&self) -> i64 {
        match self {
            Val::I64(v) => *v,
            other => panic!("expected i64, found {other:?}"),
        }
    }

    /// The `f32`, or a panic naming what the value is instead.
    pub fn unwrap_f32(&self) -> f32 {
        match self {
            Val::F32(v) => f32::from_bits(*v),
            other => panic!("expected f32, found {other:?}"),
        }
    }

    /// The `f64`, or a panic naming what the value is instead.
    pub fn unwrap_f64(&self) -> f64 {
        match self {
            Val::F64(v) => f64::from_bits(*v),
            other => panic!("expected f64, found {other:?}"),
        }
    }

    /// The `v128`, or a panic naming what the value is instead.
    pub fn unwrap_v128(&self) -> u128 {
        match self {
            Val::V128(v) => *v,
            other => panic!("expected v128, found {other:?}"),
        }
    }
}
