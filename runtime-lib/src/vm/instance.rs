//! Instances: the vmctx compiled code reads, and everything it points at. Instantiation follows
//! the spec: check imports, create memories, tables and globals, apply element and data segments
//! in order, run the start function. Reached only through a `Store`, which is borrowed for every
//! call, so one thread at a time touches an instance.

use crate::prelude::*;

use alloc::sync::Arc;
use core::any::Any;
use core::cell::UnsafeCell;

use wasmaot_abi::metadata::{ConstExpr, ConstOp, DataKind, ElemKind, ExternKind, ImportKind};
use wasmaot_abi::vmctx::VMCTX_MAGIC;
use wasmaot_abi::{TrapKind, VMFuncRef, VMGlobal, VmctxLayout};

use super::error::Error;
use super::exceptions::{ExnHeap, VmTag};
use super::func::{HostFuncContext, VmFunc, VmFuncKind};
use super::global::{read_global_raw, write_global_raw, VmGlobal};
use super::limits::VmLimits;
use super::memory::VmMemory;
use super::module::Module;
use super::table::VmTable;
use super::trap::Trap;
use super::traps;
use super::types::val_subtype;
use super::vmctx_bytes::VmctxBytes;

/// Something an instance can import or export.
#[derive(Clone)]
pub enum VmExtern {
    Func(VmFunc),
    Memory(Arc<VmMemory>),
    Table(Arc<VmTable>),
    Global(VmGlobal),
    Tag(Arc<VmTag>),
}

/// An instantiated module. Cheap to clone; lives as long as any clone or export of it.
#[derive(Clone)]
pub struct VmInstance(pub(crate) Arc<InstanceInner>);

pub struct InstanceInner {
    pub(crate) module: Module,
    vmctx: VmctxBytes,
    pub(crate) memories: Vec<Arc<VmMemory>>,
    pub(crate) tables: Vec<Arc<VmTable>>,
    /// Every tag, imported first; the vmctx holds their identities.
    pub(crate) tags: Vec<Arc<VmTag>>,
    /// The store's exception objects.
    pub(crate) exceptions: Arc<ExnHeap>,
    /// The store's stack limit, interruption flag and fuel, which the vmctx points at.
    pub(crate) limits: Arc<VmLimits>,
    /// Keeps imported functions' and globals' owners alive.
    _imports: Vec<Arc<dyn Any + Send + Sync>>,
    // Boxed: compiled code holds their addresses, which must not move as the vectors grow.
    #[allow(clippy::vec_box)]
    _host_contexts: Vec<Box<HostFuncContext>>,
    #[allow(clippy::vec_box)]
    _host_funcrefs: Vec<Box<VMFuncRef>>,
    /// Which data segments `data.drop` has emptied (active ones after instantiation); the
    /// bytes of the others are the module's, shared by all its instances, not copied.
    pub(crate) data_dropped: UnsafeCell<Vec<bool>>,
    /// Element segments, evaluated to raw references; emptied by `elem.drop`.
    pub(crate) elems: UnsafeCell<Vec<Vec<u64>>>,
}

// SAFETY: an instance is reached only through its store, which every call and every access
// borrows (mutably to run code), so one thread at a time touches the raw state.
unsafe impl Send for InstanceInner {}
// SAFETY: as above.
unsafe impl Sync for InstanceInner {}

/// The instance whose vmctx is `vmctx`, if it is one (host function contexts are not).
pub(crate) fn from_vmctx<'a>(vmctx: *mut u8) -> Option<&'a InstanceInner> {
    if vmctx.is_null() {
        return None;
    }
    // SAFETY: `vmctx` is an instance vmctx or a host function context, both at least 32 bytes;
    // an instance's has the magic and a pointer to its (live) InstanceInner.
    unsafe {
        if vmctx.add(VmctxLayout::MAGIC as usize).cast::<u64>().read() != VMCTX_MAGIC {
            return None;
        }
        let inner = vmctx
            .add(VmctxLayout::INSTANCE as usize)
            .cast::<*const InstanceInner>()
            .read();
        Some(&*inner)
    }
}

