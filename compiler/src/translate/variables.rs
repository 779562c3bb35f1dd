//! Locals, globals, `drop` and `select`.
//!
//! Wide i32 locals (x86-64): an i32 local lives in a 64-bit variable holding its value
//! zero-extended. A 32-bit index must be zero-extended before it is added to a memory's base,
//! and a loop-carried one (a pointer or index a loop advances) is a block parameter whose
//! upper half the code generator cannot know: each access paid a `mov %edx,%ebx`. Kept wide,
//! the extension moves to where the local is set, where the x86-64 code generator knows that
//! 32-bit arithmetic (`add`, `sub`, shifts, logic) already cleared the upper half, so it costs
//! nothing; a read is the low half (`ireduce`, no instruction), and using it as an address
//! takes the 64-bit variable as it is ([`FuncTranslator::zero_extend`]).

use cranelift_codegen::ir::{types, InstBuilder, Value};
use wasmaot_abi::metadata::ValType;
use wasmparser::Operator;

use super::{ir_type, trusted, FuncTranslator};
use crate::error::Result;

impl FuncTranslator<'_, '_> {
    /// Declare the next local, of type `ty`, holding `value` at the start.
    pub(super) fn declare_local(&mut self, ty: ValType, value: Value) {
        let wide = ty == ValType::I32 && self.env.wide_i32_locals;
        let (var_type, value) = if wide {
            (types::I64, self.zero_extend(value))
        } else {
            (ir_type(ty), value)
        };
        let var = self.builder.declare_var(var_type);
        self.builder.def_var(var, value);
        self.locals.push(var);
        self.wide_locals.push(wide);
    }

    fn get_local(&mut self, index: u32) -> Value {
        let var = self.locals[index as usize];
        let value = self.builder.use_var(var);
        if !self.wide_locals[index as usize] {
            return value;
        }
        let low = self.builder.ins().ireduce(types::I32, value);
        self.zero_extended.insert(low, value);
        low
    }

    fn set_local(&mut self, index: u32, value: Value) {
        let var = self.locals[index as usize];
        let value = if self.wide_locals[index as usize] {
            self.widen_accessed_sum(value)
                .unwrap_or_else(|| self.zero_extend(value))
        } else {
            value
        };
        self.builder.def_var(var, value);
    }

    pub(super) fn translate_variable(&mut self, op: &Operator<'_>) -> Result<bool> {
        match *op {
            Operator::LocalGet { local_index } => {
                let value = self.get_local(local_index);
                self.push(value);
            }
            Operator::LocalSet { local_index } => {
                let value = self.pop();
                self.set_local(local_index, value);
            }
            Operator::LocalTee { local_index } => {
                let value = *self.stack.last().expect("validated operand stack");
                self.set_local(local_index, value);
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
