//! The wasmaot runtime: loads compiled modules, instantiates them, turns faults into traps, and
//! provides WASI. Linked into every executable `wasmaot build` makes, and usable from Rust as
//! an embedding API:
//!
//! ```
//! use std::process::Command;
//! use wasmaot_runtime::{Error, Extern, Func, FuncType, Instance, Module, TrapKind, Val, ValType};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A module importing one host function and exporting two.
//! let wasm = wat::parse_str(r#"
//!     (module
//!       (import "host" "double" (func $double (param i32) (result i32)))
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
//! std::fs::write(dir.join("m.o"), object)?;
//! let linked = Command::new("cc").arg("-shared").arg("-o").arg(dir.join("m.so")).arg(dir.join("m.o")).status()?;
//! assert!(linked.success());
//!
//! // Load once, instantiate as often as needed (microseconds each).
//! let module = Module::load(&dir.join("m.so"))?;
//! let i32_to_i32 = FuncType { params: vec![ValType::I32], results: vec![ValType::I32] };
//! let double = Func::host(i32_to_i32, |_caller, args| Ok(vec![Val::I32(args[0].unwrap_i32() * 2)]));
//! let instance = Instance::new(&module, &[Extern::Func(double)])?;
//!
//! let quadruple = instance.get_func("quadruple").expect("exported");
//! assert_eq!(quadruple.call(&[Val::I32(5)])?, vec![Val::I32(20)]);
//!
//! // A trap comes back as an error naming its kind; the instance can be called again.
//! let divide = instance.get_func("divide").expect("exported");
//! match divide.call(&[Val::I32(1), Val::I32(0)]) {
//!     Err(Error::Trap(trap)) => assert_eq!(trap.kind(), Some(TrapKind::IntegerDivideByZero)),
//!     other => panic!("expected a trap, got {other:?}"),
//! }
//! assert_eq!(divide.call(&[Val::I32(9), Val::I32(3)])?, vec![Val::I32(3)]);
//! # std::fs::remove_dir_all(&dir)?;
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