impl VmInstance {
    /// Instantiate `module`; `imports` are in the order of the module's imports, of the types
    /// it declares (checked here).
    ///
    /// # Safety
    /// Imported functions must be callable by the start function on this thread: host
    /// functions among them find their store through the caller's setting (see `store.rs`).
    pub unsafe fn new(
        module: &Module,
        imports: &[VmExtern],
        max_memory: Option<u64>,
        exceptions: Arc<ExnHeap>,
        limits: Arc<VmLimits>,
        made: &mut Option<VmInstance>,
    ) -> Result<VmInstance, Error> {
        traps::init();
        let meta = &module.0.meta;
        if imports.len() != meta.imports.len() {
            return Err(Error::Link(format!(
                "module needs {} imports, {} given",
                meta.imports.len(),
                imports.len()
            )));
        }
        let layout = module.0.layout;
        let vmctx = VmctxBytes::new(layout.size() as usize, meta.memory_strategy)?;
        let mut inner = InstanceInner {
            module: module.clone(),
            vmctx,
            memories: Vec::new(),
            tables: Vec::new(),
            tags: Vec::new(),
            exceptions,
            limits,
            _imports: Vec::new(),
            _host_contexts: Vec::new(),
            _host_funcrefs: Vec::new(),
            data_dropped: UnsafeCell::new(Vec::new()),
            elems: UnsafeCell::new(Vec::new()),
        };
        inner.write_header();
        inner.link_imports(imports)?;
        inner.create_memories(max_memory)?;
        inner.create_tables()?;
        inner.create_tags();
        inner.init_funcrefs();
        let instance = VmInstance(Arc::new(inner));
        // From here on its functions may reach imported tables and globals, where they stay
        // even if instantiation fails (as the spec says): the caller keeps it alive.
        *made = Some(instance.clone());
        let inner = &*instance.0;
        inner.write_ptr(
            VmctxLayout::INSTANCE as u32,
            inner as *const InstanceInner as usize,
        );
        inner.init_globals();
        inner.init_tables();
        inner.add_exception_roots();
        inner.init_segments()?;
        if let Some(start) = meta.start {
            let start = instance.func_by_index(start);
            let mut values = vec![0u128; start.slots()];
            // SAFETY: a function without parameters; nothing of the instance is borrowed.
            unsafe { start.call_raw(&mut values)? };
        }
        Ok(instance)
    }

    /// The export `name`, if any.
    pub fn get_export(&self, name: &str) -> Option<VmExtern> {
        let meta = &self.0.module.0.meta;
        let export = meta.exports.iter().find(|e| e.name == name)?;
        Some(self.export_of(export.kind, export.index))
    }

    /// The entity of kind `kind` and index `index`.
    pub fn export_of(&self, kind: ExternKind, index: u32) -> VmExtern {
        match kind {
            ExternKind::Func => VmExtern::Func(self.func_by_index(index)),
            ExternKind::Memory => VmExtern::Memory(self.0.memories[index as usize].clone()),
            ExternKind::Table => VmExtern::Table(self.0.tables[index as usize].clone()),
            ExternKind::Global => VmExtern::Global(self.global_by_index(index)),
            ExternKind::Tag => VmExtern::Tag(self.0.tags[index as usize].clone()),
        }
    }

    pub fn module(&self) -> &Module {
        &self.0.module
    }

    pub fn func_by_index(&self, index: u32) -> VmFunc {
        let meta = &self.0.module.0.meta;
        let ty = meta.types[meta.func_types[index as usize] as usize].clone();
        VmFunc {
            kind: VmFuncKind::Wasm {
                funcref: self.0.funcref(index) as *const VMFuncRef,
                owner: self.0.clone(),
            },
            ty,
        }
    }

    fn global_by_index(&self, index: u32) -> VmGlobal {
        VmGlobal {
            ptr: self.0.global_ptr(index),
            ty: self.0.module.0.meta.globals[index as usize],
            owner: self.0.clone(),
        }
    }

    /// The index of the function whose `VMFuncRef` is at `funcref`, if this instance has it.
    pub fn func_index_of(&self, funcref: usize) -> Option<u32> {
        let count = self.0.module.0.meta.func_types.len() as u32;
        (0..count).find(|i| self.0.funcref(*i) == funcref)
    }
}

impl Drop for InstanceInner {
    fn drop(&mut self) {
        self.limits.forget_vmctx(self.vmctx_ptr());
    }
}

