//! The control flow of a function after the mid-end: its graph, dominator tree, loops and
//! reverse post-order, computed once for the passes that move instructions there
//! ([`crate::sibling_copies`], [`crate::hoist`]).

use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{self, Block};
use cranelift_codegen::loop_analysis::{Loop, LoopAnalysis};

/// The most blocks [`Shape::reaches`] looks at before it answers "reached".
const SEARCH: usize = 64;

/// The control flow of a function, for the passes after the mid-end that move instructions
/// (none changes a branch).
pub(crate) struct Shape {
    pub cfg: ControlFlowGraph,
    pub domtree: DominatorTree,
    pub loops: LoopAnalysis,
    /// Each block's place in reverse post-order; `u32::MAX` for an unreachable one.
    pub rpo: SecondaryMap<Block, u32>,
}

impl Shape {
    pub fn new(func: &ir::Function) -> Shape {
        let cfg = ControlFlowGraph::with_function(func);
        let domtree = DominatorTree::with_function(func, &cfg);
        let mut loops = LoopAnalysis::new();
        loops.compute(func, &cfg, &domtree);
        let mut rpo = SecondaryMap::with_default(u32::MAX);
        for (i, &block) in domtree.cfg_rpo().enumerate() {
            rpo[block] = i as u32;
        }
        Shape {
            cfg,
            domtree,
            loops,
            rpo,
        }
    }

    /// Whether each loop of `func` calls, in itself or in a loop inside it.
    pub fn loops_that_call(&self, func: &ir::Function) -> SecondaryMap<Loop, bool> {
        let mut calls: SecondaryMap<Loop, bool> = SecondaryMap::new();
        for block in func.layout.blocks() {
            if func
                .layout
                .block_insts(block)
                .any(|i| func.dfg.insts[i].opcode().is_call())
            {
                let mut lp = self.loops.innermost_loop(block);
                while let Some(current) = lp {
                    calls[current] = true;
                    lp = self.loops.loop_parent(current);
                }
            }
        }
        calls
    }

    /// Whether control may go from the end of `from` to `to`; true when unsure.
    ///
    /// Wasm's control flow is reducible. Then, outside every loop, a block reached from
    /// `from` is reached by a path without a loop's back edge, along which each block comes
    /// later in reverse post-order than the one before: the search follows only those
    /// edges, to blocks no later than `to`, and gives up after [`SEARCH`] blocks.
    pub fn reaches(&self, from: Block, to: Block) -> bool {
        if self.domtree.block_dominates(from, to) || self.loops.innermost_loop(from).is_some() {
            return true;
        }
        let (start, end) = (self.rpo[from], self.rpo[to]);
        if end <= start {
            return false;
        }
        let mut seen = vec![from];
        let mut stack = vec![from];
        while let Some(block) = stack.pop() {
            for next in self.cfg.succ_iter(block) {
                if next == to {
                    return true;
                }
                let place = self.rpo[next];
                if place <= start || place > end || seen.contains(&next) {
                    continue;
                }
                if seen.len() == SEARCH {
                    return true;
                }
                seen.push(next);
                stack.push(next);
            }
        }
        false
    }

    /// The nearest block that dominates both `a` and `b`.
    pub fn common_dominator(&self, mut a: Block, mut b: Block) -> Block {
        while a != b {
            while self.rpo[a] > self.rpo[b] {
                a = self
                    .domtree
                    .idom(a)
                    .expect("a block below another has a dominator");
            }
            while self.rpo[b] > self.rpo[a] {
                b = self
                    .domtree
                    .idom(b)
                    .expect("a block below another has a dominator");
            }
        }
        a
    }
}
