//! Checks compiled in on request, beyond the spec: interruption (function entries and loop
//! headers read the store's interruption flag and trap when it is set) and fuel (each run of
//! instructions subtracts its length from the store's fuel before the next control
//! instruction, and traps once the fuel is below zero). Off, they emit nothing.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData};
use wasmaot_abi::{TrapKind, VmctxLayout};

use super::FuncTranslator;

impl FuncTranslator<'_, '_> {
    /// Trap if the store's code must stop. An atomic load: the flag changes under the code's
    /// feet, so this read must never be merged with an earlier one or hoisted out of a loop.
    pub(super) fn check_interrupt(&mut self) {
        if !self.env.instrumentation.interrupt_checks {
            return;
        }
        let flag = self.load_vmctx_ptr(VmctxLayout::INTERRUPT as u32, true);
        let value = self
            .builder
            .ins()
            .atomic_load(types::I32, MemFlagsData::trusted(), flag);
        let code = super::trap_code(TrapKind::Interrupted);
        self.builder.ins().trapnz(value, code);
    }

    /// Count one instruction against the fuel.
    pub(super) fn count_fuel(&mut self) {
        if self.env.instrumentation.fuel {
            self.fuel_pending += 1;
        }
    }

    /// Take the instructions counted since the last time from the store's fuel; trap if it is
    /// then below zero.
    pub(super) fn flush_fuel(&mut self) {
        if self.fuel_pending == 0 {
            return;
        }
        let count = std::mem::take(&mut self.fuel_pending);
        let fuel = self.load_vmctx_ptr(VmctxLayout::FUEL as u32, true);
        let flags = MemFlagsData::trusted();
        let left = self.builder.ins().load(types::I64, flags, fuel, 0);
        let left = self.builder.ins().iadd_imm_s(left, -i64::from(count));
        self.builder.ins().store(flags, left, fuel, 0);
        let out = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::SignedLessThan, left, 0);
        self.builder
            .ins()
            .trapnz(out, super::trap_code(TrapKind::OutOfFuel));
    }
}
