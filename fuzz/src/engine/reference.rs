//! The wasmi interpreter as the reference engine.

use wasmi::{
    Config, Engine as WasmiEngine, Error, Extern, ExternType, Instance, Linker, Module, Ref, Store,
    TrapCode, Val, ValType,
};

use super::{host_call, Engine};
use crate::outcome::{Outcome, State, Trap, Ty, Value};

/// wasmi's call depth limit, above any depth a generated module reaches: its fuel (see
/// `generate`) ends a recursion long before, so a stack exhaustion here is the engine's own
/// limit, never the module's.
const MAX_RECURSION_DEPTH: usize = 100_000;

/// An instance of a module in its own store.
pub struct Reference {
    store: Store<()>,
    instance: Instance,
}

/// Why the reference could not instantiate a module.
pub enum Refusal {
    /// It does not accept the module (invalid, or a feature it lacks): nothing to compare.
    Invalid(String),
    /// Instantiation ended this way (a trap in the start function or a segment).
    Instantiation(Outcome),
}

fn engine() -> WasmiEngine {
    let mut config = Config::default();
    config
        .set_max_recursion_depth(MAX_RECURSION_DEPTH)
        .set_max_stack_height(8 << 20)
        .wasm_multi_memory(true)
        .wasm_memory64(true)
        .wasm_tail_call(true)
        .wasm_extended_const(true)
        .wasm_custom_page_sizes(true)
        .wasm_wide_arithmetic(true)
        .wasm_simd(true)
        .wasm_relaxed_simd(true);
    WasmiEngine::new(&config)
}

impl Reference {
    pub fn instantiate(wasm: &[u8]) -> Result<Reference, Refusal> {
        let engine = engine();
        let module = Module::new(&engine, wasm).map_err(|e| Refusal::Invalid(e.to_string()))?;
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::<()>::new(&engine);
        for import in module.imports() {
            let (ExternType::Func(ty), "host") = (import.ty(), import.module()) else {
                continue;
            };
            let name = import.name().to_string();
            let host = move |_: wasmi::Caller<'_, ()>, args: &[Val], out: &mut [Val]| {
                let args: Vec<Value> = args.iter().map(value_of).collect();
                let results = host_call(&name, &args)
                    .ok_or_else(|| Error::new(format!("no host function {name}")))?;
                for (slot, v) in out.iter_mut().zip(results) {
                    *slot = val_of(v);
                }
                Ok(())
            };
            // A second import of the same name with the same type is already defined.
            let _ = linker.func_new("host", import.name(), ty.clone(), host);
        }
        match linker.instantiate_and_start(&mut store, &module) {
            Ok(instance) => Ok(Reference { store, instance }),
            Err(e) => Err(Refusal::Instantiation(outcome_of_error(&e))),
        }
    }
}

fn ty_of(t: &ValType) -> Ty {
    match t {
        ValType::I32 => Ty::I32,
        ValType::I64 => Ty::I64,
        ValType::F32 => Ty::F32,
        ValType::F64 => Ty::F64,
        ValType::V128 => Ty::V128,
        ValType::FuncRef => Ty::FuncRef,
        ValType::ExternRef => Ty::ExternRef,
    }
}

fn value_of(v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(x.to_bits()),
        Val::F64(x) => Value::F64(x.to_bits()),
        Val::V128(x) => Value::V128(x.as_u128()),
        Val::FuncRef(f) => Value::FuncRef { null: f.is_null() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_null() },
    }
}

fn val_of(v: Value) -> Val {
    match v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(wasmi::F32::from_bits(x)),
        Value::F64(x) => Val::F64(wasmi::F64::from_bits(x)),
        Value::V128(x) => Val::V128(x.into()),
        Value::FuncRef { .. } => Val::default_for_ty(ValType::FuncRef),
        Value::ExternRef { .. } => Val::default_for_ty(ValType::ExternRef),
    }
}

