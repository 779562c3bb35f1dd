//! Calls: direct, imported, indirect through a table (with its bounds, null and signature
//! checks), through a typed function reference (`call_ref`), each also as a tail call
//! (`return_call*`, Cranelift's `return_call`: the caller's frame is gone before the callee runs),
//! and calls into the runtime's libcall table.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, ExtFuncData, ExternalName, InstBuilder, MemFlagsData, SigRef, Signature,
    UserExternalName, Value,
};
use wasmaot_abi::libcall::AbiType;
use wasmaot_abi::vmctx::field;
use wasmaot_abi::{Libcall, TrapKind, VmctxLayout};
use wasmparser::Operator;

use super::exceptions::Callee;
use super::FuncTranslator;
use crate::error::Result;

/// Whether a call returns to its caller, or replaces the caller's frame (`return_call*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CallKind {
    Normal,
    Tail,
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_call(&mut self, op: &Operator<'_>) -> Result<bool> {
        use CallKind::{Normal, Tail};
        match *op {
            Operator::Call { function_index } => self.call(function_index, Normal),
            Operator::ReturnCall { function_index } => self.call(function_index, Tail),
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, Normal),
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, Tail),
            Operator::CallRef { type_index } => self.call_ref(type_index, Normal),
            Operator::ReturnCallRef { type_index } => self.call_ref(type_index, Tail),
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn call(&mut self, func_index: u32, kind: CallKind) {
        let type_index = self.env.meta.func_types[func_index as usize];
        let arity = self.env.meta.types[type_index as usize].params.len();
        let args = self.popn(arity);
        let imported = self.env.imported_funcs();
        if func_index < imported {
            let funcref = self.load_vmctx_ptr(self.env.layout.imported_func(func_index), true);
            let results = self.call_funcref(funcref, type_index, &args, kind);
            self.stack.extend(results);
            return;
        }
        let sig = self
            .builder
            .import_signature(self.env.signature(type_index));
        let name = self
            .builder
            .func
            .declare_imported_user_function(UserExternalName {
                namespace: 0,
                index: func_index - imported,
            });
        let callee = self.builder.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        let mut call_args = self.vmctx_args(self.vmctx);
        call_args.extend_from_slice(&args);
        match kind {
            CallKind::Normal => {
                let results = self.emit_call(Callee::Direct(callee), &call_args);
                self.stack.extend(results);
            }
            CallKind::Tail => {
                self.fuel_out();
                self.builder.ins().return_call(callee, &call_args);
                self.reachable = false;
            }
        }
    }

    /// Call through a `VMFuncRef` whose type is known to be `type_index`; the results (none
    /// for a tail call).
    fn call_funcref(
        &mut self,
        funcref: Value,
        type_index: u32,
        args: &[Value],
        kind: CallKind,
    ) -> Vec<Value> {
        let flags = MemFlagsData::trusted().with_readonly();
        let func_ptr = self
            .builder
            .ins()
            .load(types::I64, flags, funcref, field::FUNCREF_FUNC_PTR);
        let callee_vmctx =
            self.builder
                .ins()
                .load(types::I64, flags, funcref, field::FUNCREF_VMCTX);
        let sig = self
            .builder
            .import_signature(self.env.signature(type_index));
        self.call_code(sig, func_ptr, callee_vmctx, args, kind)
    }

    /// Call the code at `func_ptr`, of signature `sig`, with `callee_vmctx`; the results (none
    /// for a tail call).
    pub(super) fn call_code(
        &mut self,
        sig: SigRef,
        func_ptr: Value,
        callee_vmctx: Value,
        args: &[Value],
        kind: CallKind,
    ) -> Vec<Value> {
        let mut call_args = self.vmctx_args(callee_vmctx);
        call_args.extend_from_slice(args);
        match kind {
            CallKind::Normal => self.emit_call(Callee::Indirect(sig, func_ptr), &call_args),
            CallKind::Tail => {
                self.fuel_out();
                self.builder
                    .ins()
                    .return_call_indirect(sig, func_ptr, &call_args);
                self.reachable = false;
                Vec::new()
            }
        }
    }

    /// The arguments of a wasm call before the wasm ones: the callee's vmctx, then the
    /// caller's unless the vmctx is fixed ([`super::wasm_signature`]).
    fn vmctx_args(&self, callee_vmctx: Value) -> Vec<Value> {
        if self.env.meta.memory_strategy.fixed_vmctx == 0 {
            vec![callee_vmctx, self.vmctx]
        } else {
            vec![callee_vmctx]
        }
    }

    fn call_indirect(&mut self, type_index: u32, table_index: u32, kind: CallKind) {
        let index = self.pop();
        let arity = self.env.meta.types[type_index as usize].params.len();
        let args = self.popn(arity);
        let copy = match self.large {
            false => self.env.static_tables.call(table_index, type_index),
            true => None,
        };
        let results = match copy {
            Some(copy) => self.call_static_table(copy, type_index, table_index, index, &args, kind),
            None => self.call_table_entry(type_index, table_index, index, &args, kind),
        };
        self.stack.extend(results);
    }

    /// `call_indirect` reading the table: bounds, null and type checks, then the call.
    pub(super) fn call_table_entry(
        &mut self,
        type_index: u32,
        table_index: u32,
        index: Value,
        args: &[Value],
        kind: CallKind,
    ) -> Vec<Value> {
        let funcref = self.checked_table_entry(type_index, table_index, index);
        self.call_funcref(funcref, type_index, args, kind)
    }

    /// Entry `index` of `table_index`, trapping unless it is a function of type `type_index`.
    pub(super) fn checked_table_entry(
        &mut self,
        type_index: u32,
        table_index: u32,
        index: Value,
    ) -> Value {
        let entry = self.table_entry_address(table_index, index, TrapKind::UndefinedElement);
        let funcref = self
            .builder
            .ins()
            .load(types::I64, MemFlagsData::trusted(), entry, 0);
        let null = super::trap_code(TrapKind::UninitializedElement);
        self.builder.ins().trapz(funcref, null);
        let flags = MemFlagsData::trusted().with_readonly();
        let actual = self
            .builder
            .ins()
            .load(types::I32, flags, funcref, field::FUNCREF_TYPE_ID);
        let expected_at = self.env.layout.type_id(type_index) as i32;
        let expected =
            self.builder
                .ins()
                .load(types::I32, flags.with_can_move(), self.vmctx, expected_at);
        let mismatch = self.builder.ins().icmp(IntCC::NotEqual, actual, expected);
        let trap = super::trap_code(TrapKind::IndirectCallTypeMismatch);
        self.builder.ins().trapnz(mismatch, trap);
        funcref
    }

    /// `call_ref $t`: validation guarantees the reference has type `$t` (or a subtype, which is
    /// the same signature without GC), so only null needs a check.
    fn call_ref(&mut self, type_index: u32, kind: CallKind) {
        let funcref = self.pop();
        let arity = self.env.meta.types[type_index as usize].params.len();
        let args = self.popn(arity);
        let null = super::trap_code(TrapKind::NullFunctionReference);
        self.builder.ins().trapz(funcref, null);
        let results = self.call_funcref(funcref, type_index, &args, kind);
        self.stack.extend(results);
    }

    /// Call runtime function `libcall` with the caller's vmctx and `args`.
    /// Call a bounds-checking runtime call (see [`Libcall`]) and trap with `kind` when it
    /// reports its operands out of bounds.
    pub(super) fn call_checked_libcall(
        &mut self,
        libcall: Libcall,
        args: &[Value],
        kind: TrapKind,
    ) {
        let status = self.call_libcall(libcall, args);
        debug_assert_eq!(status.len(), 1, "{libcall:?} returns a status");
        self.builder.ins().trapnz(status[0], super::trap_code(kind));
    }

    pub(super) fn call_libcall(&mut self, libcall: Libcall, args: &[Value]) -> Vec<Value> {
        let ir = |ty: AbiType| match ty {
            AbiType::I32 => types::I32,
            AbiType::I64 => types::I64,
        };
        let (params, result) = libcall.signature();
        debug_assert_eq!(params.len(), args.len(), "{libcall:?} arguments");
        let mut sig = Signature::new(self.env.call_conv);
        sig.params.push(AbiParam::new(types::I64));
        sig.params
            .extend(params.iter().map(|t| AbiParam::new(ir(*t))));
        sig.returns.extend(result.map(|t| AbiParam::new(ir(t))));
        let sig = self.builder.import_signature(sig);
        let table = self.load_vmctx_ptr(VmctxLayout::LIBCALLS as u32, true);
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        let slot = (libcall as i32) * 8;
        let func_ptr = self.builder.ins().load(types::I64, flags, table, slot);
        let mut call_args = vec![self.vmctx];
        call_args.extend_from_slice(args);
        let call = self.builder.ins().call_indirect(sig, func_ptr, &call_args);
        self.builder.inst_results(call).to_vec()
    }
}
