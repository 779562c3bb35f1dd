//! Locals, globals, `drop` and `select`.

use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::Operator;

use super::{ir_type, trusted, FuncTranslator};
use crate::error::Result;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_variable(&mut self, op: &Operator<'_>) -> Result<bool> {
        match *op {
            Operator::LocalGet { local_index } => {
                let value = self.builder.use_var(self.locals[local_index as usize]);
                self.push(value);
            }
            Operator::LocalSet { local_index } => {
                let value = self.pop();
                self.builder
                    .def_var(self.locals[local_index as usize], value);
            }
            Operator::LocalTee { local_index } => {
                let value = *self.stack.last().expect("validated operand stack");
                self.builder
                    .def_var(self.locals[local_index as usize], value);
            }
            Operator::GlobalGet { global_index } => {
                let (base, offset, ty) = self.global_address(global_index);
                let value = self.builder.ins().load(ty, trusted(), base, offset);
                self.push(value);
            }
            Operator::GlobalSet { global_index } => {
                let value = self.pop();
                let (base, offset, _) = self.global_address(global_index);
                self.builder.ins().store(trusted(), value, base, offset);
            }
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } | Operator::TypedSelectMulti { .. } => {
                let (a, b, cond) = self.pop3();
                let value = self.builder.ins().select(cond, a, b);
                self.push(value);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Base value, offset and type of global `index`'s storage.
    fn global_address(&mut self, index: u32) -> (Value, i32, cranelift_codegen::ir::Type) {
        let ty = ir_type(self.env.meta.globals[index as usize].content);
        let imported = self.env.layout.counts.imported_globals;
        if index < imported {
            let ptr = self.load_vmctx_ptr(self.env.layout.imported_global(index), true);
            (ptr, 0, ty)
        } else {
            let offset = self.env.layout.defined_global(index - imported);
            (self.vmctx, offset as i32, ty)
        }
    }
}
