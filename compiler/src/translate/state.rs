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
}

impl ControlStack {
    /// The frame `depth` levels out (0 = innermost), as `br depth` counts.
    pub fn frame_mut(&mut self, depth: u32) -> &mut ControlFrame {
        let at = self.frames.len() - 1 - depth as usize;
        &mut self.frames[at]
    }
}
