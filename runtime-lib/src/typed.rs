//! Calls with the types known at compile time: [`TypedFunc`] checks the function's type once,
//! when it is made, and then passes numbers straight into value slots, without `Val`s, type
//! checks or allocation on each call. Function references (`Option<Func>`) go through the
//! store, and are checked on each call against the parameter's reference type (null where it
//! is not nullable, a function of another type where it is `(ref $t)`).

use crate::prelude::*;

use core::marker::PhantomData;

use wasmaot_abi::metadata::{ValType, ValTypes};

use crate::func::Func;
use crate::store::{AsContext, AsContextMut, StoreInner};
use crate::values::Val;
use crate::vm::error::Error;

/// A Rust type that is a wasm value type: a number, or `Option<Func>` for function references.
pub trait WasmTy: Copy {
    /// The wasm type.
    const TYPE: ValType;
    /// Whether this Rust type stands for wasm type `ty` (numbers: exactly [`Self::TYPE`]).
    fn fits(ty: ValType) -> bool {
        ty == Self::TYPE
    }
    /// The slot form of a value passed for a parameter of type `ty`.
    fn to_slot(self, store: &StoreInner, ty: ValType) -> Result<u128, Error>;
    /// From the slot form.
    fn from_slot(slot: u128, store: &mut StoreInner) -> Result<Self, Error>;
}

/// `WasmTy` for a number type: its wasm type, and how it goes into and out of a slot.
macro_rules! wasm_ty {
    ($ty:ty, $wasm:ident, $to:expr, $from:expr) => {
        impl WasmTy for $ty {
            const TYPE: ValType = ValType::$wasm;
            #[inline]
            fn to_slot(self, _: &StoreInner, _: ValType) -> Result<u128, Error> {
                Ok($to(self))
            }
            #[inline]
            fn from_slot(slot: u128, _: &mut StoreInner) -> Result<Self, Error> {
                Ok($from(slot))
            }
        }
    };
}

wasm_ty!(i32, I32, |v: i32| u128::from(v as u32), |s: u128| s as u32
    as i32);
wasm_ty!(i64, I64, |v: i64| u128::from(v as u64), |s: u128| s as u64
    as i64);
wasm_ty!(f32, F32, |v: f32| u128::from(v.to_bits()), |s: u128| {
    f32::from_bits(s as u32)
});
wasm_ty!(f64, F64, |v: f64| u128::from(v.to_bits()), |s: u128| {
    f64::from_bits(s as u64)
});
wasm_ty!(u128, V128, |v: u128| v, |s: u128| s);

/// A function reference of any function type: `funcref`, `(ref null? func)`, `(ref null? $t)`.
/// Each call checks the value against the parameter's type, as [`Func::call`] does.
impl WasmTy for Option<Func> {
    const TYPE: ValType = ValType::FuncRef;
    fn fits(ty: ValType) -> bool {
        ty.is_func_ref()
    }
    fn to_slot(self, store: &StoreInner, ty: ValType) -> Result<u128, Error> {
        let value = Val::FuncRef(self);
        if !value.matches(store, ty) {
            return Err(Error::Type(format!("{ty} given {value:?}")));
        }
        value.to_raw(store)
    }
    fn from_slot(slot: u128, store: &mut StoreInner) -> Result<Self, Error> {
        match Val::from_raw(store, ValType::FuncRef, slot)? {
            Val::FuncRef(f) => Ok(f),
            other => Err(Error::Type(format!(
                "expected a function reference, got {other:?}"
            ))),
        }
    }
}

/// Parameters or results of a typed call: a [`WasmTy`], `()`, or a tuple of up to four.
pub trait WasmTypeList: Sized {
    /// The wasm types, in order.
    fn types() -> Vec<ValType>;
    /// Whether these Rust types stand for the wasm types `types`.
    fn fit(types: &[ValType]) -> bool;
    /// Write into the first slots, as values of `types`.
    fn store(self, slots: &mut [u128], store: &StoreInner, types: &[ValType]) -> Result<(), Error>;
    /// Read from the first slots.
    fn load(slots: &[u128], store: &mut StoreInner) -> Result<Self, Error>;
}

