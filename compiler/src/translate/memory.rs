//! Linear memory: loads and stores of every width, `memory.size`, `memory.grow` and the bulk
//! memory instructions, on 32- and 64-bit memories of 64 KiB or 1-byte pages. Accesses rely on
//! the guard region when they can (no check at all for 32-bit indices, one compare of the index
//! with the length for 64-bit ones) and compare their end with the length otherwise.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AliasRegion, AliasRegionData, Endianness, InstBuilder, InstructionData, MemFlagsData,
    Opcode, Type, Value, ValueDef,
};
use wasmaot_abi::vmctx::field;
use wasmaot_abi::{Libcall, TrapKind};
use wasmparser::{MemArg, Operator};

use super::{BoundsChecks, FuncTranslator};
use crate::error::Result;

/// The user id of the linear-memory alias region (see [`FuncTranslator::heap_address`]).
pub(crate) const LINEAR_MEMORY_REGION: u32 = 1;

/// The memory index an access names (core wasm: always a linear memory).
fn memarg_memory(memarg: &MemArg) -> u32 {
    match memarg.target {
        wasmparser::MemArgTarget::Memory(index) => index,
        wasmparser::MemArgTarget::Array(_) => 0,
    }
}

/// The shape of one load: result type, bytes read, and how they widen.
#[derive(Clone, Copy)]
enum Load {
    Full(Type),
    Signed(Type, u8),
    Unsigned(Type, u8),
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_memory(&mut self, op: &Operator<'_>) -> Result<bool> {
        use types::{F32, F64, I32, I64};
        use Operator as O;
        match *op {
            O::I32Load { memarg } => self.load(memarg, Load::Full(I32)),
            O::I64Load { memarg } => self.load(memarg, Load::Full(I64)),
            O::F32Load { memarg } => self.load(memarg, Load::Full(F32)),
            O::F64Load { memarg } => self.load(memarg, Load::Full(F64)),
            O::I32Load8S { memarg } => self.load(memarg, Load::Signed(I32, 1)),
            O::I32Load8U { memarg } => self.load(memarg, Load::Unsigned(I32, 1)),
            O::I32Load16S { memarg } => self.load(memarg, Load::Signed(I32, 2)),
            O::I32Load16U { memarg } => self.load(memarg, Load::Unsigned(I32, 2)),
            O::I64Load8S { memarg } => self.load(memarg, Load::Signed(I64, 1)),
            O::I64Load8U { memarg } => self.load(memarg, Load::Unsigned(I64, 1)),
            O::I64Load16S { memarg } => self.load(memarg, Load::Signed(I64, 2)),
            O::I64Load16U { memarg } => self.load(memarg, Load::Unsigned(I64, 2)),
            O::I64Load32S { memarg } => self.load(memarg, Load::Signed(I64, 4)),
            O::I64Load32U { memarg } => self.load(memarg, Load::Unsigned(I64, 4)),
            O::I32Store { memarg } | O::F32Store { memarg } => self.store(memarg, 4),
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(memarg, 8),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, 1),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(memarg, 2),
            O::I64Store32 { memarg } => self.store(memarg, 4),
            O::MemorySize { mem } => {
                let length = self.memory_length(mem);
                let ty = self.memory_type(mem);
                let pages = self
                    .builder
                    .ins()
                    .ushr_imm_u(length, i64::from(ty.page_size_log2));
                let pages = self.narrow_index(pages, ty.memory64);
                self.push(pages);
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop();
                let delta = self.widen_index(delta);
                let memory64 = self.memory_type(mem).memory64;
                let mem = self.builder.ins().iconst(I32, i64::from(mem));
                let old = self.call_libcall(Libcall::MemoryGrow, &[mem, delta]);
                // u64::MAX (failure) narrows to the i32 -1 the spec wants of 32-bit memories.
                let old = self.narrow_index(old[0], memory64);
                self.push(old);
            }
            O::MemoryFill { mem } => {
                let (dst, value, len) = self.pop3();
                let (dst, len) = (self.widen_index(dst), self.widen_index(len));
                let mem = self.builder.ins().iconst(I32, i64::from(mem));
                self.call_checked_libcall(
                    Libcall::MemoryFill,
                    &[mem, dst, value, len],
                    TrapKind::OutOfBoundsMemory,
                );
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                // Each address has its memory's index type; the length has the narrower of
                // the two (the spec's min of index types), and all travel as u64.
                let (dst, src, len) = self.pop3();
                let (dst, src, len) = (
                    self.widen_index(dst),
                    self.widen_index(src),
                    self.widen_index(len),
                );
                let dst_mem = self.builder.ins().iconst(I32, i64::from(dst_mem));
                let src_mem = self.builder.ins().iconst(I32, i64::from(src_mem));
                let args = [dst_mem, src_mem, dst, src, len];
                self.call_checked_libcall(Libcall::MemoryCopy, &args, TrapKind::OutOfBoundsMemory);
            }
            O::MemoryInit { data_index, mem } => {
                let (dst, src, len) = self.pop3();
                let dst = self.widen_index(dst);
                let mem = self.builder.ins().iconst(I32, i64::from(mem));
                let data = self.builder.ins().iconst(I32, i64::from(data_index));
                self.call_checked_libcall(
                    Libcall::MemoryInit,
                    &[mem, data, dst, src, len],
                    TrapKind::OutOfBoundsMemory,
                );
            }
            O::DataDrop { data_index } => {
                let data = self.builder.ins().iconst(I32, i64::from(data_index));
                self.call_libcall(Libcall::DataDrop, &[data]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn load(&mut self, memarg: MemArg, shape: Load) {
        let index = self.pop();
        let size = match shape {
            Load::Full(ty) => ty.bytes() as u8,
            Load::Signed(_, n) | Load::Unsigned(_, n) => n,
        };
        let (addr, offset, flags) = self.heap_address(memarg, index, size);
        let ins = self.builder.ins();
        let value = match shape {
            Load::Full(ty) => ins.load(ty, flags, addr, offset),
            Load::Signed(ty, 1) => ins.sload8(ty, flags, addr, offset),
            Load::Unsigned(ty, 1) => ins.uload8(ty, flags, addr, offset),
            Load::Signed(ty, 2) => ins.sload16(ty, flags, addr, offset),
            Load::Unsigned(ty, 2) => ins.uload16(ty, flags, addr, offset),
            Load::Signed(_, _) => ins.sload32(flags, addr, offset),
            Load::Unsigned(_, _) => ins.uload32(flags, addr, offset),
        };
        self.push(value);
    }

    fn store(&mut self, memarg: MemArg, size: u8) {
        let value = self.pop();
        self.store_value(memarg, value, size);
    }

    /// Store the low `size` bytes of `value` at the address on top of the stack (popped).
    pub(super) fn store_value(&mut self, memarg: MemArg, value: Value, size: u8) {
        let index = self.pop();
        let guard_catches = self.guard_catches(&memarg, size);
        let (addr, offset, flags) = self.heap_address(memarg, index, size);
        if size > 1 && guard_catches && self.env.stores_may_tear {
            // A store reaching into the guard region may write its in-bounds bytes before it
            // faults on such a CPU; a load of the same bytes faults first and writes nothing,
            // and a load that may trap is never removed.
            let probe = match size {
                2 => types::I16,
                4 => types::I32,
                8 => types::I64,
                _ => types::I8X16,
            };
            self.builder.ins().load(probe, flags, addr, offset);
        }
        // A narrowing store stores the narrowed value: a constant then folds to a constant of
        // the store's width, which x86-64 writes as an immediate (`movb $1, (..)`) instead of
        // materialising it in a register first.
        let value_size = self.builder.func.dfg.value_type(value).bytes() as u8;
        let narrow = match (size, value_size) {
            (1, 2..) => Some(types::I8),
            (2, 4..) => Some(types::I16),
            (4, 8) => Some(types::I32),
            _ => None,
        };
        let value = match narrow {
            Some(ty) => self.builder.ins().ireduce(ty, value),
            None => value,
        };
        self.builder.ins().store(flags, value, addr, offset);
    }

    /// The native address and immediate offset of an access of `size` bytes at
    /// `index + memarg.offset`, with the flags the access must carry. Emits a bounds check
    /// unless the guard region covers the access.
    pub(super) fn heap_address(
        &mut self,
        memarg: MemArg,
        index: Value,
        size: u8,
    ) -> (Value, i32, MemFlagsData) {
        // Linear memory is its own alias region: a store to it cannot change the runtime's
        // structures (a memory's length, globals, tables), so their loads need not be repeated
        // after one (calls, which may grow memory, still count as changing everything).
        let flags = MemFlagsData::new()
            .with_endianness(Endianness::Little)
            .with_trap_code(Some(super::trap_code(TrapKind::OutOfBoundsMemory)))
            .with_alias_region(Some(self.linear_memory_region()));
        let memory = memarg_memory(&memarg);
        let ty = self.memory_type(memory);
        let constant_address = crate::narrow_masks::constant(self.builder.func, index).is_some();
        let base = self.memory_base(memory, constant_address);
        // An offset and size may together pass 2^64 (memory64): such an access never fits.
        let end = u128::from(memarg.offset) + u128::from(size);
        let guarded = self.guard_catches(&memarg, size);
        if !ty.memory64 && ty.page_size_log2 == wasmaot_abi::WASM_PAGE_SHIFT {
            // Past this access, which traps unless it is in bounds, `index` is known to be
            // below the runtime's limit for 32-bit memories of 64 KiB pages.
            self.note_accessed(index);
        }
        if guarded && !ty.memory64 {
            // Any u32 index plus an offset within the guard lands in the 4 GiB + guard
            // reservation, where everything past the length faults: no check at all. A
            // constant the index adds without wrapping joins the offset: the same address.
            let (index, extra) = self.widen_address_parts(index);
            let addr = self.builder.ins().iadd(base, index);
            return match i32::try_from(memarg.offset + extra) {
                Ok(offset) => (addr, offset, flags),
                Err(_) => {
                    let addr = self.builder.ins().iadd_imm_u(addr, extra as i64);
                    (addr, memarg.offset as i32, flags)
                }
            };
        }
        let index = match ty.memory64 {
            true => index,
            false => self.widen_address(index),
        };
        let length = self.memory_length(memory);
        if guarded {
            // 64-bit index: one compare. An index up to the length plus an offset and size
            // within the guard stays inside the reservation (the runtime keeps a guard after
            // the largest length it allows), whose bytes past the length fault.
            let out = self
                .builder
                .ins()
                .icmp(IntCC::UnsignedGreaterThan, index, length);
            self.builder
                .ins()
                .trapnz(out, super::trap_code(TrapKind::OutOfBoundsMemory));
            let addr = self.builder.ins().iadd(base, index);
            return (addr, memarg.offset as i32, flags);
        }
        let oob = super::trap_code(TrapKind::OutOfBoundsMemory);
        let access_end = if ty.memory64 {
            // index + offset + size may pass 2^64: a carry out is out of bounds too.
            match u64::try_from(end) {
                Ok(end) => {
                    let end = self.builder.ins().iconst(types::I64, end as i64);
                    self.builder.ins().uadd_overflow_trap(index, end, oob)
                }
                Err(_) => {
                    let offset = self.builder.ins().iconst(types::I64, memarg.offset as i64);
                    let sum = self.builder.ins().uadd_overflow_trap(index, offset, oob);
                    let size = self.builder.ins().iconst(types::I64, i64::from(size));
                    self.builder.ins().uadd_overflow_trap(sum, size, oob)
                }
            }
        } else {
            // index < 2^32 and end < 2^33: the sum cannot wrap in 64 bits.
            self.builder.ins().iadd_imm_u(index, end as i64)
        };
        let out = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, access_end, length);
        self.builder.ins().trapnz(out, oob);
        let addr = self.builder.ins().iadd(base, index);
        let addr = self.builder.ins().iadd_imm_u(addr, memarg.offset as i64);
        (addr, 0, flags)
    }

    /// Whether the end of an access of `size` bytes at `memarg` is kept in bounds by the guard
    /// region alone (a fault), rather than by a compare with the length.
    fn guard_catches(&self, memarg: &MemArg, size: u8) -> bool {
        let guard = match self.env.bounds_checks {
            BoundsChecks::GuardPages { guard } => guard,
            BoundsChecks::Explicit => return false,
        };
        let ty = self.memory_type(memarg_memory(memarg));
        // With pages smaller than the host's, bytes past the length may still be mapped: only
        // 64 KiB pages leave everything from the length on inaccessible.
        ty.page_size_log2 == wasmaot_abi::WASM_PAGE_SHIFT
            && u128::from(memarg.offset) + u128::from(size) <= u128::from(guard)
            && memarg.offset <= i32::MAX as u64
    }

    /// The i32 `value` zero-extended to i64. A value read from a wide local is the low half of
    /// its variable, which is returned ([`super::variables`]). A 32-bit load, and a narrower
    /// unsigned one, already clears the upper half of its register, but Cranelift knows that
    /// only of arithmetic: on x86-64 every pointer loaded from memory and then dereferenced
    /// paid a `mov %eax,%eax`, one cycle on the load-to-load chain. Such a load is rewritten in
    /// place into its i64 form, and `value` becomes the `ireduce` of it, which costs nothing.
    pub(super) fn zero_extend(&mut self, value: Value) -> Value {
        match self.zero_extended_for_free(value) {
            Some(wide) => wide,
            None => self.builder.ins().uextend(types::I64, value),
        }
    }

    /// The i32 `value` zero-extended to i64 when that costs no instruction (see
    /// [`Self::zero_extend`]): the wide local or the load it is the low half of.
    pub(super) fn zero_extended_for_free(&mut self, value: Value) -> Option<Value> {
        if let Some(&wide) = self.zero_extended.get(&value) {
            return Some(wide);
        }
        self.widened_load(value)
    }

    /// The i64 load `value` is the low half of, widening the load that made `value` first if
    /// it is a zero-extending one.
    fn widened_load(&mut self, value: Value) -> Option<Value> {
        let func = &mut self.builder.func;
        let ValueDef::Result(inst, 0) = func.dfg.value_def(value) else {
            return None;
        };
        match func.dfg.insts[inst] {
            InstructionData::Unary {
                opcode: Opcode::Ireduce,
                arg,
            } => {
                // A load widened for an earlier use, or a wasm i64 load wrapped to i32.
                let ValueDef::Result(load, 0) = func.dfg.value_def(arg) else {
                    return None;
                };
                let zero_extending = matches!(
                    func.dfg.insts[load],
                    InstructionData::Load {
                        opcode: Opcode::Uload8 | Opcode::Uload16 | Opcode::Uload32,
                        ..
                    }
                );
                (zero_extending && func.dfg.value_type(arg) == types::I64).then_some(arg)
            }
            InstructionData::Load {
                opcode,
                flags,
                offset,
                arg,
            } if func.dfg.value_type(value) == types::I32 => {
                let wide = match opcode {
                    Opcode::Load => Opcode::Uload32,
                    Opcode::Uload8 | Opcode::Uload16 => opcode,
                    _ => return None,
                };
                // The wide load takes the narrow one's place and source location (its trap
                // reports the same wasm offset).
                let srcloc = func.srcloc(inst);
                let mut cursor = FuncCursor::new(func).at_inst(inst).with_srcloc(srcloc);
                let (load, dfg) = cursor.ins().Load(wide, types::I64, flags, offset, arg);
                let wide_value = dfg.first_result(load);
                func.replace(inst).ireduce(types::I32, wide_value);
                Some(wide_value)
            }
            _ => None,
        }
    }

    /// The alias region of every linear memory (one for all: they are never told apart).
    fn linear_memory_region(&mut self) -> AliasRegion {
        self.builder.func.dfg.alias_regions.insert(AliasRegionData {
            user_id: LINEAR_MEMORY_REGION,
            description: "linear memory".into(),
        })
    }

    /// The type of memory `index`.
    fn memory_type(&self, index: u32) -> wasmaot_abi::metadata::MemoryType {
        self.env.meta.memories[index as usize]
    }

    /// The address of memory `index`'s `VMMemory` (imported or not, it lives with the memory).
    fn memory_struct(&mut self, index: u32) -> (Value, i32) {
        let ptr = self.load_vmctx_ptr(self.env.layout.memory_ptr(index), true);
        (ptr, 0)
    }

    /// Memory `index`'s base, for an access at a `constant_address` or not.
    ///
    /// For a memory 0 compiled for a fixed address, a constant, which the backend folds into
    /// each access's displacement with no register held. But not for an access at a constant
    /// address (a C global): Cranelift's x86-64 backend has no absolute addressing mode, and
    /// would put the constant in a register before each such access (`mov $0x60000000,%eax;
    /// mov 0xef8(%rax),%eax`). Such accesses read the base as below, once per function: the
    /// allocator of `binary_trees`, whose state is a global, ran 2.3% fewer instructions.
    ///
    /// Else, with guard pages it never moves, so the copy the vmctx holds is read (one load
    /// where the `VMMemory` costs two), and the load may be shared and hoisted; with explicit
    /// checks the runtime may move a memory when it grows, so the base is read from the
    /// `VMMemory` again after every call (like the length).
    fn memory_base(&mut self, index: u32, constant_address: bool) -> Value {
        let fixed = self.env.meta.memory_strategy.fixed_base;
        if index == 0 && fixed != 0 && !constant_address {
            // The runtime places memory 0 there (see `Options::fixed_memory_base`).
            return self.builder.ins().iconst(types::I64, fixed as i64);
        }
        match self.env.bounds_checks {
            BoundsChecks::GuardPages { .. } => {
                let flags = MemFlagsData::trusted().with_readonly().with_can_move();
                let offset = self.env.layout.memory_base(index) as i32;
                self.builder
                    .ins()
                    .load(types::I64, flags, self.vmctx, offset)
            }
            BoundsChecks::Explicit => {
                let (ptr, offset) = self.memory_struct(index);
                self.builder.ins().load(
                    types::I64,
                    MemFlagsData::trusted(),
                    ptr,
                    offset + field::MEMORY_BASE,
                )
            }
        }
    }

    /// Memory `index`'s current length in bytes.
    fn memory_length(&mut self, index: u32) -> Value {
        let (ptr, offset) = self.memory_struct(index);
        let flags = MemFlagsData::trusted();
        self.builder
            .ins()
            .load(types::I64, flags, ptr, offset + field::MEMORY_LENGTH)
    }
}