impl InstanceInner {
    fn layout(&self) -> VmctxLayout {
        self.module.0.layout
    }

    pub(crate) fn vmctx_ptr(&self) -> *mut u8 {
        self.vmctx.ptr()
    }

    fn write_ptr(&self, offset: u32, value: usize) {
        // SAFETY: offsets come from the layout of this vmctx, which is large enough and aligned.
        unsafe {
            self.vmctx_ptr()
                .add(offset as usize)
                .cast::<usize>()
                .write(value)
        }
    }

    fn read_ptr(&self, offset: u32) -> usize {
        // SAFETY: as in `write_ptr`.
        unsafe { self.vmctx_ptr().add(offset as usize).cast::<usize>().read() }
    }

    fn write_header(&mut self) {
        let layout = self.layout();
        self.write_ptr(
            VmctxLayout::LIBCALLS as u32,
            super::libcalls::table_address(),
        );
        self.write_ptr(VmctxLayout::MAGIC as u32, VMCTX_MAGIC as usize);
        self.write_ptr(VmctxLayout::LIMITS as u32, self.limits.vm_ptr() as usize);
        // SAFETY: the vmctx is this instance's, boxed (it does not move), and forgotten when
        // the instance is dropped.
        unsafe { self.limits.add_vmctx(self.vmctx_ptr()) };
        for (i, id) in self.module.0.type_ids.iter().enumerate() {
            // SAFETY: type_id(i) lies inside the vmctx.
            unsafe {
                self.vmctx_ptr()
                    .add(layout.type_id(i as u32) as usize)
                    .cast::<u32>()
                    .write(*id)
            };
        }
    }

    fn link_imports(&mut self, imports: &[VmExtern]) -> Result<(), Error> {
        let module = self.module.clone();
        let meta = &module.0.meta;
        let layout = self.layout();
        let (mut funcs, mut globals) = (0u32, 0u32);
        for (import, value) in meta.imports.iter().zip(imports) {
            let what = format!("import {}::{}", import.module, import.name);
            match (&import.kind, value) {
                (ImportKind::Func(type_index), VmExtern::Func(f)) => {
                    if f.type_id() != module.0.type_ids[*type_index as usize] {
                        return Err(Error::Link(format!("{what}: incompatible import type")));
                    }
                    let funcref = match &f.kind {
                        VmFuncKind::Wasm { funcref, owner } => {
                            self._imports.push(owner.clone());
                            *funcref
                        }
                        VmFuncKind::Host(host) => {
                            let mut ctx = HostFuncContext::new(host.clone());
                            let funcref = Box::new(VMFuncRef {
                                func_ptr: module.0.adapters[*type_index as usize],
                                vmctx: (&mut *ctx as *mut HostFuncContext).cast(),
                                trampoline: module.0.trampolines[*type_index as usize],
                                type_id: module.0.type_ids[*type_index as usize],
                                _pad: 0,
                            });
                            let ptr = &*funcref as *const VMFuncRef;
                            self._host_contexts.push(ctx);
                            self._host_funcrefs.push(funcref);
                            ptr
                        }
                    };
                    self.write_ptr(layout.imported_func(funcs), funcref as usize);
                    funcs += 1;
                }
                (ImportKind::Memory(ty), VmExtern::Memory(m)) => {
                    if m.ty.memory64 != ty.memory64
                        || m.ty.page_size_log2 != ty.page_size_log2
                        || !limits_match(&m.ty.limits, m.pages(), &ty.limits)
                    {
                        return Err(Error::Link(format!("{what}: incompatible import type")));
                    }
                    // Code compiled without bounds checks relies on the guard region.
                    if !m.suits(meta.memory_strategy) {
                        return Err(Error::Link(format!(
                            "{what}: the memory lacks the guard region this module was compiled for"
                        )));
                    }
                    self.memories.push(m.clone());
                }
                (ImportKind::Table(ty), VmExtern::Table(t)) => {
                    if t.ty.element != ty.element
                        || t.ty.table64 != ty.table64
                        || !limits_match(&t.ty.limits, t.len(), &ty.limits)
                    {
                        return Err(Error::Link(format!("{what}: incompatible import type")));
                    }
                    self.tables.push(t.clone());
                }
                (ImportKind::Global(ty), VmExtern::Global(g)) => {
                    // A constant global may be of a subtype; a mutable one must match exactly.
                    let matches = if ty.mutable {
                        g.ty == *ty
                    } else {
                        !g.ty.mutable && val_subtype(g.ty.content, ty.content)
                    };
                    if !matches {
                        return Err(Error::Link(format!("{what}: incompatible import type")));
                    }
                    self.write_ptr(layout.imported_global(globals), g.ptr as usize);
                    self._imports.push(g.owner.clone());
                    globals += 1;
                }
                (ImportKind::Tag(type_index), VmExtern::Tag(tag)) => {
                    if tag.type_id != module.0.type_ids[*type_index as usize] {
                        return Err(Error::Link(format!("{what}: incompatible import type")));
                    }
                    self.tags.push(tag.clone());
                }
                _ => return Err(Error::Link(format!("{what}: incompatible import type"))),
            }
        }
        Ok(())
    }

