//! wasmaot as the engine under test: the module is compiled, linked into a shared object and
//! loaded through the embedding API, the path `wasmaot compile` and the spec runner take.

use std::sync::atomic::{AtomicUsize, Ordering};

use wasmaot_compiler::link::Scratch;
use wasmaot_compiler::Options;
use wasmaot_runtime::{
    Error, Extern, Func, FuncType, Instance, Linker, Module, Store, TrapKind, Val, ValType,
};

use super::{host_call, Engine};
use crate::outcome::{Outcome, State, Trap, Ty, Value};

/// Compiles and loads modules; owns the directory the shared objects pass through.
pub struct Loader {
    scratch: Scratch,
    count: AtomicUsize,
    options: Options,
}

impl Loader {
    pub fn new() -> Result<Loader, String> {
        Ok(Loader {
            scratch: Scratch::new()?,
            count: AtomicUsize::new(0),
            // One compile thread: the fuzzer runs one case at a time, and the machine may be
            // shared.
            options: Options {
                jobs: 1,
                ..Options::default()
            },
        })
    }

    /// Compile, link and load `wasm`; `Err` is the compiler's or the loader's reason.
    pub fn load(&self, wasm: &[u8]) -> Result<Module, String> {
        let object = wasmaot_compiler::compile(wasm, &self.options, &|| {})
            .map_err(|e| format!("compile: {e}"))?;
        let n = self.count.fetch_add(1, Ordering::Relaxed);
        let so = self.scratch.path().join(format!("m{n}.so"));
        wasmaot_compiler::link::link_shared(&object, &so)?;
        let module = load_linked(&so);
        let _ = std::fs::remove_file(&so);
        module.map_err(|e| format!("load: {e}"))
    }
}

/// Load a shared object this process has just linked from the compiler's output.
#[allow(unsafe_code)]
fn load_linked(so: &std::path::Path) -> Result<Module, Error> {
    // SAFETY: `so` was written by `link_shared` from `wasmaot_compiler::compile`'s object a
    // moment ago, in a scratch directory private to this process, for this runtime version
    // and this machine: exactly what `Module::load` requires.
    unsafe { Module::load(so) }
}

/// An instance of a module in its own store.
pub struct Aot {
    store: Store,
    instance: Instance,
}

impl Aot {
    /// Instantiate `module` with the host functions; `Err` says how instantiation ended.
    pub fn instantiate(module: &Module) -> Result<Aot, Outcome> {
        let mut store = Store::new();
        let mut linker = Linker::new();
        linker.resolve_with("host", |store, name, ty| {
            host_call(name, &zero_args(&ty.params))?;
            let name = name.to_string();
            let host = move |_: &mut wasmaot_runtime::Caller<'_>, args: &[Val], out: &mut [Val]| {
                let args: Vec<Value> = args.iter().map(value_of).collect();
                let results = host_call(&name, &args).ok_or_else(|| {
                    wasmaot_runtime::Trap::host(format!("no host function {name}"))
                })?;
                for (slot, v) in out.iter_mut().zip(results) {
                    *slot = val_of(v);
                }
                Ok(())
            };
            Some(Func::new(store, ty.clone(), host))
        });
        match linker.instantiate(&mut store, module) {
            Ok(instance) => Ok(Aot { store, instance }),
            Err(e) => Err(outcome_of_error(e)),
        }
    }
}

fn zero_args(params: &[ValType]) -> Vec<Value> {
    params
        .iter()
        .map(|t| value_of(&Val::null_or_zero(*t)))
        .collect()
}

fn ty_of(t: &ValType) -> Ty {
    match t {
        ValType::I32 => Ty::I32,
        ValType::I64 => Ty::I64,
        ValType::F32 => Ty::F32,
        ValType::F64 => Ty::F64,
        ValType::V128 => Ty::V128,
        other if other.is_func_ref() => Ty::FuncRef,
        _ => Ty::ExternRef,
    }
}

