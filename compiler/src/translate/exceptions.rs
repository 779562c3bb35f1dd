//! Exception handling: `throw`, `throw_ref`, `try_table` and the legacy `try` / `catch` /
//! `catch_all` / `rethrow` / `delegate`.
//!
//! Every `try_table` or `try` is a [`TryScope`] with one dispatch block. Calls inside it are
//! `try_call`s whose only handler is that block (the runtime resumes there after unwinding the
//! callee's frames); a `throw` inside it jumps there directly. At the scope's `end`, the
//! dispatch block is written: it compares the exception's tag with each clause's in order and
//! enters the first that matches, or passes the exception on to the enclosing scope, or out of
//! the function through the `Throw` runtime call. Matching in compiled code keeps the runtime's
//! unwinder free of tags: it only looks up the landing pad of each return address.

use cranelift_codegen::ir::{
    self, types, BlockArg, BlockCall, ExceptionTableData, ExceptionTableItem, InstBuilder,
    MemFlagsData, Value,
};
use wasmaot_abi::vmctx::field;
use wasmaot_abi::{Libcall, TrapKind};
use wasmparser::{Catch, Operator};

use super::state::{Clauses, FrameKind, TryScope};
use super::{ir_type, FuncTranslator};
use crate::error::Result;

/// The callee of a call that may be made a `try_call`.
pub(super) enum Callee {
    Direct(ir::FuncRef),
    Indirect(ir::SigRef, Value),
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_exceptions(&mut self, op: &Operator<'_>) -> Result<bool> {
        match op {
            Operator::TryTable { try_table } => {
                let clauses = Clauses::Table(try_table.catches.clone());
                self.open_try(try_table.ty, clauses)?;
            }
            Operator::Try { blockty } => {
                let clauses = Clauses::Legacy {
                    catches: Vec::new(),
                    caught: None,
                };
                self.open_try(*blockty, clauses)?;
            }
            Operator::Catch { tag_index } => self.translate_catch(Some(*tag_index)),
            Operator::CatchAll => self.translate_catch(None),
            Operator::Delegate { relative_depth } => self.translate_delegate(*relative_depth),
            Operator::Throw { tag_index } => {
                let params = self.tag_params(*tag_index).len();
                let values = self.popn(params);
                let tag = self.builder.ins().iconst(types::I32, i64::from(*tag_index));
                let exn = self.call_libcall(Libcall::ExnAlloc, &[tag])[0];
                for (i, value) in values.into_iter().enumerate() {
                    self.builder
                        .ins()
                        .store(payload_flags(), value, exn, payload_offset(i));
                }
                self.propagate(exn);
                self.reachable = false;
            }
            Operator::ThrowRef => {
                let exn = self.pop();
                let null = super::trap_code(TrapKind::NullExceptionReference);
                self.builder.ins().trapz(exn, null);
                self.propagate(exn);
                self.reachable = false;
            }
            Operator::Rethrow { relative_depth } => {
                let FrameKind::Try { scope } = self.control.frame_mut(*relative_depth).kind else {
                    unreachable!("validated rethrow targets a catch")
                };
                let Clauses::Legacy {
                    caught: Some(caught),
                    ..
                } = self.control.tries[scope].clauses
                else {
                    unreachable!("validated rethrow targets a catch")
                };
                let exn = self.builder.use_var(caught);
                self.propagate(exn);
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn open_try(&mut self, ty: wasmparser::BlockType, clauses: Clauses) -> Result<()> {
        let (params, results) = self.block_signature(ty)?;
        let next = self.block_with_params(&results);
        let dispatch = self.block_with_params(&[types::I64]);
        let scope = self.control.tries.len();
        self.control.tries.push(TryScope {
            frame: self.control.frames.len(),
            dispatch,
            active: true,
            used: false,
            clauses,
        });
        self.open_frame(FrameKind::Try { scope }, next, params, results);
        Ok(())
    }

    /// The parameter types of tag `index`.
    fn tag_params(&self, index: u32) -> &[wasmaot_abi::metadata::ValType] {
        let ty = self.env.meta.tags[index as usize];
        &self.env.meta.types[ty as usize].params
    }

    /// The dispatch block of the innermost scope catching here, now used.
    fn active_dispatch(&mut self) -> Option<ir::Block> {
        let scope = self.control.tries.iter_mut().rev().find(|s| s.active)?;
        scope.used = true;
        Some(scope.dispatch)
    }

    /// Throw `exn` from here: to the innermost catching scope of this function, or out of it.
    fn propagate(&mut self, exn: Value) {
        match self.active_dispatch() {
            Some(dispatch) => {
                self.builder.ins().jump(dispatch, &[BlockArg::Value(exn)]);
            }
            None => self.throw_out(exn),
        }
    }

    /// Throw `exn` to this function's callers; the runtime call does not return.
    fn throw_out(&mut self, exn: Value) {
        self.fuel_out();
        let fp = self.builder.ins().get_frame_pointer(types::I64);
        let offset = self
            .builder
            .ins()
            .iconst(types::I32, i64::from(self.offset as u32));
        self.call_libcall(Libcall::Throw, &[exn, fp, offset]);
        let unreachable = super::trap_code(TrapKind::Unreachable);
        self.builder.ins().trap(unreachable);
    }

    /// Call `callee`, as a `try_call` to the active scope's dispatch when there is one.
    /// Returns the call's results.
    pub(super) fn emit_call(&mut self, callee: Callee, args: &[Value]) -> Vec<Value> {
        self.fuel_out();
        let Some(dispatch) = self.active_dispatch() else {
            let call = match callee {
                Callee::Direct(f) => self.builder.ins().call(f, args),
                Callee::Indirect(sig, ptr) => self.builder.ins().call_indirect(sig, ptr, args),
            };
            let results = self.builder.inst_results(call).to_vec();
            self.fuel_in();
            return results;
        };
        let sig = match callee {
            Callee::Direct(f) => self.builder.func.dfg.ext_funcs[f].signature,
            Callee::Indirect(sig, _) => sig,
        };
        let returns: Vec<ir::Type> = self.builder.func.dfg.signatures[sig]
            .returns
            .iter()
            .map(|p| p.value_type)
            .collect();
        let cont = self.block_with_params(&returns);
        let pool = &mut self.builder.func.dfg.value_lists;
        let normal = BlockCall::new(
            cont,
            (0..returns.len() as u32).map(BlockArg::TryCallRet),
            pool,
        );
        let landing = BlockCall::new(dispatch, [BlockArg::TryCallExn(0)], pool);
        let table = ExceptionTableData::new(sig, normal, [ExceptionTableItem::Default(landing)]);
        let table = self.builder.func.dfg.exception_tables.push(table);
        match callee {
            Callee::Direct(f) => self.builder.ins().try_call(f, args, table),
            Callee::Indirect(_, ptr) => self.builder.ins().try_call_indirect(ptr, args, table),
        };
        self.builder.switch_to_block(cont);
        self.builder.seal_block(cont);
        let results = self.builder.block_params(cont).to_vec();
        self.fuel_in();
        results
    }

    /// A legacy `catch` (with a tag) or `catch_all`: the end of the body or of the previous
    /// clause, and the start of this clause's body, which receives the exception.
    fn translate_catch(&mut self, tag: Option<u32>) {
        let frame = self.control.frames.last_mut().expect("validated catch");
        let FrameKind::Try { scope } = frame.kind else {
            unreachable!("validated catch follows try")
        };
        let (next, height, arity) = (frame.next, frame.stack_height, frame.results.len());
        if self.reachable {
            frame.next_reached = true;
            let values = self.popn(arity);
            self.builder
                .ins()
                .jump(next, &super::control::args(&values));
        }
        self.stack.truncate(height);
        let block = self.block_with_params(&[types::I64]);
        let caught = match &mut self.control.tries[scope].clauses {
            Clauses::Legacy { catches, caught } => {
                catches.push((tag, block));
                *caught
            }
            Clauses::Table(_) => unreachable!("validated catch follows try"),
        };
        let caught = caught.unwrap_or_else(|| self.builder.declare_var(types::I64));
        let try_scope = &mut self.control.tries[scope];
        try_scope.active = false;
        if let Clauses::Legacy { caught: slot, .. } = &mut try_scope.clauses {
            *slot = Some(caught);
        }
        self.builder.switch_to_block(block);
        let exn = self.builder.block_params(block)[0];
        self.builder.def_var(caught, exn);
        if let Some(tag) = tag {
            let values = self.load_payload(exn, tag);
            self.stack.extend(values);
        }
        self.reachable = true;
    }

    /// `delegate`: ends the `try` like `end`, its exceptions going to the scope around the
    /// frame `depth` out (counted from outside the `try`).
    fn translate_delegate(&mut self, depth: u32) {
        // Closed as `end` closes it; its dispatch hands exceptions over to the target.
        self.end_frame(Some(depth));
    }

    /// Write the dispatch of `scope`, whose frame has just been closed (so labels count from
    /// the frame around it). `delegate` is the depth of a `delegate`'s target.
    pub(super) fn finish_try(&mut self, scope: usize, delegate: Option<u32>) {
        let try_scope = &mut self.control.tries[scope];
        try_scope.active = false;
        let (dispatch, used) = (try_scope.dispatch, try_scope.used);
        let legacy_blocks: Vec<ir::Block> = match &try_scope.clauses {
            Clauses::Legacy { catches, .. } => catches.iter().map(|(_, b)| *b).collect(),
            Clauses::Table(_) => Vec::new(),
        };
        if used {
            self.builder.switch_to_block(dispatch);
            self.builder.seal_block(dispatch);
            // A callee may have spent fuel before it threw.
            self.fuel_in();
            let exn = self.builder.block_params(dispatch)[0];
            match delegate {
                Some(depth) => self.delegate_to(depth, exn),
                None => self.dispatch(scope, exn),
            }
        }
        for block in legacy_blocks {
            self.builder.seal_block(block);
        }
    }

    fn dispatch(&mut self, scope: usize, exn: Value) {
        let clauses = match &self.control.tries[scope].clauses {
            Clauses::Table(catches) => catches
                .iter()
                .map(|c| match *c {
                    Catch::One { tag, label } => (Some(tag), Target::Label(label, false)),
                    Catch::OneRef { tag, label } => (Some(tag), Target::Label(label, true)),
                    Catch::All { label } => (None, Target::Label(label, false)),
                    Catch::AllRef { label } => (None, Target::Label(label, true)),
                })
                .collect::<Vec<_>>(),
            Clauses::Legacy { catches, .. } => catches
                .iter()
                .map(|(tag, block)| (*tag, Target::Block(*block)))
                .collect(),
        };
        for (tag, target) in clauses {
            let Some(tag) = tag else {
                self.enter_clause(exn, None, target);
                return;
            };
            let matched = self.tag_matches(exn, tag);
            let then = self.builder.create_block();
            let otherwise = self.builder.create_block();
            self.builder.ins().brif(matched, then, &[], otherwise, &[]);
            self.builder.seal_block(then);
            self.builder.seal_block(otherwise);
            self.builder.switch_to_block(then);
            self.enter_clause(exn, Some(tag), target);
            self.builder.switch_to_block(otherwise);
        }
        self.propagate(exn);
    }

    /// Enter a matching clause: a `try_table` label gets the payload (and the exception for
    /// the `_ref` forms); a legacy clause body gets the exception and unpacks it itself.
    fn enter_clause(&mut self, exn: Value, tag: Option<u32>, target: Target) {
        match target {
            Target::Label(depth, with_ref) => {
                let mut values = match tag {
                    Some(tag) => self.load_payload(exn, tag),
                    None => Vec::new(),
                };
                if with_ref {
                    values.push(exn);
                }
                let (block, _) = self.mark_branch(depth);
                self.builder
                    .ins()
                    .jump(block, &super::control::args(&values));
            }
            Target::Block(block) => {
                self.builder.ins().jump(block, &[BlockArg::Value(exn)]);
            }
        }
    }

    /// Hand `exn` to the scope catching at the frame `depth` out: the innermost active scope
    /// whose frame is that one or outside it.
    fn delegate_to(&mut self, depth: u32, exn: Value) {
        let target = self.control.frames.len() - 1 - depth as usize;
        let scope = self
            .control
            .tries
            .iter_mut()
            .rev()
            .find(|s| s.active && s.frame <= target);
        match scope {
            Some(scope) => {
                scope.used = true;
                let dispatch = scope.dispatch;
                self.builder.ins().jump(dispatch, &[BlockArg::Value(exn)]);
            }
            None => self.throw_out(exn),
        }
    }

    /// Whether exception `exn` has tag `tag` of this module (compared by identity, so an
    /// imported tag matches its exporter's).
    fn tag_matches(&mut self, exn: Value, tag: u32) -> Value {
        let thrown = self
            .builder
            .ins()
            .load(types::I64, payload_flags(), exn, field::EXN_TAG);
        let ours = self.load_vmctx_ptr(self.env.layout.tag_ptr(tag), true);
        self.builder
            .ins()
            .icmp(ir::condcodes::IntCC::Equal, thrown, ours)
    }

    fn load_payload(&mut self, exn: Value, tag: u32) -> Vec<Value> {
        let types: Vec<ir::Type> = self.tag_params(tag).iter().map(|t| ir_type(*t)).collect();
        types
            .into_iter()
            .enumerate()
            .map(|(i, ty)| {
                self.builder
                    .ins()
                    .load(ty, payload_flags(), exn, payload_offset(i))
            })
            .collect()
    }
}

/// Where a matching clause goes.
#[derive(Clone, Copy)]
enum Target {
    /// A `try_table` label, and whether the exception goes along (`catch_ref`, `catch_all_ref`).
    Label(u32, bool),
    /// A legacy clause's body.
    Block(ir::Block),
}

fn payload_offset(slot: usize) -> i32 {
    field::EXN_PAYLOAD + 16 * slot as i32
}

fn payload_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}
