//! Exceptions: tags, the store's heap of exception objects, and throwing.
//!
//! An exception object is a [`VMException`] header and one 16-byte slot per value of its tag;
//! an `exnref` is its address. Objects come from per-size free lists, so a throw allocates
//! nothing once the lists are warm. They are freed by a small mark-and-sweep collection when
//! the heap has grown past a threshold: the roots are the store's `exnref` globals and tables,
//! and the stack of the thread, scanned conservatively (any word equal to an object's address
//! keeps it) between the collection and the top of the stack. Compiled code keeps exception
//! references in registers and stack slots only, and the allocation entry stub spills the
//! callee-saved registers before the collection runs, so every live reference is seen.
//!
//! Throwing walks the frame-pointer chain from the thrower's caller up to the host's call into
//! wasm, and resumes at the first landing pad recorded for a return address (the dispatch code
//! there matches tags, see the compiler's `translate/exceptions.rs`). An exception that meets
//! no landing pad ends the host's call with [`Trap::Exception`].

use crate::prelude::*;

use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::hash::{BuildHasher, Hasher};
use hashbrown::{HashMap, HashSet};

use wasmaot_abi::metadata::FuncType;
use wasmaot_abi::{VMException, VMGlobal};

use super::code_registry::{self, CodeInfo};
use super::sys;
use super::table::VmTable;
use super::trap::{ExceptionValue, Trap, TrapFrame, UncaughtException};
use super::traps;

/// A tag: its identity is its address, which every vmctx importing it holds.
#[derive(Debug)]
pub struct VmTag {
    /// Canonical signature id of its type.
    pub type_id: u32,
    pub ty: FuncType,
    /// How errors name it: its export name, or `tag N` in its module.
    pub name: String,
}

impl VmTag {
    pub fn identity(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }
}

/// Collections start once this many objects are live.
const MIN_THRESHOLD: usize = 1024;
/// Free objects kept per size class: more than a collection at the smallest threshold frees,
/// so that a loop of throws reuses objects instead of allocating.
const MAX_FREE: usize = 2 * MIN_THRESHOLD;

/// Where exception references live outside the stack.
enum Root {
    /// A defined global of `exnref` type (in its instance's vmctx).
    Global(*const VMGlobal),
    Table(Arc<VmTable>),
}

/// The exception objects of one store.
pub struct ExnHeap {
    state: UnsafeCell<HeapState>,
}

struct HeapState {
    /// Live objects by address; each box holds the header slot and the payload slots.
    live: HashMap<usize, Box<[u128]>, BuildAddressHasher>,
    /// Free objects by size class (`len.next_power_of_two()` slots, class = its log2).
    free: Vec<Vec<Box<[u128]>>>,
    /// Live count that triggers the next collection.
    threshold: usize,
    roots: Vec<Root>,
}

// SAFETY: the heap belongs to one store and is touched only by code running with that store
// borrowed mutably (its calls into wasm and instantiation), so by one thread at a time.
unsafe impl Send for ExnHeap {}
// SAFETY: as above.
unsafe impl Sync for ExnHeap {}

impl Default for ExnHeap {
    fn default() -> Self {
        ExnHeap {
            state: UnsafeCell::new(HeapState {
                live: HashMap::default(),
                free: Vec::new(),
                threshold: MIN_THRESHOLD,
                roots: Vec::new(),
            }),
        }
    }
}

impl ExnHeap {
    #[allow(clippy::mut_from_ref)]
    fn state(&self) -> &mut HeapState {
        // SAFETY: see the `Sync` impl: one thread at a time, and no caller keeps the reference
        // across another call into the heap.
        unsafe { &mut *self.state.get() }
    }

    /// Record a global of `exnref` type as a root (it must live as long as the heap).
    pub fn add_global_root(&self, global: *const VMGlobal) {
        self.state().roots.push(Root::Global(global));
    }

    /// Record a table of `exnref` elements as a root.
    pub fn add_table_root(&self, table: Arc<VmTable>) {
        self.state().roots.push(Root::Table(table));
    }

    /// A new exception of `tag`, its payload zeroed. May collect first.
    pub fn alloc(&self, tag: &Arc<VmTag>) -> u64 {
        let len = tag.ty.params.len();
        let state = self.state();
        if state.live.len() >= state.threshold {
            state.collect();
        }
        let slots = (len + 1).next_power_of_two();
        let class = slots.trailing_zeros() as usize;
        let mut object = state
            .free
            .get_mut(class)
            .and_then(Vec::pop)
            .unwrap_or_else(|| vec![0u128; slots].into_boxed_slice());
        object[1..].fill(0);
        let header = object.as_mut_ptr().cast::<VMException>();
        // SAFETY: slot 0 is 16 bytes, aligned to 16, the size and alignment of the header.
        unsafe {
            header.write(VMException {
                tag: tag.identity() as *const u8,
                len: len as u32,
                _pad: 0,
            })
        };
        let address = header as usize;
        state.live.insert(address, object);
        address as u64
    }

    /// The tag and payload of live exception `exn`, as the host sees them.
    pub fn describe(&self, exn: u64) -> Option<UncaughtException> {
        let object = self.state().live.get(&(exn as usize))?;
        let tag = tag_of(object);
        let values = tag
            .ty
            .params
            .iter()
            .zip(&object[1..])
            .map(|(ty, bits)| ExceptionValue::from_raw(*ty, *bits))
            .collect();
        Some(UncaughtException {
            tag: tag.name.clone(),
            values,
            backtrace: Vec::new(),
        })
    }
}

