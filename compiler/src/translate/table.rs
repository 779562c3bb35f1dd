//! Tables and references: `table.get/set/size/grow/fill/copy/init`, `elem.drop`, `ref.null`,
//! `ref.is_null`, `ref.func`, `ref.as_non_null`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value};
use wasmaot_abi::vmctx::field;
use wasmaot_abi::{Libcall, TrapKind};
use wasmparser::Operator;

use super::FuncTranslator;
use crate::error::Result;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_table(&mut self, op: &Operator<'_>) -> Result<bool> {
        use types::{I32, I64};
        match *op {
            Operator::TableGet { table } => {
                let index = self.pop();
                let entry = self.table_entry_address(table, index, TrapKind::OutOfBoundsTable);
                let value = self
                    .builder
                    .ins()
                    .load(I64, MemFlagsData::trusted(), entry, 0);
                self.push(value);
            }
            Operator::TableSet { table } => {
                let (index, value) = self.pop2();
                let entry = self.table_entry_address(table, index, TrapKind::OutOfBoundsTable);
                self.builder
                    .ins()
                    .store(MemFlagsData::trusted(), value, entry, 0);
            }
            Operator::TableSize { table } => {
                let table64 = self.env.meta.tables[table as usize].table64;
                let table = self.table_struct(table);
                let length = self.builder.ins().load(
                    I64,
                    MemFlagsData::trusted(),
                    table,
                    field::TABLE_LENGTH,
                );
                let length = self.narrow_index(length, table64);
                self.push(length);
            }
            Operator::TableGrow { table } => {
                let (init, delta) = self.pop2();
                let delta = self.widen_index(delta);
                let table64 = self.env.meta.tables[table as usize].table64;
                let table = self.builder.ins().iconst(I32, i64::from(table));
                let old = self.call_libcall(Libcall::TableGrow, &[table, init, delta]);
                let old = self.narrow_index(old[0], table64);
                self.push(old);
            }
            Operator::TableFill { table } => {
                let (dst, value, len) = self.pop3();
                let (dst, len) = (self.widen_index(dst), self.widen_index(len));
                let table = self.builder.ins().iconst(I32, i64::from(table));
                self.call_checked_libcall(
                    Libcall::TableFill,
                    &[table, dst, value, len],
                    TrapKind::OutOfBoundsTable,
                );
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let (dst, src, len) = self.pop3();
                let (dst, src, len) = (
                    self.widen_index(dst),
                    self.widen_index(src),
                    self.widen_index(len),
                );
                let dst_table = self.builder.ins().iconst(I32, i64::from(dst_table));
                let src_table = self.builder.ins().iconst(I32, i64::from(src_table));
                let args = [dst_table, src_table, dst, src, len];
                self.call_checked_libcall(Libcall::TableCopy, &args, TrapKind::OutOfBoundsTable);
            }
            Operator::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3();
                let dst = self.widen_index(dst);
                let table = self.builder.ins().iconst(I32, i64::from(table));
                let elem = self.builder.ins().iconst(I32, i64::from(elem_index));
                self.call_checked_libcall(
                    Libcall::TableInit,
                    &[table, elem, dst, src, len],
                    TrapKind::OutOfBoundsTable,
                );
            }
            Operator::ElemDrop { elem_index } => {
                let elem = self.builder.ins().iconst(I32, i64::from(elem_index));
                self.call_libcall(Libcall::ElemDrop, &[elem]);
            }
            Operator::RefNull { .. } => {
                let null = self.builder.ins().iconst(I64, 0);
                self.push(null);
            }
            Operator::RefIsNull => {
                let value = self.pop();
                let flag = self.builder.ins().icmp_imm_u(IntCC::Equal, value, 0);
                let flag = self.builder.ins().uextend(I32, flag);
                self.push(flag);
            }
            Operator::RefFunc { function_index } => {
                let funcref = self.funcref_address(function_index);
                self.push(funcref);
            }
            Operator::RefAsNonNull => {
                let value = *self.stack.last().expect("validated operand stack");
                let null = super::trap_code(TrapKind::NullReference);
                self.builder.ins().trapz(value, null);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The `VMFuncRef` of function `index`, as a `funcref` value.
    fn funcref_address(&mut self, index: u32) -> Value {
        let imported = self.env.imported_funcs();
        if index < imported {
            self.load_vmctx_ptr(self.env.layout.imported_func(index), true)
        } else {
            let offset = self.env.layout.defined_func(index - imported);
            self.builder.ins().iadd_imm_u(self.vmctx, i64::from(offset))
        }
    }

    /// Pointer to table `index`'s `VMTable` (it does not move; its contents may).
    fn table_struct(&mut self, index: u32) -> Value {
        self.load_vmctx_ptr(self.env.layout.table_ptr(index), true)
    }

    /// Address of entry `index` of `table`, trapping with `kind` when out of bounds.
    pub(super) fn table_entry_address(
        &mut self,
        table: u32,
        index: Value,
        kind: TrapKind,
    ) -> Value {
        let limits = self.env.meta.tables[table as usize].limits;
        let table = self.table_struct(table);
        let flags = MemFlagsData::trusted();
        // A table whose maximum is its minimum (as C compilers declare them) has that length
        // for good, imported or not (an import's current length must lie between the two), and
        // since it never grows its elements never move: the length is a constant, and the
        // base may be loaded once and hoisted out of loops.
        let fixed = limits.max == Some(limits.min);
        let length = if fixed {
            self.builder.ins().iconst(types::I64, limits.min as i64)
        } else {
            self.builder
                .ins()
                .load(types::I64, flags, table, field::TABLE_LENGTH)
        };
        let index = self.widen_index(index);
        let out = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, length);
        self.builder.ins().trapnz(out, super::trap_code(kind));
        let base_flags = if fixed {
            flags.with_readonly().with_can_move()
        } else {
            flags
        };
        let base = self
            .builder
            .ins()
            .load(types::I64, base_flags, table, field::TABLE_BASE);
        let offset = self.builder.ins().ishl_imm_u(index, 3);
        self.builder.ins().iadd(base, offset)
    }
}
