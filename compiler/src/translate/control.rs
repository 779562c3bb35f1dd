//! Structured control flow: block, loop, if/else, end, br, br_if, br_table, return,
//! unreachable, nop.

use cranelift_codegen::ir::{self, BlockArg, BlockCall, InstBuilder, JumpTableData, Value};
use wasmparser::{BlockType, Operator};

use super::state::{ControlFrame, FrameKind};
use super::{ir_type, FuncTranslator};
use crate::error::Result;
use wasmaot_abi::TrapKind;

pub(super) fn args(values: &[Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

impl FuncTranslator<'_, '_> {
    pub(super) fn push_function_frame(&mut self, results: &[wasmaot_abi::metadata::ValType]) {
        let results: Vec<ir::Type> = results.iter().map(|t| ir_type(*t)).collect();
        let next = self.block_with_params(&results);
        self.control.frames.push(ControlFrame {
            kind: FrameKind::Function,
            next,
            params: Vec::new(),
            results,
            stack_height: 0,
            next_reached: false,
        });
    }

    pub(super) fn block_with_params(&mut self, types: &[ir::Type]) -> ir::Block {
        let block = self.builder.create_block();
        for ty in types {
            self.builder.append_block_param(block, *ty);
        }
        block
    }

    pub(super) fn block_signature(&self, ty: BlockType) -> Result<(Vec<ir::Type>, Vec<ir::Type>)> {
        let convert = |t: &wasmaot_abi::metadata::ValType| ir_type(*t);
        Ok(match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => {
                // Valid, but possibly of a GC type this compiler refuses.
                let t = crate::module::val_type(t, self.offset).map(ir_type)?;
                (Vec::new(), vec![t])
            }
            BlockType::FuncType(index) => {
                let f = &self.env.meta.types[index as usize];
                (
                    f.params.iter().map(convert).collect(),
                    f.results.iter().map(convert).collect(),
                )
            }
        })
    }

    pub(super) fn translate_control(&mut self, op: &Operator<'_>) -> Result<bool> {
        match *op {
            Operator::Nop => {}
            Operator::Block { blockty } => {
                let (params, results) = self.block_signature(blockty)?;
                let next = self.block_with_params(&results);
                self.open_frame(FrameKind::Block, next, params, results);
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_signature(blockty)?;
                let header = self.block_with_params(&params);
                let next = self.block_with_params(&results);
                let values = self.popn(params.len());
                self.builder.ins().jump(header, &args(&values));
                self.builder.switch_to_block(header);
                // The loop's values first: reading a variable in the header (unsealed until
                // the loop ends) may give it more parameters.
                self.stack
                    .extend_from_slice(self.builder.block_params(header));
                self.check_interrupt();
                self.check_fuel();
                self.open_frame(FrameKind::Loop { header }, next, params, results);
                self.open_dispatch_loop(self.offset);
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_signature(blockty)?;
                let cond = self.pop();
                let then_block = self.block_with_params(&params);
                let else_block = self.block_with_params(&params);
                let next = self.block_with_params(&results);
                let values = self.popn(params.len());
                self.builder.ins().brif(
                    cond,
                    then_block,
                    &args(&values),
                    else_block,
                    &args(&values),
                );
                self.builder.seal_block(then_block);
                self.builder.seal_block(else_block);
                self.builder.switch_to_block(then_block);
                self.stack
                    .extend_from_slice(self.builder.block_params(then_block));
                let kind = FrameKind::If {
                    else_block,
                    else_seen: false,
                    head_reachable: true,
                };
                self.open_frame(kind, next, params, results);
            }
            Operator::Else => self.translate_else(),
            Operator::End => self.end_frame(None),
            Operator::Br { relative_depth } => {
                if !self.copy_dispatch(relative_depth)? {
                    self.branch(relative_depth);
                }
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                let (target, arity) = self.mark_branch(relative_depth);
                let values = self.peekn(arity).to_vec();
                let fallthrough = self.builder.create_block();
                self.builder
                    .ins()
                    .brif(cond, target, &args(&values), fallthrough, &[]);
                self.builder.seal_block(fallthrough);
                self.builder.switch_to_block(fallthrough);
            }
            Operator::BrTable { ref targets } => self.translate_br_table(targets)?,
            Operator::BrOnNull { relative_depth } => {
                // A null reference leaves with the values below it; any other stays on the stack.
                let reference = self.pop();
                let (target, arity) = self.mark_branch(relative_depth);
                let values = self.peekn(arity).to_vec();
                let fallthrough = self.builder.create_block();
                self.builder
                    .ins()
                    .brif(reference, fallthrough, &[], target, &args(&values));
                self.builder.seal_block(fallthrough);
                self.builder.switch_to_block(fallthrough);
                self.push(reference);
            }
            Operator::BrOnNonNull { relative_depth } => {
                // A non-null reference leaves as the last of the branch's values; null is dropped.
                let reference = *self.stack.last().expect("validated operand stack");
                let (target, arity) = self.mark_branch(relative_depth);
                let values = self.peekn(arity).to_vec();
                let fallthrough = self.builder.create_block();
                self.builder
                    .ins()
                    .brif(reference, target, &args(&values), fallthrough, &[]);
                self.builder.seal_block(fallthrough);
                self.builder.switch_to_block(fallthrough);
                self.pop();
            }
            Operator::Return => {
                let depth = self.control.frames.len() as u32 - 1;
                self.branch(depth);
                self.reachable = false;
            }
            Operator::Unreachable => {
                self.builder
                    .ins()
                    .trap(super::trap_code(TrapKind::Unreachable));
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub(super) fn open_frame(
        &mut self,
        kind: FrameKind,
        next: ir::Block,
        params: Vec<ir::Type>,
        results: Vec<ir::Type>,
    ) {
        let stack_height = self.stack.len() - params.len();
        self.control.frames.push(ControlFrame {
            kind,
            next,
            params,
            results,
            stack_height,
            next_reached: false,
        });
    }

    /// Record a branch to the frame `depth` out; returns its target block and arity.
    pub(super) fn mark_branch(&mut self, depth: u32) -> (ir::Block, usize) {
        let frame = self.control.frame_mut(depth);
        if !matches!(frame.kind, FrameKind::Loop { .. }) {
            frame.next_reached = true;
        }
        frame.branch_target()
    }

    /// Unconditional branch to the frame `depth` out, carrying the top values.
    fn branch(&mut self, depth: u32) {
        let (target, arity) = self.mark_branch(depth);
        let values = self.peekn(arity).to_vec();
        self.builder.ins().jump(target, &args(&values));
    }

    fn translate_br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<()> {
        let index = self.pop();
        let default_depth = targets.default();
        let mut depths = Vec::with_capacity(targets.len() as usize);
        for depth in targets.targets() {
            depths.push(depth?);
        }
        let (_, arity) = self.control.frame_mut(default_depth).branch_target();
        let values = args(self.peekn(arity));
        let call = |t: &mut Self, depth: u32| {
            let (block, _) = t.mark_branch(depth);
            BlockCall::new(
                block,
                values.iter().copied(),
                &mut t.builder.func.dfg.value_lists,
            )
        };
        if arity == 0 && self.is_dispatch_table() {
            let block = |t: &mut Self, depth: u32| t.mark_branch(depth).0;
            let default = block(self, default_depth);
            let targets = depths.iter().map(|d| block(self, *d)).collect();
            self.record_dispatch_table(default, targets);
        }
        let default = call(self, default_depth);
        let table: Vec<BlockCall> = depths.iter().map(|d| call(self, *d)).collect();
        let jt = self
            .builder
            .create_jump_table(JumpTableData::new(default, &table));
        self.emit_br_table(index, jt);
        self.reachable = false;
        Ok(())
    }

    /// A `br_table` on the i32 `index`. An index less a constant takes a longer table instead
    /// (see [`super::table_offsets`]). The backends zero-extend the index to 64 bits, which
    /// costs nothing after arithmetic only: a loaded index (an interpreter's opcode byte) is
    /// given as its load's i64 form instead, which spares a `mov %eax,%eax` on x86-64.
    pub(super) fn emit_br_table(&mut self, index: Value, jt: ir::JumpTable) {
        use super::table_offsets as offsets;
        if let Some((x, offset)) = offsets::offset(self.builder.func, index) {
            let free = match self.zero_extended_for_free(x) {
                Some(wide) => Some(wide),
                None => offsets::clears_upper_half(self.builder.func, x).then_some(x),
            };
            if let Some(x) = free {
                offsets::lengthen(self.builder.func, jt, offset);
                self.builder.ins().br_table(x, jt);
                return;
            }
        }
        let index = self.zero_extended_for_free(index).unwrap_or(index);
        self.builder.ins().br_table(index, jt);
    }

    fn translate_else(&mut self) {
        let frame = self.control.frames.last_mut().expect("validated if");
        let FrameKind::If {
            else_block,
            head_reachable,
            ..
        } = frame.kind
        else {
            unreachable!("validated else follows if")
        };
        frame.kind = FrameKind::If {
            else_block,
            else_seen: true,
            head_reachable,
        };
        let (next, height, arity) = (frame.next, frame.stack_height, frame.results.len());
        if self.reachable {
            frame.next_reached = true;
            let values = self.popn(arity);
            self.builder.ins().jump(next, &args(&values));
        }
        self.stack.truncate(height);
        self.builder.switch_to_block(else_block);
        self.stack
            .extend_from_slice(self.builder.block_params(else_block));
        self.reachable = head_reachable;
    }

    /// `end` (or, with the target's depth, the legacy `delegate`, which ends a `try`).
    pub(super) fn end_frame(&mut self, delegate: Option<u32>) {
        let mut frame = self.control.frames.pop().expect("validated end");
        if self.reachable {
            frame.next_reached = true;
            let values = self.popn(frame.results.len());
            self.builder.ins().jump(frame.next, &args(&values));
        }
        self.stack.truncate(frame.stack_height);
        match frame.kind {
            FrameKind::Loop { header } => {
                self.builder.seal_block(header);
                self.close_dispatch_loop(self.control.frames.len());
            }
            FrameKind::If {
                else_block,
                else_seen: false,
                head_reachable,
            } => {
                // An if without else: the false arm passes its parameters straight through.
                self.builder.switch_to_block(else_block);
                let params = self.builder.block_params(else_block).to_vec();
                self.builder.ins().jump(frame.next, &args(&params));
                frame.next_reached |= head_reachable;
            }
            FrameKind::Try { scope } => self.finish_try(scope, delegate),
            _ => {}
        }
        self.builder.switch_to_block(frame.next);
        if !self.defer_seal(frame.next) {
            self.builder.seal_block(frame.next);
        }
        self.reachable = frame.next_reached;
        if self.reachable {
            self.stack
                .extend_from_slice(self.builder.block_params(frame.next));
        }
        if frame.kind == FrameKind::Function && self.reachable {
            self.fuel_out();
            let values = self.popn(frame.results.len());
            self.builder.ins().return_(&values);
        }
    }

    /// Skip code after an unconditional branch, keeping track of nesting so that the `else` or
    /// `end` that makes code reachable again is found.
    pub(super) fn translate_unreachable(&mut self, op: &Operator<'_>) -> Result<()> {
        let outermost = self.control.unreachable_depth == 0;
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                self.control.unreachable_depth += 1;
            }
            Operator::Else if outermost => self.translate_else(),
            Operator::Catch { .. } | Operator::CatchAll if outermost => {
                self.translate_exceptions(op)?;
            }
            Operator::End | Operator::Delegate { .. } if !outermost => {
                self.control.unreachable_depth -= 1;
            }
            Operator::End => self.end_frame(None),
            Operator::Delegate { relative_depth } => self.end_frame(Some(*relative_depth)),
            _ => {}
        }
        Ok(())
    }
}
