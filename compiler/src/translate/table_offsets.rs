//! `br_table` on an index less a constant, as C compilers emit a `switch` whose first case is
//! not 0 (`switch (op) { case 2: ... }` becomes `br_table (op - 2)`): the table gets that many
//! more entries in front, going where the default goes, and takes the index itself. Exact for
//! every index: below the constant the subtraction wraps to a number past the table's end,
//! which takes the default, as the new leading entries do; from the constant on, entry
//! `index - c` of the old table is entry `index` of the new one; and past the old end plus
//! the constant both take the default. Each dispatch saves the subtraction, where the index
//! needs no zero-extension in its place (see [`clears_upper_half`]).

use cranelift_codegen::ir::{self, BlockArg, BlockCall, JumpTableData, Value};

/// The most entries a table grows by (4 bytes each in the code).
const MAX_OFFSET: i64 = 128;

/// `(x, c)` when `index` is `x - c` for an i32 `x` and a constant `c` from 1 to
/// [`MAX_OFFSET`].
pub fn offset(func: &ir::Function, index: Value) -> Option<(Value, i64)> {
    let (x, k) = crate::vector_loops::add_constant(func, index)?;
    let offset = k.wrapping_neg();
    ((1..=MAX_OFFSET).contains(&offset) && func.dfg.value_type(x) == ir::types::I32)
        .then_some((x, offset))
}

/// Whether x86-64 gets the i32 `value` with its upper half clear at no cost: the result of
/// a 32-bit arithmetic instruction, which clears it (as the subtraction did, so that taking
/// the index itself would cost the zero-extension the subtraction saved).
pub fn clears_upper_half(func: &ir::Function, value: Value) -> bool {
    let ir::ValueDef::Result(inst, _) = func.dfg.value_def(value) else {
        return false;
    };
    use ir::Opcode as O;
    matches!(
        func.dfg.insts[inst].opcode(),
        O::Iadd | O::Isub | O::Imul | O::Band | O::Bor | O::Bxor | O::Ishl | O::Ushr
    )
}

/// Gives `jt` `offset` leading entries that go where its default goes.
pub fn lengthen(func: &mut ir::Function, jt: ir::JumpTable, offset: i64) {
    let old = &func.dfg.jump_tables[jt];
    let default = old.default_block();
    let entries: Vec<BlockCall> = old.as_slice().to_vec();
    let pool = &mut func.dfg.value_lists;
    let copy = |call: BlockCall, pool: &mut ir::ValueListPool| {
        let args: Vec<BlockArg> = call.args(pool).collect();
        BlockCall::new(call.block(pool), args, pool)
    };
    let mut table: Vec<BlockCall> = (0..offset).map(|_| copy(default, pool)).collect();
    table.extend(entries);
    func.dfg.jump_tables[jt] = JumpTableData::new(default, &table);
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{types, Block, InstBuilder};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    /// `br_table (x + k)` over three blocks and a default, each returning its number; the
    /// function, the table, `x` and the index the `br_table` is given.
    fn switch(k: i64) -> (ir::Function, ir::JumpTable, Value, Value) {
        let mut func = crate::test_ir::function(&[types::I32], &[types::I32]);
        let mut context = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut context);
        let params = crate::test_ir::enter(&mut b);
        let x = params[0];
        let index = b.ins().iadd_imm_s(x, k);
        let targets: Vec<Block> = (0..4).map(|_| b.create_block()).collect();
        let pool = &mut b.func.dfg.value_lists;
        let calls: Vec<BlockCall> = targets
            .iter()
            .map(|&t| BlockCall::new(t, [], pool))
            .collect();
        let jt = b.create_jump_table(JumpTableData::new(calls[0], &calls[1..]));
        b.ins().br_table(index, jt);
        for (n, &t) in targets.iter().enumerate() {
            b.switch_to_block(t);
            let v = b.ins().iconst(types::I32, n as i64);
            b.ins().return_(&[v]);
        }
        crate::test_ir::finish(b);
        (func, jt, x, index)
    }

    fn blocks(func: &ir::Function, jt: ir::JumpTable) -> (Block, Vec<Block>) {
        let data = &func.dfg.jump_tables[jt];
        let pool = &func.dfg.value_lists;
        let entries = data.as_slice().iter().map(|c| c.block(pool)).collect();
        (data.default_block().block(pool), entries)
    }

    #[test]
    fn an_index_less_a_constant_takes_a_longer_table() {
        let (mut func, jt, x, index) = switch(-2);
        let (default, old) = blocks(&func, jt);
        assert_eq!(offset(&func, index), Some((x, 2)));
        lengthen(&mut func, jt, 2);
        let (same_default, new) = blocks(&func, jt);
        assert_eq!(same_default, default);
        let mut want = vec![default, default];
        want.extend(old);
        assert_eq!(new, want);
    }

    #[test]
    fn other_indices_are_left_alone() {
        for k in [0, 3, -(MAX_OFFSET + 1)] {
            let (func, _, _, index) = switch(k);
            assert_eq!(offset(&func, index), None, "{k}");
        }
    }
}