    fn create_memories(&mut self, max_memory: Option<u64>) -> Result<(), Error> {
        let meta = &self.module.0.meta;
        let imported = meta.imported_memories() as usize;
        for (i, ty) in meta.memories.iter().enumerate().skip(imported) {
            // Only a defined memory 0 may have been compiled for a fixed base.
            let at = match i {
                0 => meta.memory_strategy.fixed_base as usize,
                _ => 0,
            };
            let memory = VmMemory::new_at(*ty, meta.memory_strategy, max_memory, at)?;
            self.memories.push(Arc::new(memory));
        }
        let layout = self.layout();
        for (i, m) in self.memories.iter().enumerate() {
            self.write_ptr(layout.memory_ptr(i as u32), m.vm_ptr() as usize);
            let base = m.fixed_base().map_or(0, |base| base as usize);
            self.write_ptr(layout.memory_base(i as u32), base);
        }
        Ok(())
    }

    /// Create the defined tags (each a new identity) and write every tag's identity.
    fn create_tags(&mut self) {
        let module = self.module.clone();
        let meta = &module.0.meta;
        for index in meta.imported_tags()..meta.tags.len() as u32 {
            let type_index = meta.tags[index as usize] as usize;
            // Its export name, else its name-section name, else its index.
            let name = meta
                .exports
                .iter()
                .find(|e| e.kind == ExternKind::Tag && e.index == index)
                .map(|e| e.name.clone())
                .or_else(|| {
                    let named = meta.tag_names.iter().find(|(i, _)| *i == index);
                    named.map(|(_, name)| name.clone())
                })
                .unwrap_or_else(|| format!("tag {index}"));
            self.tags.push(Arc::new(VmTag {
                type_id: module.0.type_ids[type_index],
                ty: meta.types[type_index].clone(),
                name,
            }));
        }
        let layout = self.layout();
        for (i, tag) in self.tags.iter().enumerate() {
            self.write_ptr(layout.tag_ptr(i as u32), tag.identity());
        }
    }

    /// Tell the exception heap where this instance keeps exception references: its defined
    /// globals and tables of `exnref` type (imported ones are their owner's).
    fn add_exception_roots(&self) {
        let meta = &self.module.0.meta;
        for index in meta.imported_globals()..meta.globals.len() as u32 {
            if meta.globals[index as usize].content.is_exn_ref() {
                self.exceptions.add_global_root(self.global_ptr(index));
            }
        }
        let imported = meta.imported_tables() as usize;
        for table in &self.tables[imported..] {
            if table.ty.element.is_exn_ref() {
                self.exceptions.add_table_root(table.clone());
            }
        }
    }

    fn create_tables(&mut self) -> Result<(), Error> {
        let meta = &self.module.0.meta;
        let imported = meta.imported_tables() as usize;
        for ty in &meta.tables[imported..] {
            let table = VmTable::new(*ty, 0, self.limits.max_table_entries())
                .ok_or_else(|| Error::Resource("table too large".to_string()))?;
            self.tables.push(Arc::new(table));
        }
        let layout = self.layout();
        for (i, t) in self.tables.iter().enumerate() {
            self.write_ptr(layout.table_ptr(i as u32), t.vm_ptr() as usize);
        }
        Ok(())
    }