fn value_of(v: &Val) -> Value {
    match *v {
        Val::I32(x) => Value::I32(x),
        Val::I64(x) => Value::I64(x),
        Val::F32(x) => Value::F32(x),
        Val::F64(x) => Value::F64(x),
        Val::V128(x) => Value::V128(x),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_none() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_none() },
    }
}

/// The runtime value for `v`; references are only ever null here (the harness makes none).
fn val_of(v: Value) -> Val {
    match v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(x),
        Value::F64(x) => Val::F64(x),
        Value::V128(x) => Val::V128(x),
        Value::FuncRef { .. } => Val::FuncRef(None),
        Value::ExternRef { .. } => Val::ExternRef(None),
    }
}

fn trap_of(kind: TrapKind) -> Trap {
    match kind {
        TrapKind::OutOfBoundsMemory => Trap::OutOfBoundsMemory,
        TrapKind::IntegerDivideByZero => Trap::IntegerDivideByZero,
        TrapKind::IntegerOverflow => Trap::IntegerOverflow,
        TrapKind::InvalidConversion => Trap::InvalidConversion,
        TrapKind::Unreachable => Trap::Unreachable,
        TrapKind::IndirectCallTypeMismatch => Trap::IndirectCallTypeMismatch,
        TrapKind::UninitializedElement | TrapKind::NullFunctionReference => Trap::NullFunction,
        TrapKind::OutOfBoundsTable | TrapKind::UndefinedElement => Trap::OutOfBoundsTable,
        TrapKind::StackExhausted => Trap::StackExhausted,
        TrapKind::NullReference | TrapKind::NullExceptionReference => Trap::NullReference,
        // The fuzzer compiles no interruption checks or fuel: these cannot happen.
        TrapKind::Interrupted | TrapKind::DeadlineExceeded | TrapKind::OutOfFuel => Trap::Host,
    }
}

fn outcome_of_error(e: Error) -> Outcome {
    match e {
        Error::Trap(wasmaot_runtime::Trap::Wasm { kind, .. }) => Outcome::Trapped(trap_of(kind)),
        Error::Trap(wasmaot_runtime::Trap::Host { .. }) => Outcome::Trapped(Trap::Host),
        other => Outcome::Failed(other.to_string()),
    }
}

impl Engine for Aot {
    fn funcs(&mut self) -> Vec<(String, Vec<Ty>)> {
        let exports = self.instance.exports(&mut self.store);
        exports
            .into_iter()
            .filter_map(|(name, e)| match e {
                Extern::Func(f) => {
                    let FuncType { params, .. } = f.ty(&self.store);
                    Some((name, params.iter().map(ty_of).collect()))
                }
                _ => None,
            })
            .collect()
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Outcome {
        let Some(func) = self.instance.get_func(&mut self.store, name) else {
            return Outcome::Failed(format!("no function export {name}"));
        };
        let args: Vec<Val> = args.iter().map(|v| val_of(*v)).collect();
        match func.call(&mut self.store, &args) {
            Ok(results) => Outcome::Returned(results.iter().map(value_of).collect()),
            Err(e) => outcome_of_error(e),
        }
    }

    fn set_i32_global(&mut self, name: &str, value: i32) {
        if let Some(g) = self.instance.get_global(&mut self.store, name) {
            let _ = g.set(&mut self.store, Val::I32(value));
        }
    }

    fn state(&mut self) -> State {
        let mut state = State::default();
        for (name, e) in self.instance.exports(&mut self.store) {
            match e {
                Extern::Global(g) => state
                    .globals
                    .push((name, value_of(&g.get(&mut self.store)))),
                Extern::Memory(m) => state.memories.push((name, m.data(&self.store).to_vec())),
                Extern::Table(t) => {
                    let elements = (0..t.size(&self.store))
                        .map(|i| {
                            t.get(&mut self.store, i)
                                .map(|v| value_of(&v))
                                .unwrap_or(Value::FuncRef { null: true })
                        })
                        .collect();
                    state.tables.push((name, elements));
                }
                Extern::Func(_) | Extern::Tag(_) => {}
            }
        }
        state
    }
}
