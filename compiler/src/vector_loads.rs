//! Vector loads and stores take the lane type their value is used as, before the mid-end.
//!
//! Every `v128` is an `i8x16` in the translation, and each operator reinterprets it as the
//! lanes it works on (`bitcast`, no instruction: see `translate::simd`). So a `v128.load` whose
//! value feeds an `f64x2.mul` was an `i8x16` load and a `bitcast`, and lowering can only fold a
//! load into the instruction that uses it directly, which was the `bitcast`: `matmul`'s
//! vectorised loop (`c[j] += a * b[j]`) loaded both vectors with `vmovdqu` and then multiplied
//! and added registers, where `vmulpd` and `vaddpd` take a memory operand. An `i8x16` load
//! whose every use is a `bitcast` to one lane type becomes a load of that type, and a store
//! of a `bitcast` to `i8x16` stores the value it was cast from. Both read and write the same
//! bytes: the `bitcast`s here are the translation's, little-endian.

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{self, Endianness, Inst, InstructionData, Opcode, Value};

use crate::translate::V128;

/// Retypes the loads and stores described above. Returns how many changed.
pub fn type_vector_accesses(func: &mut ir::Function) -> usize {
    let mut candidates = Vec::new();
    let mut stores = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            match func.dfg.insts[inst] {
                InstructionData::Load {
                    opcode: Opcode::Load,
                    flags,
                    ..
                } => {
                    let value = func.dfg.first_result(inst);
                    if func.dfg.value_type(value) == V128 && !big_endian(func, flags) {
                        candidates.push(inst);
                    }
                }
                InstructionData::Store {
                    opcode: Opcode::Store,
                    args: [data, _],
                    flags,
                    ..
                } => {
                    if let Some(source) = cast_source(func, data) {
                        if !big_endian(func, flags) {
                            stores.push((inst, source));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut loads = Vec::new();
    if !candidates.is_empty() {
        let mut uses = uses(func);
        for load in candidates {
            let value = func.dfg.first_result(load);
            if let Some(ty) = one_lane_type(func, &uses[value]) {
                loads.push((load, ty, std::mem::take(&mut uses[value])));
            }
        }
    }
    for (load, ty, casts) in &loads {
        let old = func.dfg.first_result(*load);
        let new = func.dfg.replace_result(old, *ty);
        for &cast in casts {
            let result = func.dfg.first_result(cast);
            func.layout.remove_inst(cast);
            func.dfg.change_to_alias(result, new);
        }
    }
    for &(store, source) in &stores {
        func.dfg.inst_args_mut(store)[0] = source;
    }
    loads.len() + stores.len()
}

fn big_endian(func: &ir::Function, flags: ir::MemFlags) -> bool {
    func.dfg.mem_flags[flags].explicit_endianness() == Some(Endianness::Big)
}

/// The instructions using each `i8x16` value, each once per operand it is.
fn uses(func: &ir::Function) -> SecondaryMap<Value, Vec<Inst>> {
    let mut uses: SecondaryMap<Value, Vec<Inst>> = SecondaryMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for value in func.dfg.inst_values(inst) {
                let value = func.dfg.resolve_aliases(value);
                if func.dfg.value_type(value) == V128 {
                    uses[value].push(inst);
                }
            }
        }
    }
    uses
}

/// The one vector type every instruction of `uses` casts to, if each is a [`vector_cast`].
fn one_lane_type(func: &ir::Function, uses: &[Inst]) -> Option<ir::Type> {
    let mut found = None;
    for &inst in uses {
        let (_, ty) = vector_cast(func, inst)?;
        if found.is_some_and(|t| t != ty) {
            return None;
        }
        found = Some(ty);
    }
    found
}

/// The vector an `i8x16` `value` was cast from, if it is the result of a [`vector_cast`].
fn cast_source(func: &ir::Function, value: Value) -> Option<Value> {
    let value = func.dfg.resolve_aliases(value);
    match func.dfg.value_def(value) {
        ir::ValueDef::Result(inst, _) if func.dfg.value_type(value) == V128 => {
            vector_cast(func, inst).map(|(source, _)| source)
        }
        _ => None,
    }
}

/// The operand and the result type of `inst` if it is a little-endian `bitcast` between two
/// 128-bit vector types (the translation's casts between lane shapes).
fn vector_cast(func: &ir::Function, inst: Inst) -> Option<(Value, ir::Type)> {
    let InstructionData::LoadNoOffset {
        opcode: Opcode::Bitcast,
        arg,
        flags,
    } = func.dfg.insts[inst]
    else {
        return None;
    };
    let little = func.dfg.mem_flags[flags].explicit_endianness() == Some(Endianness::Little);
    let ty = func.dfg.value_type(func.dfg.first_result(inst));
    let vector = |t: ir::Type| t.is_vector() && t.bits() == V128.bits();
    (little && vector(ty) && vector(func.dfg.value_type(arg))).then_some((arg, ty))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::{F32X4, F64X2, I32X4, I64};
    use cranelift_codegen::ir::{InstBuilder, MemFlagsData};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    fn little() -> MemFlagsData {
        MemFlagsData::new().with_endianness(Endianness::Little)
    }

    /// `v = load.i8x16 p`, then each of `casts` as a `bitcast` of `v`, added together, and
    /// the sum stored at `p + 16` as an `i8x16` (cast back).
    fn loaded(casts: &[ir::Type]) -> ir::Function {
        let mut func = crate::test_ir::function(&[I64], &[]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let p = crate::test_ir::enter(&mut b)[0];
        let v = b.ins().load(V128, MemFlagsData::trusted(), p, 0);
        for &ty in casts {
            let lanes = b.ins().bitcast(ty, little(), v);
            let sum = match ty.lane_type().is_float() {
                true => b.ins().fadd(lanes, lanes),
                false => b.ins().iadd(lanes, lanes),
            };
            let back = b.ins().bitcast(V128, little(), sum);
            b.ins().store(MemFlagsData::trusted(), back, p, 16);
        }
        b.ins().return_(&[]);
        crate::test_ir::finish(b);
        func
    }

    fn opcodes(func: &ir::Function) -> Vec<(Opcode, ir::Type)> {
        func.layout
            .blocks()
            .flat_map(|block| func.layout.block_insts(block))
            .map(|inst| {
                let ty = match func.dfg.inst_results(inst).first() {
                    Some(&v) => func.dfg.value_type(v),
                    None => func.dfg.ctrl_typevar(inst),
                };
                (func.dfg.insts[inst].opcode(), ty)
            })
            .collect()
    }

    #[test]
    fn a_load_cast_to_one_lane_type_is_loaded_as_it() {
        let mut func = loaded(&[F64X2, F64X2]);
        assert_eq!(type_vector_accesses(&mut func), 3);
        let ops = opcodes(&func);
        assert!(ops.contains(&(Opcode::Load, F64X2)), "{}", func.display());
        assert!(!ops.contains(&(Opcode::Load, V128)), "{}", func.display());
        // The stores now store the sums, and only the casts back remain, unused.
        let casts = ops.iter().filter(|(op, _)| *op == Opcode::Bitcast).count();
        assert_eq!(casts, 2, "{}", func.display());
        assert!(ops.contains(&(Opcode::Store, F64X2)), "{}", func.display());
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        cranelift_codegen::verify_function(&func, &flags).expect("valid IR");
    }

    #[test]
    fn a_load_cast_to_two_lane_types_stays_as_it_is() {
        let mut func = loaded(&[F32X4, I32X4]);
        assert_eq!(type_vector_accesses(&mut func), 2, "only the two stores");
        let ops = opcodes(&func);
        assert!(ops.contains(&(Opcode::Load, V128)), "{}", func.display());
        assert!(ops.contains(&(Opcode::Store, F32X4)), "{}", func.display());
        assert!(ops.contains(&(Opcode::Store, I32X4)), "{}", func.display());
    }

    #[test]
    fn a_load_used_as_it_is_stays_as_it_is() {
        let mut func = crate::test_ir::function(&[I64], &[]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let p = crate::test_ir::enter(&mut b)[0];
        let v = b.ins().load(V128, MemFlagsData::trusted(), p, 0);
        let lanes = b.ins().bitcast(F64X2, little(), v);
        let sum = b.ins().fadd(lanes, lanes);
        let back = b.ins().bitcast(V128, little(), sum);
        b.ins().store(MemFlagsData::trusted(), v, p, 16);
        b.ins().store(MemFlagsData::trusted(), back, p, 32);
        b.ins().return_(&[]);
        crate::test_ir::finish(b);
        assert_eq!(
            type_vector_accesses(&mut func),
            1,
            "only the store of the sum"
        );
        assert!(opcodes(&func).contains(&(Opcode::Load, V128)));
    }

    #[test]
    fn big_endian_casts_are_left_alone() {
        let mut func = crate::test_ir::function(&[I64], &[]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let p = crate::test_ir::enter(&mut b)[0];
        let v = b.ins().load(V128, MemFlagsData::trusted(), p, 0);
        let big = MemFlagsData::new().with_endianness(Endianness::Big);
        let lanes = b.ins().bitcast(I32X4, big, v);
        let sum = b.ins().iadd(lanes, lanes);
        let back = b.ins().bitcast(V128, big, sum);
        b.ins().store(MemFlagsData::trusted(), back, p, 16);
        b.ins().return_(&[]);
        crate::test_ir::finish(b);
        assert_eq!(type_vector_accesses(&mut func), 0);
    }
}
