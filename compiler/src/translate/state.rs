//! The control stack: one frame per open `block`, `loop`, `if` and the function body itself.

use cranelift_codegen::ir::{Block, Type};

/// What kind of construct a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// The function body; its `end` returns.
    Function,
    Block,
    /// Branches go back to `header`, which takes the loop's parameters.
    Loop {
        header: Block,
    },
    /// `else_block` takes the parameters when the condition is false; `head_reachable` tells
    /// whether the `if` itself was reachable (and so whether its `else` arm is).
    If {
        else_block: Block,
        else_seen: bool,
        head_reachable: bool,
    },
    /// `try_table`, or the legacy `try` (through its `catch` clauses); `scope` indexes
    /// [`ControlStack::tries`].
    Try {
        scope: usize,
    },
}

/// One open construct.
#[derive(Debug, Clone)]
pub struct ControlFrame {
    pub kind: FrameKind,
    /// Where control continues after `end`; takes the results as parameters.
    pub next: Block,
    pub params: Vec<Type>,
    pub results: Vec<Type>,
    /// Operand stack height below the frame's parameters.
    pub stack_height: usize,
    /// Whether any branch (or fall-through) reaches `next`.
    pub next_reached: bool,
}

impl ControlFrame {
    /// The block a branch to this frame targets, and how many values it carries.
    pub fn branch_target(&self) -> (Block, usize) {
        match self.kind {
            FrameKind::Loop { header } => (header, self.params.len()),
            _ => (self.next, self.results.len()),
        }
    }
}

/// The control stack, plus the count of constructs opened inside unreachable code (they have
/// no frame: nothing in them is translated).
#[derive(Debug, Default)]
pub struct ControlStack {
    pub frames: Vec<ControlFrame>,
    pub unreachable_depth: u32,
    /// Every `try_table` and `try` opened so far in the function (closed ones stay, so indices
    /// hold); which of them catch is `TryScope::active`.
    pub tries: Vec<TryScope>,
}

/// The handlers of one `try_table` or `try`. Every call inside it is a `try_call` whose one
/// handler is `dispatch`: a block taking the exception, written at the `end`, which compares
/// the exception's tag with each clause in order and either enters the clause or passes the
/// exception to the enclosing scope (or out of the function).
#[derive(Debug)]
pub struct TryScope {
    /// The index of its frame in [`ControlStack::frames`].
    pub frame: usize,
    pub dispatch: Block,
    /// Whether exceptions thrown here come to it: true in the body, false in the legacy
    /// `catch` clauses and after the end.
    pub active: bool,
    /// Whether anything branches to `dispatch`.
    pub used: bool,
    pub clauses: Clauses,
}

/// A scope's handlers, in the order they are tried.
#[derive(Debug)]
pub enum Clauses {
    /// `try_table`'s catch clauses, with labels relative to the frame around the `try_table`.
    Table(Vec<wasmparser::Catch>),
    /// The legacy `try`'s `catch` (a tag) and `catch_all` (none) bodies seen so far, each a
    /// block taking the exception; `caught` holds the exception inside them, for `rethrow`.
    Legacy {
        catches: Vec<(Option<u32>, Block)>,
        caught: Option<cranelift_frontend::Variable>,
    },
}

impl ControlStack {
    /// The frame `depth` levels out (0 = innermost), as `br depth` counts.
    pub fn frame_mut(&mut self, depth: u32) -> &mut ControlFrame {
        let at = self.frames.len() - 1 - depth as usize;
        &mut self.frames[at]
    }
}
