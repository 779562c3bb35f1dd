//! The wasmaot runtime: loads compiled modules, instantiates them, and turns faults into traps.
//! Linked into every executable `wasmaot build` makes (with WASI from `wasmaot-wasi`), and
//! usable from Rust as an embedding API:
//!
//! ```
//! use wasmaot_runtime::{Error, Func, FuncType, Linker, Module, Store, TrapKind, Val, ValType};
//!
//! # fn main() -> Result<(), Box<dyn core::error::Error>> {
//! // A module importing one host function and exporting two functions and its memory.
//! let wasm = wat::parse_str(r#"
//!     (module
//!       (import "host" "double" (func $double (param i32) (result i32)))
//!       (memory (export "memory") 1)
//!       (func (export "quadruple") (param i32) (result i32)
//!         (call $double (call $double (local.get 0))))
//!       (func (export "divide") (param i32 i32) (result i32)
//!         (i32.div_s (local.get 0) (local.get 1))))
//! "#)?;
//!
//! // What `wasmaot compile m.wasm -o m.so` does: compile to an object, link a shared object.
//! let object = wasmaot_compiler::compile(&wasm, &Default::default(), &|| {})?;
//! let dir = std::env::temp_dir().join(format!("wasmaot-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! wasmaot_compiler::link::link_shared(&object, &dir.join("m.so"))?;
//!
//! // Load once (unsafe: this runs the file's code; it must be `wasmaot compile` output),
//! // instantiate as often as needed, each in a store of its own or together.
//! let module = unsafe { Module::load(&dir.join("m.so"))? };
//! let mut store = Store::new();
//! let i32_to_i32 = FuncType { params: vec![ValType::I32], results: vec![ValType::I32] };
//! let double = Func::new(&mut store, i32_to_i32, |_caller, args, results| {
//!     results[0] = Val::I32(args[0].unwrap_i32() * 2);
//!     Ok(())
//! });
//! let mut linker = Linker::new();
//! linker.define("host", "double", double);
//! let instance = linker.instantiate(&mut store, &module)?;
//!
//! let quadruple = instance.get_func(&mut store, "quadruple").expect("exported");
//! assert_eq!(quadruple.call(&mut store, &[Val::I32(5)])?, vec![Val::I32(20)]);
//!
//! // Memory is read and written through the store.
//! let memory = instance.get_memory(&mut store, "memory").expect("exported");
//! memory.write(&mut store, 16, b"hello")?;
//! assert_eq!(&memory.data(&store)[16..21], b"hello");
//!
//! // A trap comes back as an error naming its kind; the instance can be called again.
//! let divide = instance.get_func(&mut store, "divide").expect("exported");
//! match divide.call(&mut store, &[Val::I32(1), Val::I32(0)]) {
//!     Err(Error::Trap(trap)) => assert_eq!(trap.kind(), Some(TrapKind::IntegerDivideByZero)),
//!     other => panic!("expected a trap, got {other:?}"),
//! }
//! assert_eq!(divide.call(&mut store, &[Val::I32(9), Val::I32(3)])?, vec![Val::I32(3)]);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```
//!
//! WASI is one call on a linker with the `wasmaot-wasi` crate, which is built on this API:
//! `wasmaot_wasi::add_to_linker(&mut linker, WasiCtx::new(args, env))`.
//!
//! # Ownership and threads
//!
//! A [`Store`] owns everything instantiated or created in it; [`Func`], [`Memory`],
//! [`Table`], [`Global`], [`Instance`] and [`ExternRef`] are small copyable handles into one
//! store, and every operation takes the store: `&Store` to look, `&mut Store` to run code or
//! change anything. Hence:
//!
//! - one thread at a time runs the code of a store (a store may move to another thread between
//!   calls: it is `Send`), and a call cannot run while any view of a memory is alive;
//! - nothing in a store is freed before the store, so handles never dangle; using a handle
//!   with another store panics, and a reference of another store given as a value is an error;
//! - references are handles, never integers: no safe call can make compiled code call or read
//!   through a forged pointer.
//!
//! These do not compile, as they must not:
//!
//! ```compile_fail
//! # use wasmaot_runtime::{Memory, Store};
//! # fn f(store: &mut Store, memory: Memory) {
//! let a = memory.data_mut(store);
//! let b = memory.data_mut(store); // a second mutable view of the same memory
//! a[0] = b[0];
//! # }
//! ```
//!
//! ```compile_fail
//! # use wasmaot_runtime::{Func, Store};
//! # fn f(store: &mut Store, func: Func) {
//! std::thread::scope(|s| {
//!     s.spawn(|| func.call(store, &[]));
//!     s.spawn(|| func.call(store, &[])); // one store used by two threads at once
//! });
//! # }
//! ```
//!
//! ```compile_fail
//! # use wasmaot_runtime::{Func, Memory, Store};
//! # fn f(store: &mut Store, memory: Memory, func: Func) {
//! let view = memory.data(store);
//! func.call(store, &[]).unwrap(); // wasm code running while a view of memory is alive
//! println!("{}", view[0]);
//! # }
//! ```
//!
//! # Traps and panics
//!
//! A trap (in wasm code, a runtime call, or returned by a host function as `Err`) ends the call
//! with `Err(Error::Trap(..))` naming its kind and function; the process and the instance
//! survive it. A host function may panic: the panic is caught before it reaches wasm frames,
//! the wasm frames are left, and the panic resumes in the caller of [`Func::call`] (or
//! [`Instance::new`], for a start function). The instance stays usable.
//!
//! # Without the standard library
//!
//! The crate is `no_std` (it needs `alloc` and the C library) with a default `std` feature,
//! which adds [`Module::load`] (by `Path`) and the catching of host functions' panics above.
//! Without `std` a panic that would unwind out of a host function aborts the process instead:
//! the runtime linked into `wasmaot build` executables is built so, with panics that abort.

#![no_std]
#![warn(missing_docs)]
// Only the layer compiled code talks to (`vm`) and the OS calls behind WASI may use `unsafe`;
// the public API above is safe code by construction.
#![deny(unsafe_code)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod prelude;

mod func;
mod global;
mod instance;
mod linker;
mod memory;
mod store;
mod table;
mod tag;
mod typed;
mod values;
#[allow(unsafe_code)]
mod vm;

/// The README's examples, run as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme {}

pub use func::{Caller, Func};
pub use global::Global;
pub use instance::{Extern, Instance};
pub use linker::Linker;
pub use memory::Memory;
pub use store::{AsContext, AsContextMut, InterruptHandle, Store, StoreInner};
pub use table::Table;
pub use tag::Tag;
pub use typed::{TypedFunc, WasmTy, WasmTypeList};
pub use values::{ExternRef, Val};
pub use vm::error::Error;
pub use vm::module::Module;
pub use vm::sys::OsError;
pub use vm::trap::{ExceptionValue, SourceLocation, Trap, TrapFrame, UncaughtException};
pub use wasmaot_abi::metadata;
pub use wasmaot_abi::metadata::{
    FuncType, GlobalType, HeapType, MemoryType, RefType, TableType, ValType, ValTypes,
};
pub use wasmaot_abi::TrapKind;