fn trap_of(code: TrapCode) -> Option<Trap> {
    Some(match code {
        TrapCode::UnreachableCodeReached => Trap::Unreachable,
        TrapCode::MemoryOutOfBounds => Trap::OutOfBoundsMemory,
        TrapCode::TableOutOfBounds => Trap::OutOfBoundsTable,
        TrapCode::IndirectCallToNull => Trap::NullFunction,
        TrapCode::IntegerDivisionByZero => Trap::IntegerDivideByZero,
        TrapCode::IntegerOverflow => Trap::IntegerOverflow,
        TrapCode::BadConversionToInteger => Trap::InvalidConversion,
        TrapCode::StackOverflow => Trap::StackExhausted,
        TrapCode::BadSignature => Trap::IndirectCallTypeMismatch,
        TrapCode::OutOfFuel | TrapCode::GrowthOperationLimited | TrapCode::OutOfSystemMemory => {
            return None
        }
    })
}

/// The trap an error is, if it is one. Segments that do not fit their table or memory at
/// instantiation are errors of their own kinds in wasmi, traps in the spec.
fn outcome_of_error(e: &Error) -> Outcome {
    use wasmi::errors::{ErrorKind, InstantiationError, MemoryError, TableError};
    let trap = match e.kind() {
        ErrorKind::Instantiation(InstantiationError::ElementSegmentDoesNotFit { .. }) => {
            Some(Trap::OutOfBoundsTable)
        }
        ErrorKind::Table(TableError::InitOutOfBounds | TableError::CopyOutOfBounds) => {
            Some(Trap::OutOfBoundsTable)
        }
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => Some(Trap::OutOfBoundsMemory),
        _ => e.as_trap_code().and_then(trap_of),
    };
    match trap {
        Some(trap) => Outcome::Trapped(trap),
        None => Outcome::Failed(e.to_string()),
    }
}

fn ref_value(r: Ref) -> Value {
    match r {
        Ref::Func(f) => Value::FuncRef { null: f.is_null() },
        Ref::Extern(e) => Value::ExternRef { null: e.is_null() },
    }
}

impl Engine for Reference {
    fn funcs(&mut self) -> Vec<(String, Vec<Ty>)> {
        let mut funcs = Vec::new();
        for export in self.instance.exports(&self.store) {
            let name = export.name().to_string();
            if let Extern::Func(f) = export.into_extern() {
                let params = f.ty(&self.store).params().iter().map(ty_of).collect();
                funcs.push((name, params));
            }
        }
        funcs
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Outcome {
        let Some(func) = self.instance.get_func(&self.store, name) else {
            return Outcome::Failed(format!("no function export {name}"));
        };
        let ty = func.ty(&self.store);
        let args: Vec<Val> = args.iter().map(|v| val_of(*v)).collect();
        let mut results: Vec<Val> = ty
            .results()
            .iter()
            .map(|t| Val::default_for_ty(*t))
            .collect();
        match func.call(&mut self.store, &args, &mut results) {
            Ok(()) => Outcome::Returned(results.iter().map(value_of).collect()),
            Err(e) => outcome_of_error(&e),
        }
    }

    fn set_i32_global(&mut self, name: &str, value: i32) {
        if let Some(g) = self.instance.get_global(&self.store, name) {
            let _ = g.set(&mut self.store, Val::I32(value));
        }
    }

    fn state(&mut self) -> State {
        let mut state = State::default();
        let exports: Vec<(String, Extern)> = self
            .instance
            .exports(&self.store)
            .map(|e| (e.name().to_string(), e.into_extern()))
            .collect();
        for (name, e) in exports {
            match e {
                Extern::Global(g) => state.globals.push((name, value_of(&g.get(&self.store)))),
                Extern::Memory(m) => state.memories.push((name, m.data(&self.store).to_vec())),
                Extern::Table(t) => {
                    let elements = (0..t.size(&self.store))
                        .map(|i| {
                            t.get(&self.store, i)
                                .map(ref_value)
                                .unwrap_or(Value::FuncRef { null: true })
                        })
                        .collect();
                    state.tables.push((name, elements));
                }
                Extern::Func(_) => {}
            }
        }
        state
    }
}
