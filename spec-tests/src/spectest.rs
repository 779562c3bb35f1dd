//! The `spectest` host module every .wast file may import from.

use std::sync::Arc;

use wasmaot_runtime::metadata::{Limits, MemoryStrategy, MemoryType, TableType};
use wasmaot_runtime::{Extern, Func, FuncType, Global, GlobalType, Memory, Table, Val, ValType};

/// One file's spectest instance: shared table and memory, fresh per file.
pub struct Spectest {
    table: Arc<Table>,
    memory: Arc<Memory>,
}

impl Spectest {
    pub fn new() -> Spectest {
        let table = TableType {
            element: ValType::FuncRef,
            limits: Limits {
                min: 10,
                max: Some(20),
            },
        };
        let memory = MemoryType {
            limits: Limits {
                min: 1,
                max: Some(2),
            },
        };
        let strategy = MemoryStrategy {
            reservation: (1 << 32) + wasmaot_compiler::DEFAULT_GUARD_SIZE,
        };
        Spectest {
            table: Arc::new(Table::new(table, 0).expect("small table")),
            memory: Arc::new(Memory::new(memory, strategy).expect("spectest memory")),
        }
    }

    pub fn export(&self, name: &str) -> Option<Extern> {
        let print = |params: &[ValType]| {
            let ty = FuncType {
                params: params.to_vec(),
                results: Vec::new(),
            };
            Some(Extern::Func(Func::host(ty, |_, _| Ok(Vec::new()))))
        };
        let global = |content: ValType, value: Val| {
            let ty = GlobalType {
                content,
                mutable: false,
            };
            Some(Extern::Global(
                Global::new(ty, value).expect("typed global"),
            ))
        };
        match name {
            "print" => print(&[]),
            "print_i32" => print(&[ValType::I32]),
            "print_i64" => print(&[ValType::I64]),
            "print_f32" => print(&[ValType::F32]),
            "print_f64" => print(&[ValType::F64]),
            "print_i32_f32" => print(&[ValType::I32, ValType::F32]),
            "print_f64_f64" => print(&[ValType::F64, ValType::F64]),
            "global_i32" => global(ValType::I32, Val::I32(666)),
            "global_i64" => global(ValType::I64, Val::I64(666)),
            "global_f32" => global(ValType::F32, Val::F32(666.6f32.to_bits())),
            "global_f64" => global(ValType::F64, Val::F64(666.6f64.to_bits())),
            "table" => Some(Extern::Table(self.table.clone())),
            "memory" => Some(Extern::Memory(self.memory.clone())),
            _ => None,
        }
    }
}
