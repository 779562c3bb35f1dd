//! `call_indirect` through a static table ([`crate::static_tables`]): a read-only copy of the
//! table, made by the compiler, gives each entry's code address and type class; a call whose
//! entry has its type's class calls the code directly, any other takes the ordinary path
//! through the table ([`super::calls`]).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, BlockArg, ExtFuncData, ExternalName, InstBuilder, MemFlagsData, Signature,
    UserExternalName, Value,
};
use wasmaot_abi::TrapKind;

use super::calls::CallKind;
use super::FuncTranslator;
use crate::static_tables::{StaticCall, STATIC_TABLE_NAMESPACE};

impl FuncTranslator<'_, '_> {
    /// `call_indirect` through a static table ([`crate::static_tables`]): the index checked
    /// against the table's constant length, the entry's class in the read-only copy compared
    /// with the type's, and on a match a call of the copy's code address with this instance's
    /// vmctx. Any other entry branches out of line: when every entry is null or the module's
    /// own function, to the traps (a null entry is one whose code address is 0, any other is of
    /// another type); otherwise to the ordinary path through the table.
    pub(super) fn call_static_table(
        &mut self,
        copy: StaticCall,
        type_index: u32,
        table_index: u32,
        index: Value,
        args: &[Value],
        kind: CallKind,
    ) -> Vec<Value> {
        let index64 = self.widen_index(index);
        let out = self.builder.ins().icmp_imm_u(
            IntCC::UnsignedGreaterThanOrEqual,
            index64,
            copy.len as i64,
        );
        let undefined = super::trap_code(TrapKind::UndefinedElement);
        self.builder.ins().trapnz(out, undefined);
        let base = self.static_table_address(copy.symbol);
        let class = self.copy_class(&copy, base, index64);
        let matches = self
            .builder
            .ins()
            .icmp_imm_u(IntCC::Equal, class, i64::from(copy.class));
        let direct = self.builder.create_block();
        let through_table = self.builder.create_block();
        self.builder
            .ins()
            .brif(matches, direct, &[], through_table, &[]);
        self.builder.set_cold_block(through_table);
        if copy.all_known {
            // No entry needs the table: a null one has code address 0, any other is of
            // another type. The call continues in line, with nothing to join.
            self.builder.switch_to_block(through_table);
            self.builder.seal_block(through_table);
            let code = self.copy_code_address(base, index64);
            let null = super::trap_code(TrapKind::UninitializedElement);
            self.builder.ins().trapz(code, null);
            let mismatch = super::trap_code(TrapKind::IndirectCallTypeMismatch);
            self.builder.ins().trap(mismatch);
        }

        self.builder.switch_to_block(direct);
        self.builder.seal_block(direct);
        let code = self.copy_code_address(base, index64);
        let sig = self
            .builder
            .import_signature(self.env.signature(type_index));
        let results = self.call_code(sig, code, self.vmctx, args, kind);
        if copy.all_known {
            return results;
        }
        let joined = match kind {
            CallKind::Normal => {
                let types: Vec<types::Type> = results
                    .iter()
                    .map(|v| self.builder.func.dfg.value_type(*v))
                    .collect();
                let joined = self.block_with_params(&types);
                let args: Vec<BlockArg> = results.iter().map(|v| BlockArg::Value(*v)).collect();
                self.builder.ins().jump(joined, &args);
                Some(joined)
            }
            CallKind::Tail => None,
        };

        self.builder.switch_to_block(through_table);
        self.builder.seal_block(through_table);
        let results = self.call_table_entry(type_index, table_index, index, args, kind);
        let Some(joined) = joined else {
            return Vec::new();
        };
        let args: Vec<BlockArg> = results.iter().map(|v| BlockArg::Value(*v)).collect();
        self.builder.ins().jump(joined, &args);
        self.builder.switch_to_block(joined);
        self.builder.seal_block(joined);
        self.builder.block_params(joined).to_vec()
    }

    /// The code address of entry `index` (in bounds) of the copy at `base`.
    fn copy_code_address(&mut self, base: Value, index: Value) -> Value {
        let at = self.builder.ins().ishl_imm_u(index, 3);
        let at = self.builder.ins().iadd(base, at);
        // Read-only, but not free to move: the index is only in bounds past the check.
        let flags = MemFlagsData::trusted().with_readonly();
        self.builder.ins().load(types::I64, flags, at, 0)
    }

    /// The class of entry `index` (in bounds) of the copy at `base`.
    fn copy_class(&mut self, copy: &StaticCall, base: Value, index: Value) -> Value {
        let at = self.builder.ins().ishl_imm_u(index, 2);
        let at = self.builder.ins().iadd(base, at);
        let flags = MemFlagsData::trusted().with_readonly();
        let offset = copy.classes_offset as i32;
        self.builder.ins().load(types::I32, flags, at, offset)
    }

    /// The address of static table copy `symbol`.
    fn static_table_address(&mut self, symbol: u32) -> Value {
        if let Some(&copy) = self.static_copies.get(&symbol) {
            return self.builder.ins().func_addr(types::I64, copy);
        }
        let name = self
            .builder
            .func
            .declare_imported_user_function(UserExternalName {
                namespace: STATIC_TABLE_NAMESPACE,
                index: symbol,
            });
        // Never called: any signature serves.
        let sig = self
            .builder
            .import_signature(Signature::new(self.env.call_conv));
        let copy = self.builder.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.static_copies.insert(symbol, copy);
        self.builder.ins().func_addr(types::I64, copy)
    }
}
