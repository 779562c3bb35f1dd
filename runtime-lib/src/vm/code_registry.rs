//! Where compiled code lives, for the fault handler: a lock-free, append-only list of loaded
//! modules' code ranges, each with its functions' trap sites. Entries are never freed (modules
//! stay mapped for the life of the process), so the handler can read them at any moment.

use crate::prelude::*;

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use wasmaot_abi::code_sites::{FuncSites, SiteInfo};
use wasmaot_abi::metadata::{LandingPad, Names};
use wasmaot_abi::symbols::TrapSite;
use wasmaot_abi::TrapKind;

/// One compiled function's place in memory.
#[derive(Debug)]
pub struct FunctionRange {
    pub start: usize,
    pub end: usize,
    /// Index in the module's function index space (imports counted).
    pub func_index: u32,
    /// Sorted by offset; read in place from the loaded object.
    pub traps: &'static [TrapSite],
    /// Where exceptions thrown by its callees land, sorted by return offset.
    pub landing_pads: Vec<LandingPad>,
    /// The wasm offsets (and source lines) of its trap sites and calls, for backtraces,
    /// encoded (see [`wasmaot_abi::code_sites::EncodedSites`]): decoded when a backtrace needs
    /// them.
    pub sites: &'static [u8],
}

impl FunctionRange {
    /// The recorded site at `pc` (a faulting pc, or a return address minus one).
    pub fn site(&self, pc: usize) -> Option<SiteInfo> {
        let offset = u32::try_from(pc.checked_sub(self.start)?).ok()?;
        self.sites().find(offset)
    }

    /// Its sites, decoded.
    pub fn sites(&self) -> FuncSites {
        FuncSites::decode(self.sites)
    }
}

/// The code of one module, functions sorted by address.
#[derive(Debug)]
pub struct CodeInfo {
    pub start: usize,
    pub end: usize,
    pub functions: Vec<FunctionRange>,
    pub names: Names,
    /// The source files of the sites' lines.
    pub source_files: Vec<String>,
}

struct Node {
    info: &'static CodeInfo,
    next: *mut Node,
}

static HEAD: AtomicPtr<Node> = AtomicPtr::new(ptr::null_mut());

/// Add a module's code; it stays registered for the life of the process.
pub fn register(info: CodeInfo) -> &'static CodeInfo {
    let info: &'static CodeInfo = Box::leak(Box::new(info));
    let node = Box::into_raw(Box::new(Node {
        info,
        next: ptr::null_mut(),
    }));
    let mut head = HEAD.load(Ordering::Acquire);
    loop {
        // SAFETY: `node` is ours until published by the successful exchange below.
        unsafe { (*node).next = head };
        match HEAD.compare_exchange_weak(head, node, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return info,
            Err(current) => head = current,
        }
    }
}

/// What is known of the compiled code at `pc`.
pub struct Location {
    pub info: &'static CodeInfo,
    pub function: &'static FunctionRange,
    pub trap: Option<TrapKind>,
}

/// Find the function containing `pc`. Async-signal-safe.
pub fn function_at(pc: usize) -> Option<(&'static CodeInfo, &'static FunctionRange)> {
    let mut node = HEAD.load(Ordering::Acquire);
    while !node.is_null() {
        // SAFETY: published nodes are never freed or changed.
        let (info, next) = unsafe { ((*node).info, (*node).next) };
        if pc >= info.start && pc < info.end {
            let at = info.functions.partition_point(|f| f.start <= pc);
            let function = info.functions.get(at.checked_sub(1)?)?;
            return (pc < function.end).then_some((info, function));
        }
        node = next;
    }
    None
}

/// Find the function containing `pc` and the trap recorded at it. Async-signal-safe.
pub fn lookup(pc: usize) -> Option<Location> {
    let (info, function) = function_at(pc)?;
    let offset = (pc - function.start) as u32;
    let trap = function
        .traps
        .binary_search_by_key(&offset, |t| t.offset)
        .ok()
        .and_then(|i| TrapKind::from_u8(function.traps[i].kind));
    Some(Location {
        info,
        function,
        trap,
    })
}

impl CodeInfo {
    /// The index of the function whose wasm body holds module offset `offset` (bodies are in
    /// function order, as is `functions`).
    pub fn function_of_offset(&self, offset: u32) -> Option<u32> {
        let at = self
            .functions
            .partition_point(|f| FuncSites::decode_body_offset(f.sites) <= offset);
        Some(self.functions.get(at.checked_sub(1)?)?.func_index)
    }

    pub fn func_name(&self, index: u32) -> Option<&str> {
        self.names.get(index)
    }
}
