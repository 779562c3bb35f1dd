//! The `spectest` host module every .wast file may import from.

use wasmaot_runtime::metadata::{Limits, MemoryType, TableType};
use wasmaot_runtime::{
    Extern, Func, FuncType, Global, GlobalType, Memory, Store, Table, Val, ValType,
};

/// One file's spectest instance: shared table and memory, fresh per file.
pub struct Spectest {
    table: Table,
    memory: Memory,
}

impl Spectest {
    pub fn new(store: &mut Store) -> Spectest {
        let table = TableType {
            element: ValType::FuncRef,
            limits: Limits {
                min: 10,
                max: Some(20),
            },
            table64: false,
        };
        let memory = MemoryType::new(Limits {
            min: 1,
            max: Some(2),
        });
        Spectest {
            table: Table::new(store, table, Val::FuncRef(None)).expect("small table"),
            memory: Memory::new(store, memory).expect("spectest memory"),
        }
    }

    pub fn export(&self, store: &mut Store, name: &str) -> Option<Extern> {
        let print = |store: &mut Store, params: &[ValType]| {
            let ty = FuncType {
                params: params.to_vec(),
                results: Vec::new(),
            };
            Some(Extern::Func(Func::new(store, ty, |_, _, _| Ok(()))))
        };
        let global = |store: &mut Store, content: ValType, value: Val| {
            let ty = GlobalType {
                content,
                mutable: false,
            };
            Some(Extern::Global(
                Global::new(store, ty, value).expect("typed global"),
            ))
        };
        match name {
            "print" => print(store, &[]),
            "print_i32" => print(store, &[ValType::I32]),
            "print_i64" => print(store, &[ValType::I64]),
            "print_f32" => print(store, &[ValType::F32]),
            "print_f64" => print(store, &[ValType::F64]),
            "print_i32_f32" => print(store, &[ValType::I32, ValType::F32]),
            "print_f64_f64" => print(store, &[ValType::F64, ValType::F64]),
            "global_i32" => global(store, ValType::I32, Val::I32(666)),
            "global_i64" => global(store, ValType::I64, Val::I64(666)),
            "global_f32" => global(store, ValType::F32, Val::F32(666.6f32.to_bits())),
            "global_f64" => global(store, ValType::F64, Val::F64(666.6f64.to_bits())),
            "table" => Some(Extern::Table(self.table)),
            "memory" => Some(Extern::Memory(self.memory)),
            _ => None,
        }
    }
}
