//! Calls with the types known at compile time: [`TypedFunc`] checks the function's type once,
//! when it is made, and then passes numbers straight into value slots, without `Val`s, type
//! checks or allocation on each call.

use std::marker::PhantomData;

use wasmaot_abi::metadata::ValType;

use crate::func::Func;
use crate::store::{AsContext, AsContextMut};
use crate::vm::error::Error;

/// A Rust type that is a wasm number type.
pub trait WasmTy: Copy {
    /// The wasm type.
    const TYPE: ValType;
    /// The slot form.
    fn to_slot(self) -> u128;
    /// From the slot form.
    fn from_slot(slot: u128) -> Self;
}

/// `WasmTy` for a number type: its wasm type, and how it goes into and out of a slot.
macro_rules! wasm_ty {
    ($ty:ty, $wasm:ident, $to:expr, $from:expr) => {
        impl WasmTy for $ty {
            const TYPE: ValType = ValType::$wasm;
            fn to_slot(self) -> u128 {
                $to(self)
            }
            fn from_slot(slot: u128) -> Self {
                $from(slot)
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

/// Parameters or results of a typed call: a [`WasmTy`], `()`, or a tuple of up to four.
pub trait WasmTypeList: Sized {
    /// The wasm types, in order.
    fn types() -> Vec<ValType>;
    /// Write into the first slots.
    fn store(self, slots: &mut [u128]);
    /// Read from the first slots.
    fn load(slots: &[u128]) -> Self;
}

impl WasmTypeList for () {
    fn types() -> Vec<ValType> {
        Vec::new()
    }
    fn store(self, _: &mut [u128]) {}
    fn load(_: &[u128]) -> Self {}
}

impl<T: WasmTy> WasmTypeList for T {
    fn types() -> Vec<ValType> {
        vec![T::TYPE]
    }
    fn store(self, slots: &mut [u128]) {
        slots[0] = self.to_slot();
    }
    fn load(slots: &[u128]) -> Self {
        T::from_slot(slots[0])
    }
}

macro_rules! tuple_list {
    ($($t:ident $i:tt),+) => {
        impl<$($t: WasmTy),+> WasmTypeList for ($($t,)+) {
            fn types() -> Vec<ValType> {
                vec![$($t::TYPE),+]
            }
            fn store(self, slots: &mut [u128]) {
                $(slots[$i] = self.$i.to_slot();)+
            }
            fn load(slots: &[u128]) -> Self {
                ($($t::from_slot(slots[$i]),)+)
            }
        }
    };
}

tuple_list!(A 0);
tuple_list!(A 0, B 1);
tuple_list!(A 0, B 1, C 2);
tuple_list!(A 0, B 1, C 2, D 3);

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
        params.store(&mut slots);
        store.call(index, &mut slots)?;
        Ok(R::load(&slots))
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
        let (params, results) = (P::types(), R::types());
        if func.ty.params != params || func.ty.results != results {
            return Err(Error::Type(format!(
                "the function has type {:?} -> {:?}, not {params:?} -> {results:?}",
                func.ty.params, func.ty.results
            )));
        }
        if params.len().max(results.len()) > MAX_SLOTS {
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
