//! The wasmaot runtime: loads compiled modules, instantiates them, turns faults into traps, and
//! provides WASI. Linked into every executable `wasmaot build` makes, and usable from Rust as
//! an embedding API:
//!
//! ```no_run
//! use wasmaot_runtime::{Instance, Module, Val};
//! # fn main() -> Result<(), wasmaot_runtime::Error> {
//! // Made by `wasmaot compile add.wasm -o add.so`, where add.wasm exports `add: (i32, i32) -> i32`.
//! let module = Module::load(std::path::Path::new("add.so"))?;
//! let instance = Instance::new(&module, &[])?;
//! let add = instance.get_func("add").expect("exported");
//! assert_eq!(add.call(&[Val::I32(2), Val::I32(3)])?, vec![Val::I32(5)]);
//! # Ok(())
//! # }
//! ```

mod code_registry;
pub mod error;
pub mod exe;
pub mod func;
pub mod global;
pub mod instance;
mod libcalls;
pub mod memory;
pub mod module;
mod sys;
pub mod table;
pub mod traps;
mod types;
pub mod values;
pub mod wasi;

pub use error::Error;
pub use func::{Caller, Func};
pub use global::Global;
pub use instance::{Extern, Instance};
pub use memory::Memory;
pub use module::Module;
pub use table::Table;
pub use traps::Trap;
pub use values::Val;
pub use wasmaot_abi::metadata;
pub use wasmaot_abi::metadata::{FuncType, GlobalType, ValType};
pub use wasmaot_abi::TrapKind;