impl WasmTypeList for () {
    fn types() -> Vec<ValType> {
        Vec::new()
    }
    fn fit(types: &[ValType]) -> bool {
        types.is_empty()
    }
    fn store(self, _: &mut [u128], _: &StoreInner, _: &[ValType]) -> Result<(), Error> {
        Ok(())
    }
    fn load(_: &[u128], _: &mut StoreInner) -> Result<Self, Error> {
        Ok(())
    }
}

impl<T: WasmTy> WasmTypeList for T {
    fn types() -> Vec<ValType> {
        vec![T::TYPE]
    }
    fn fit(types: &[ValType]) -> bool {
        types.len() == 1 && T::fits(types[0])
    }
    #[inline]
    fn store(self, slots: &mut [u128], store: &StoreInner, types: &[ValType]) -> Result<(), Error> {
        slots[0] = self.to_slot(store, types[0])?;
        Ok(())
    }
    #[inline]
    fn load(slots: &[u128], store: &mut StoreInner) -> Result<Self, Error> {
        T::from_slot(slots[0], store)
    }
}

/// `WasmTypeList` for a tuple of `WasmTy`s.
macro_rules! tuple_list {
    ($n:literal: $($t:ident $i:tt),+) => {
        impl<$($t: WasmTy),+> WasmTypeList for ($($t,)+) {
            fn types() -> Vec<ValType> {
                vec![$($t::TYPE),+]
            }
            fn fit(types: &[ValType]) -> bool {
                types.len() == $n $(&& $t::fits(types[$i]))+
            }
            #[inline]
            fn store(
                self,
                slots: &mut [u128],
                store: &StoreInner,
                types: &[ValType],
            ) -> Result<(), Error> {
                $(slots[$i] = self.$i.to_slot(store, types[$i])?;)+
                Ok(())
            }
            #[inline]
            fn load(slots: &[u128], store: &mut StoreInner) -> Result<Self, Error> {
                Ok(($($t::from_slot(slots[$i], store)?,)+))
            }
        }
    };
}

tuple_list!(1: A 0);
tuple_list!(2: A 0, B 1);
tuple_list!(3: A 0, B 1, C 2);
tuple_list!(4: A 0, B 1, C 2, D 3);

/// Slots a typed call can use; functions needing more go through [`Func::call`].
const MAX_SLOTS: usize = 4;

/// A function whose type was checked against `Params -> Results` once.
pub struct TypedFunc<Params, Results> {
    func: Func,
    _types: PhantomData<fn(Params) -> Results>,
}

impl<P: WasmTypeList, R: WasmTypeList> TypedFunc<P, R> {
    /// Call with `params`. Traps and host panics as for [`Func::call`].
    pub fn call(&self, store: &mut impl AsContextMut, params: P) -> Result<R, Error> {
        let store = store.as_context_mut();
        let index = store.index(self.func.0);
        let mut slots = [0u128; MAX_SLOTS];
        params.store(&mut slots, store, &store.funcs[index].ty.params)?;
        store.call(index, &mut slots)?;
        R::load(&slots, store)
    }

    /// The function this calls.
    pub fn func(&self) -> Func {
        self.func
    }
}

impl Func {
    /// This function as a [`TypedFunc`], if its type is `Params -> Results`.
    pub fn typed<P: WasmTypeList, R: WasmTypeList>(
        &self,
        store: &impl AsContext,
    ) -> Result<TypedFunc<P, R>, Error> {
        let store = store.as_context();
        let func = &store.funcs[store.index(self.0)];
        if !P::fit(&func.ty.params) || !R::fit(&func.ty.results) {
            let (params, results) = (P::types(), R::types());
            return Err(Error::Type(format!(
                "the function has type ({}) -> ({}), not ({}) -> ({})",
                ValTypes(&func.ty.params),
                ValTypes(&func.ty.results),
                ValTypes(&params),
                ValTypes(&results)
            )));
        }
        if func.ty.params.len().max(func.ty.results.len()) > MAX_SLOTS {
            return Err(Error::Type(format!(
                "typed calls take at most {MAX_SLOTS} parameters and results"
            )));
        }
        Ok(TypedFunc {
            func: *self,
            _types: PhantomData,
        })
    }
}
