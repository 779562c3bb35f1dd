//! The two engines behind one interface: wasmaot (compiled, linked and loaded in process, as
//! the spec runner does) and the wasmi interpreter as the reference. Both provide the same
//! host functions, so generated modules may import them.

pub mod aot;
pub mod reference;

use crate::outcome::{Outcome, State, Ty, Value};

/// An instantiated module in one engine.
pub trait Engine {
    /// The exported functions, in export order, with their parameter types.
    fn funcs(&mut self) -> Vec<(String, Vec<Ty>)>;
    /// Call the exported function `name`.
    fn call(&mut self, name: &str, args: &[Value]) -> Outcome;
    /// Set the exported mutable `i32` global `name` (the fuel counter of generated modules).
    fn set_i32_global(&mut self, name: &str, value: i32);
    /// The exported globals, memories and tables.
    fn state(&mut self) -> State;
}

/// The host module generated modules may import from, as a module that imports exactly those
/// functions (wasm-smith's `available_imports`).
pub const HOST_IMPORTS: &str = r#"
(module
  (import "host" "mix_i32" (func (param i32) (result i32)))
  (import "host" "mix_i64" (func (param i64 i64) (result i64)))
  (import "host" "echo_f32" (func (param f32) (result f32)))
  (import "host" "sink_f64" (func (param f64)))
)
"#;

/// What the host function `name` returns for `args`: the same pure computation in both
/// engines. `None` for a function the host does not have.
pub fn host_call(name: &str, args: &[Value]) -> Option<Vec<Value>> {
    Some(match (name, args) {
        ("mix_i32", [Value::I32(x)]) => vec![Value::I32(x.rotate_left(5) ^ 0x5a5a)],
        ("mix_i64", [Value::I64(a), Value::I64(b)]) => {
            vec![Value::I64(a.wrapping_mul(31) ^ b)]
        }
        ("echo_f32", [Value::F32(bits)]) => vec![Value::F32(*bits)],
        ("sink_f64", [Value::F64(_)]) => Vec::new(),
        _ => return None,
    })
}