    fn init_funcrefs(&mut self) {
        let module = self.module.clone();
        let inner = &module.0;
        let layout = self.layout();
        let imported = layout.counts.imported_funcs;
        let vmctx = self.vmctx_ptr();
        for (i, func_ptr) in inner.functions.iter().enumerate() {
            let type_index = inner.meta.func_types[imported as usize + i] as usize;
            let funcref = VMFuncRef {
                func_ptr: *func_ptr,
                vmctx,
                trampoline: inner.trampolines[type_index],
                type_id: inner.type_ids[type_index],
                _pad: 0,
            };
            // SAFETY: defined_func(i) is an aligned VMFuncRef slot inside the vmctx.
            unsafe {
                vmctx
                    .add(layout.defined_func(i as u32) as usize)
                    .cast::<VMFuncRef>()
                    .write(funcref)
            };
        }
    }

    /// Address of function `index`'s `VMFuncRef`.
    pub(crate) fn funcref(&self, index: u32) -> usize {
        let layout = self.layout();
        let imported = layout.counts.imported_funcs;
        if index < imported {
            self.read_ptr(layout.imported_func(index))
        } else {
            self.vmctx_ptr() as usize + layout.defined_func(index - imported) as usize
        }
    }

    pub(crate) fn global_ptr(&self, index: u32) -> *mut VMGlobal {
        let layout = self.layout();
        let imported = layout.counts.imported_globals;
        if index < imported {
            self.read_ptr(layout.imported_global(index)) as *mut VMGlobal
        } else {
            // SAFETY: defined_global is inside the vmctx.
            unsafe {
                self.vmctx_ptr()
                    .add(layout.defined_global(index - imported) as usize)
                    .cast()
            }
        }
    }

    fn eval(&self, expr: &ConstExpr) -> u128 {
        match *expr {
            ConstExpr::I32(v) => u128::from(v as u32),
            ConstExpr::I64(v) => u128::from(v as u64),
            ConstExpr::F32(bits) => u128::from(bits),
            ConstExpr::F64(bits) => u128::from(bits),
            ConstExpr::V128(bits) => bits,
            ConstExpr::RefNull => 0,
            ConstExpr::RefFunc(f) => self.funcref(f) as u128,
            ConstExpr::GlobalGet(g) => self.global_value(g),
            ConstExpr::Ops(ref ops) => u128::from(self.eval_ops(ops)),
        }
    }

    fn global_value(&self, g: u32) -> u128 {
        let ty = self.module.0.meta.globals[g as usize].content;
        // SAFETY: global_ptr points at a live VMGlobal.
        unsafe { read_global_raw(self.global_ptr(g), ty) }
    }

    /// Run an extended constant expression (validated: the stack never underflows and ends
    /// with one integer). i32 values are kept zero-extended.
    fn eval_ops(&self, ops: &[ConstOp]) -> u64 {
        let mut stack: Vec<u64> = Vec::with_capacity(ops.len());
        for op in ops {
            let value = match *op {
                ConstOp::I32Const(v) => u64::from(v as u32),
                ConstOp::I64Const(v) => v as u64,
                ConstOp::GlobalGet(g) => self.global_value(g) as u64,
                op => {
                    let b = stack.pop().unwrap_or(0);
                    let a = stack.pop().unwrap_or(0);
                    let (a32, b32) = (a as u32, b as u32);
                    match op {
                        ConstOp::I32Add => u64::from(a32.wrapping_add(b32)),
                        ConstOp::I32Sub => u64::from(a32.wrapping_sub(b32)),
                        ConstOp::I32Mul => u64::from(a32.wrapping_mul(b32)),
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    }
                }
            };
            stack.push(value);
        }
        stack.pop().unwrap_or(0)
    }

    fn init_globals(&self) {
        let meta = &self.module.0.meta;
        let imported = meta.imported_globals();
        for (i, init) in meta.global_inits.iter().enumerate() {
            let index = imported + i as u32;
            let value = self.eval(init);
            let ty = meta.globals[index as usize].content;
            // SAFETY: a defined global's slot in our vmctx.
            unsafe { write_global_raw(self.global_ptr(index), ty, value) };
        }
    }

