//! Switch loops with their dispatch copied into every case.
//!
//! An interpreter's main loop compiles to `loop { <fetch>; block .. block; br_table }` with
//! every case ending in `br` back to the loop. Translated as written, all cases jump back to one
//! shared `br_table`, whose single indirect jump the CPU must predict for every opcode at once.
//! Here each such `br` instead translates the fetch and the `br_table` again in place, so that
//! every case ends in its own indirect jump, predicted from that case's history (what C
//! compilers do for switch loops). The copies are re-translations of the same operators:
//! locals stay variables, so SSA construction joins them like any other control flow, and each
//! instruction keeps the wasm offset it was copied from for traps, backtraces and line tables.
//!
//! Only a fetch of plain operators qualifies (locals, constants, integer arithmetic and loads:
//! no calls, no control besides the `block`s), which cannot have effects besides a
//! bounds-check trap that the same operator would take when run from the top of the loop.
//! Off under fuel or interruption checks, which count and check at loop headers.

use std::collections::HashMap;

use cranelift_codegen::ir::{self, BlockCall, JumpTableData};
use wasmparser::{BinaryReader, BlockType, FunctionBody, Operator, OperatorsReader, WasmFeatures};

use super::FuncTranslator;
use crate::error::Result;

/// The most operators (`block`s aside) a copied fetch may have.
const MAX_FETCH: u32 = 24;
/// The fewest `br_table` targets (default included) that make a dispatch worth copying.
const MIN_TARGETS: u32 = 4;
/// The most: every copy adds an edge per target, and each edge that carries values (the
/// locals the fetch sets, different in every copy) gets its own block of moves. Past a few
/// thousand such edges the moves cost more than the better prediction saves (a Lua
/// interpreter's 83-way dispatch copied 96 times grew five times over and ran 7% slower).
const MAX_TARGETS: u32 = 40;
/// The most copies made of one loop's dispatch; later back edges jump to the loop.
const MAX_COPIES: u32 = 96;
/// The most edges (copies times targets) the copies of one dispatch may add.
const MAX_EDGES: u32 = 1024;

/// The fetch of one switch loop: the operators from just after its `loop` to its `br_table`.
#[derive(Debug, Clone)]
pub(super) struct DispatchPlan {
    bytes: Vec<u8>,
    /// The module offset of `bytes[0]`.
    offset: u64,
    /// How many `block`s the fetch opens.
    blocks: usize,
    /// How many copies of it may be made.
    max_copies: u32,
}

/// A switch loop being translated.
#[derive(Debug)]
pub(super) struct ActiveDispatch {
    /// The loop's index in the control stack.
    frame: usize,
    plan: DispatchPlan,
    /// The `br_table`'s default target and targets, once translated.
    table: Option<(ir::Block, Vec<ir::Block>)>,
    /// The continuations of the fetch's `block`s (where the cases start): copies branch to
    /// them until the loop ends, so they are sealed then.
    case_blocks: Vec<ir::Block>,
    copies: u32,
}

/// The switch loops of `body`, by the module offset of their `loop`. Malformed code yields
/// none: the translation proper reports it.
pub(super) fn find(body: &FunctionBody<'_>, features: WasmFeatures) -> HashMap<u64, DispatchPlan> {
    let mut plans = HashMap::new();
    let Ok(mut binary) = body.get_binary_reader_for_operators() else {
        return plans;
    };
    binary.set_features(features);
    let base = binary.original_position();
    let Ok(all) = binary.clone().read_bytes(binary.bytes_remaining()) else {
        return plans;
    };
    let mut reader = OperatorsReader::new(binary);
    // (offset of the loop, offset after it, operand stack height, blocks opened, operators)
    let mut candidate: Option<(u64, u64, i32, usize, u32)> = None;
    while !reader.eof() {
        let at = reader.original_position();
        let Ok(op) = reader.read() else {
            break;
        };
        if let Operator::Loop {
            blockty: BlockType::Empty,
        } = op
        {
            candidate = Some((at, reader.original_position(), 0, 0, 0));
            continue;
        }
        let Some((loop_at, start, height, blocks, count)) = candidate.as_mut() else {
            continue;
        };
        match op {
            Operator::Block {
                blockty: BlockType::Empty,
            } if *height == 0 => *blocks += 1,
            Operator::BrTable { ref targets }
                if *height == 1
                    && *blocks > 0
                    && (MIN_TARGETS..=MAX_TARGETS).contains(&(targets.len() + 1)) =>
            {
                let end = reader.original_position();
                let range = (*start - base) as usize..(end - base) as usize;
                plans.insert(
                    *loop_at,
                    DispatchPlan {
                        bytes: all[range].to_vec(),
                        offset: *start,
                        blocks: *blocks,
                        max_copies: MAX_COPIES.min(MAX_EDGES / (targets.len() + 1)),
                    },
                );
                candidate = None;
            }
            _ => match stack_effect(&op) {
                Some(effect) if *count < MAX_FETCH && *height + effect >= 0 => {
                    *height += effect;
                    *count += 1;
                }
                _ => candidate = None,
            },
        }
    }
    plans
}