/// Hashing for object addresses: they are distinct, 16-byte aligned and not chosen by an
/// adversary (the allocator picks them), so one multiply spreads them well enough.
#[derive(Clone, Copy, Default)]
struct BuildAddressHasher;

#[derive(Default)]
struct AddressHasher(u64);

impl BuildHasher for BuildAddressHasher {
    type Hasher = AddressHasher;
    fn build_hasher(&self) -> AddressHasher {
        AddressHasher(0)
    }
}

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_usize(&mut self, value: usize) {
        self.0 = ((value as u64) >> 4).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// The tag of an object: its header holds the identity of a tag that outlives it (tags belong
/// to instances of the same store as the heap).
fn tag_of(object: &[u128]) -> &VmTag {
    // SAFETY: slot 0 is the header `alloc` wrote; its tag is an `Arc<VmTag>` kept alive by an
    // instance of this store, which outlives the store's exceptions.
    unsafe {
        let header = &*object.as_ptr().cast::<VMException>();
        &*header.tag.cast::<VmTag>()
    }
}

impl HeapState {
    /// Free every object no root reaches.
    fn collect(&mut self) {
        let mut marked: Vec<usize> = Vec::new();
        let mut seen = HashSet::with_hasher(BuildAddressHasher);
        let mut push = |word: u64, marked: &mut Vec<usize>| {
            let address = word as usize;
            if self.live.contains_key(&address) && seen.insert(address) {
                marked.push(address);
            }
        };
        sys::stack::scan_stack(|word| push(word as u64, &mut marked));
        for root in &self.roots {
            match root {
                Root::Global(g) => {
                    // SAFETY: a root global lives in its instance's vmctx for the store's life.
                    let bits = unsafe { (**g).bits };
                    push(u128::from_le_bytes(bits) as u64, &mut marked);
                }
                Root::Table(t) => {
                    for i in 0..t.len() {
                        push(t.get(i).unwrap_or(0), &mut marked);
                    }
                }
            }
        }
        // Trace payloads: exceptions may carry exception references.
        let mut at = 0;
        while at < marked.len() {
            let object = &self.live[&marked[at]];
            let tag = tag_of(object);
            for (ty, bits) in tag.ty.params.iter().zip(&object[1..]) {
                if ty.is_exn_ref() {
                    push(*bits as u64, &mut marked);
                }
            }
            at += 1;
        }
        let mut keep = HashSet::with_capacity_and_hasher(marked.len(), BuildAddressHasher);
        keep.extend(marked);
        let dead: Vec<usize> = self
            .live
            .keys()
            .copied()
            .filter(|a| !keep.contains(a))
            .collect();
        for address in dead {
            if let Some(object) = self.live.remove(&address) {
                let class = object.len().trailing_zeros() as usize;
                if self.free.len() <= class {
                    self.free.resize_with(class + 1, Vec::new);
                }
                if self.free[class].len() < MAX_FREE {
                    self.free[class].push(object);
                }
            }
        }
        self.threshold = MIN_THRESHOLD.max(2 * self.live.len());
    }
}

/// Throw `exn` from the wasm frame whose frame pointer is `fp` (a function of `code`, at the
/// module offset `wasm_offset`): resume at the nearest landing pad of its callers, or end the
/// host's call with the exception.
pub fn throw(heap: &ExnHeap, code: &'static CodeInfo, exn: u64, fp: usize, wasm_offset: u32) -> ! {
    let thrower_fp = fp;
    let top = traps::unwind_point() as usize;
    let word = core::mem::size_of::<usize>();
    let mut fp = fp;
    while fp != 0 && fp.is_multiple_of(word) && fp + 2 * word <= top {
        // SAFETY: `fp` is a frame pointer of a wasm frame of the current call, below the
        // host's entry into wasm (checked above): its two words are mapped stack.
        let (caller_fp, ret) = unsafe { sys::stack::frame_record(fp) };
        let Some((_, function)) = code_registry::function_at(ret.wrapping_sub(1)) else {
            break;
        };
        let offset = (ret - function.start) as u32;
        if let Ok(at) = function
            .landing_pads
            .binary_search_by_key(&offset, |p| p.ret_offset)
        {
            let pad = function.landing_pads[at];
            let handler = function.start + pad.handler_offset as usize;
            let sp = caller_fp - pad.frame_offset as usize;
            // SAFETY: the landing pad was recorded by the compiler for this return address;
            // `caller_fp` is that frame's frame pointer and `sp` its stack pointer at the call.
            // The frames skipped (wasm code and this runtime call) own nothing needing drop.
            unsafe { sys::unwind_stubs::resume(handler, sp, caller_fp, exn) }
        }
        if caller_fp <= fp {
            break;
        }
        fp = caller_fp;
    }
    let mut uncaught = heap.describe(exn).unwrap_or(UncaughtException {
        tag: "unknown".to_string(),
        values: Vec::new(),
        backtrace: Vec::new(),
    });
    uncaught.backtrace = thrower_frame(code, wasm_offset)
        .into_iter()
        .chain(traps::backtrace_from(thrower_fp))
        .collect();
    traps::raise(Trap::Exception(uncaught))
}

/// The frame of the throw at module offset `wasm_offset` in `code`: the function with a call
/// recorded at that offset (the runtime call that throws).
fn thrower_frame(code: &'static CodeInfo, wasm_offset: u32) -> Vec<TrapFrame> {
    let pc = code.functions.iter().find_map(|function| {
        let (code_offset, _) = function
            .sites()
            .iter()
            .find(|(_, site)| site.wasm_offset == wasm_offset)?;
        Some(function.start + code_offset as usize)
    });
    pc.map(traps::frames_at).unwrap_or_default()
}