    /// Fill each defined table with its initializer's value (after the globals, which the
    /// initializer may read).
    fn init_tables(&self) {
        let meta = &self.module.0.meta;
        let imported = meta.imported_tables() as usize;
        for (i, init) in meta.table_inits.iter().enumerate() {
            if *init != ConstExpr::RefNull {
                let value = self.eval(init) as u64;
                let table = &self.tables[imported + i];
                table.fill(0, table.len(), value);
            }
        }
    }

    fn init_segments(&self) -> Result<(), Error> {
        let meta = &self.module.0.meta;
        let elems: Vec<Vec<u64>> = meta
            .elems
            .iter()
            .map(|e| e.items.iter().map(|x| self.eval(x) as u64).collect())
            .collect();
        // SAFETY: nothing else touches the segment lists during instantiation.
        unsafe { *self.elems.get() = elems };
        // SAFETY: as above.
        unsafe { *self.data_dropped.get() = vec![false; meta.data.len()] };
        for (i, segment) in meta.elems.iter().enumerate() {
            match &segment.kind {
                ElemKind::Active { table, offset } => {
                    let offset = self.eval(offset) as u64;
                    let len = segment.items.len() as u32;
                    self.table_init(*table, i as u32, offset, 0, len)
                        .map_err(Trap::wasm)?;
                    self.elem_drop(i as u32);
                }
                ElemKind::Declared => self.elem_drop(i as u32),
                ElemKind::Passive => {}
            }
        }
        for (i, segment) in meta.data.iter().enumerate() {
            if let DataKind::Active { memory, offset } = &segment.kind {
                let offset = self.eval(offset) as u64;
                let len = segment.bytes.len() as u32;
                self.memory_init(*memory, i as u32, offset, 0, len)
                    .map_err(Trap::wasm)?;
                self.data_drop(i as u32);
            }
        }
        Ok(())
    }

    // The operations behind the bulk instructions; libcalls and instantiation share them.

    pub(crate) fn memory_init(
        &self,
        memory: u32,
        data: u32,
        dst: u64,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        // SAFETY: segment lists are only touched by the thread running this instance.
        let dropped = unsafe { (&*self.data_dropped.get())[data as usize] };
        let segment: &[u8] = match dropped {
            true => &[],
            false => &self.module.0.meta.data[data as usize].bytes,
        };
        let bytes = segment
            .get(src as usize..src as usize + len as usize)
            .ok_or(TrapKind::OutOfBoundsMemory)?;
        let target = self.memories[memory as usize]
            .range(dst, u64::from(len))
            .ok_or(TrapKind::OutOfBoundsMemory)?;
        // SAFETY: `len` bytes inside the memory (checked by `range`); the segment is not in it.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), target, bytes.len()) };
        Ok(())
    }

    pub(crate) fn data_drop(&self, data: u32) {
        // SAFETY: as in `memory_init`.
        unsafe { (&mut *self.data_dropped.get())[data as usize] = true };
    }

    pub(crate) fn table_init(
        &self,
        table: u32,
        elem: u32,
        dst: u64,
        src: u32,
        len: u32,
    ) -> Result<(), TrapKind> {
        // SAFETY: as in `memory_init`.
        let segment = unsafe { &(&*self.elems.get())[elem as usize] };
        let items = segment
            .get(src as usize..src as usize + len as usize)
            .ok_or(TrapKind::OutOfBoundsTable)?;
        let target = self.tables[table as usize]
            .range(dst, u64::from(len))
            .ok_or(TrapKind::OutOfBoundsTable)?;
        // SAFETY: `len` elements inside the table (checked by `range`); the segment is not in it.
        unsafe { core::ptr::copy_nonoverlapping(items.as_ptr(), target, items.len()) };
        Ok(())
    }

    pub(crate) fn elem_drop(&self, elem: u32) {
        // SAFETY: as in `memory_init`.
        unsafe { (&mut *self.elems.get())[elem as usize] = Vec::new() };
    }
}

/// Import matching of limits: the provided object's current size and maximum must fit the
/// import's declared limits.
fn limits_match(
    actual: &wasmaot_abi::metadata::Limits,
    current: u64,
    wanted: &wasmaot_abi::metadata::Limits,
) -> bool {
    if current < wanted.min {
        return false;
    }
    match (wanted.max, actual.max) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(w), Some(a)) => a <= w,
    }
}