/// How a fetch operator changes the operand stack's height; `None` for any operator a fetch
/// may not hold.
fn stack_effect(op: &Operator<'_>) -> Option<i32> {
    use Operator as O;
    Some(match op {
        O::LocalGet { .. } | O::GlobalGet { .. } | O::I32Const { .. } | O::I64Const { .. } => 1,
        O::LocalSet { .. } => -1,
        O::LocalTee { .. }
        | O::I32Eqz
        | O::I64Eqz
        | O::I32WrapI64
        | O::I64ExtendI32U
        | O::I64ExtendI32S
        | O::I32Load { .. }
        | O::I32Load8U { .. }
        | O::I32Load8S { .. }
        | O::I32Load16U { .. }
        | O::I32Load16S { .. }
        | O::I64Load { .. }
        | O::I64Load8U { .. }
        | O::I64Load16U { .. }
        | O::I64Load32U { .. } => 0,
        O::I32Add
        | O::I32Sub
        | O::I32Mul
        | O::I32And
        | O::I32Or
        | O::I32Xor
        | O::I32Shl
        | O::I32ShrU
        | O::I32ShrS
        | O::I64Add
        | O::I64Sub
        | O::I64Mul
        | O::I64And
        | O::I64Or
        | O::I64Xor
        | O::I64Shl
        | O::I64ShrU
        | O::I64ShrS => -1,
        _ => return None,
    })
}

impl FuncTranslator<'_, '_> {
    /// After a `loop` at `offset` has opened its frame: start copying its dispatch if it is a
    /// switch loop.
    pub(super) fn open_dispatch_loop(&mut self, offset: u64) {
        if let Some(plan) = self.dispatch_plans.remove(&offset) {
            self.dispatch_loops.push(ActiveDispatch {
                frame: self.control.frames.len() - 1,
                plan,
                table: None,
                case_blocks: Vec::new(),
                copies: 0,
            });
        }
    }

    /// Whether a `br_table` about to be translated is the dispatch of the innermost switch
    /// loop (the first one at the depth of its fetch).
    pub(super) fn is_dispatch_table(&self) -> bool {
        self.dispatch_loops.last().is_some_and(|d| {
            d.table.is_none() && self.control.frames.len() == d.frame + 1 + d.plan.blocks
        })
    }

    /// Record the translated dispatch's targets (of branches carrying no values), with the
    /// fetch's `block`s still open.
    pub(super) fn record_dispatch_table(&mut self, default: ir::Block, targets: Vec<ir::Block>) {
        let Some(d) = self.dispatch_loops.last_mut() else {
            return;
        };
        d.case_blocks = self.control.frames[d.frame + 1..]
            .iter()
            .map(|f| f.next)
            .collect();
        d.table = Some((default, targets));
    }

    /// Whether `next`, the continuation of a frame being ended, is where a switch loop's case
    /// starts: it then stays unsealed, for the copies to come.
    pub(super) fn defer_seal(&self, next: ir::Block) -> bool {
        self.dispatch_loops
            .iter()
            .any(|d| d.case_blocks.contains(&next))
    }

    /// When the loop at control-stack `index` ends: seal where its cases start.
    pub(super) fn close_dispatch_loop(&mut self, index: usize) {
        if self.dispatch_loops.last().is_some_and(|d| d.frame == index) {
            let d = self.dispatch_loops.pop().expect("checked above");
            for block in d.case_blocks {
                self.builder.seal_block(block);
            }
        }
    }

    /// For `br` to the frame `depth` out: if it is a switch loop whose dispatch is known, copy
    /// the dispatch here instead of jumping back (then true).
    pub(super) fn copy_dispatch(&mut self, depth: u32) -> Result<bool> {
        let Some(index) = self.control.frames.len().checked_sub(1 + depth as usize) else {
            return Ok(false);
        };
        let Some(d) = self
            .dispatch_loops
            .iter_mut()
            .find(|d| d.frame == index && d.table.is_some() && d.copies < d.plan.max_copies)
        else {
            return Ok(false);
        };
        d.copies += 1;
        let plan = d.plan.clone();
        let (default, targets) = d.table.clone().expect("checked above");
        let mut binary = BinaryReader::new(&plan.bytes, plan.offset);
        binary.set_features(self.env.features);
        let mut reader = OperatorsReader::new(binary);
        let saved_offset = self.offset;
        while !reader.eof() {
            let at = reader.original_position();
            let op = reader.read()?;
            match op {
                Operator::Block { .. } => {}
                Operator::BrTable { .. } => {
                    let index = self.pop();
                    let pool = &mut self.builder.func.dfg.value_lists;
                    let default = BlockCall::new(default, [], pool);
                    let table: Vec<BlockCall> = targets
                        .iter()
                        .map(|b| BlockCall::new(*b, [], pool))
                        .collect();
                    let jt = self
                        .builder
                        .create_jump_table(JumpTableData::new(default, &table));
                    self.emit_br_table(index, jt);
                    break;
                }
                _ => {
                    self.offset = at;
                    self.builder.set_srcloc(ir::SourceLoc::new(at as u32));
                    self.translate_operator(&op)?;
                }
            }
        }
        self.offset = saved_offset;
        Ok(true)
    }
}
