//! Checks compiled in on request, beyond the spec: interruption (function entries and loop
//! headers read the store's interruption flag and trap when it is set) and fuel (each run of
//! instructions subtracts its length from the fuel before the next control instruction;
//! function entries and loop headers trap once the fuel is below zero, so that any run of
//! code that does not end passes a check). Off, they emit nothing.
//!
//! A function keeps the fuel in a variable (a register, in loops): it is read from the store
//! on entry and after every call, and written back before every call, return and throw, so
//! the store's copy is exact whenever other code may run.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData};
use wasmaot_abi::vmctx::field;
use wasmaot_abi::{TrapKind, VmctxLayout};

use super::FuncTranslator;

impl FuncTranslator<'_, '_> {
    /// Trap if the store's code must stop. An atomic load: the flag changes under the code's
    /// feet, so this read must never be merged with an earlier one or hoisted out of a loop.
    pub(super) fn check_interrupt(&mut self) {
        if !self.env.instrumentation.interrupt_checks {
            return;
        }
        // The flag is the first field of the limits.
        let flag = self.load_vmctx_ptr(VmctxLayout::LIMITS as u32, true);
        let value = self
            .builder
            .ins()
            .atomic_load(types::I32, MemFlagsData::trusted(), flag);
        let code = super::trap_code(TrapKind::Interrupted);
        self.builder.ins().trapnz(value, code);
    }

    /// Start metering: the function's fuel variable, read from the store.
    pub(super) fn start_fuel(&mut self) {
        if !self.env.instrumentation.fuel {
            return;
        }
        let var = self.builder.declare_var(types::I64);
        self.fuel_var = Some(var);
        self.fuel_in();
        self.check_fuel();
    }

    /// Read the store's fuel into the variable (after code elsewhere may have spent some).
    pub(super) fn fuel_in(&mut self) {
        let Some(var) = self.fuel_var else { return };
        let limits = self.load_vmctx_ptr(VmctxLayout::LIMITS as u32, true);
        let left = self.builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            limits,
            field::LIMITS_FUEL,
        );
        self.builder.def_var(var, left);
    }

    /// Write the variable back to the store (before code elsewhere runs).
    pub(super) fn fuel_out(&mut self) {
        let Some(var) = self.fuel_var else { return };
        self.flush_fuel();
        let left = self.builder.use_var(var);
        let limits = self.load_vmctx_ptr(VmctxLayout::LIMITS as u32, true);
        self.builder
            .ins()
            .store(MemFlagsData::trusted(), left, limits, field::LIMITS_FUEL);
    }

    /// Count one instruction against the fuel.
    pub(super) fn count_fuel(&mut self) {
        if self.env.instrumentation.fuel {
            self.fuel_pending += 1;
        }
    }

    /// Take the instructions counted since the last time from the fuel.
    pub(super) fn flush_fuel(&mut self) {
        let Some(var) = self.fuel_var else { return };
        if self.fuel_pending == 0 {
            return;
        }
        let count = std::mem::take(&mut self.fuel_pending);
        let left = self.builder.use_var(var);
        let left = self.builder.ins().iadd_imm_s(left, -i64::from(count));
        self.builder.def_var(var, left);
    }

    /// Trap if the fuel is below zero (at function entries and loop headers).
    pub(super) fn check_fuel(&mut self) {
        let Some(var) = self.fuel_var else { return };
        self.flush_fuel();
        let left = self.builder.use_var(var);
        let out = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::SignedLessThan, left, 0);
        self.builder
            .ins()
            .trapnz(out, super::trap_code(TrapKind::OutOfFuel));
    }
}
