//! Everything the runtime needs to instantiate a compiled module, beyond its machine code.
//! Writer: `compiler::emit` (serialized with postcard into the `wasmaot_metadata` symbol);
//! reader: the runtime's module loader.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use serde::{Deserialize, Serialize};

use crate::vmctx::{VmctxCounts, VmctxLayout};

/// A value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    /// A 128-bit vector (SIMD); its bytes are little-endian, lane 0 first, as in memory.
    V128,
    /// `funcref`, i.e. `(ref null func)`.
    FuncRef,
    /// `externref`, i.e. `(ref null extern)`.
    ExternRef,
    /// Any other reference type (typed function references); the two above are never written
    /// in this form, so equal types compare equal.
    Ref(RefType),
}

impl ValType {
    /// The reference type `self` is, in its general form.
    pub fn as_ref(self) -> Option<RefType> {
        match self {
            ValType::FuncRef => Some(RefType {
                nullable: true,
                heap: HeapType::Func,
            }),
            ValType::ExternRef => Some(RefType {
                nullable: true,
                heap: HeapType::Extern,
            }),
            ValType::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// Whether values of this type are function references.
    pub fn is_func_ref(self) -> bool {
        self.as_ref().is_some_and(|r| r.heap.is_func())
    }

    /// Whether values of this type are exception references (which never leave wasm code).
    pub fn is_exn_ref(self) -> bool {
        self.as_ref().is_some_and(|r| r.heap.is_exn())
    }
}

/// As the text format writes it: `i32`, `funcref`, `(ref null 3)`.
impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
            ValType::Ref(RefType {
                nullable: true,
                heap: HeapType::Exn,
            }) => "exnref",
            ValType::Ref(r) => {
                let null = if r.nullable { "null " } else { "" };
                return match r.heap {
                    HeapType::Concrete(index) => write!(f, "(ref {null}{index})"),
                    heap => write!(f, "(ref {null}{})", heap.name()),
                };
            }
        };
        f.write_str(name)
    }
}

/// Value types as the text format lists them: separated by spaces.
pub struct ValTypes<'a>(pub &'a [ValType]);

impl fmt::Display for ValTypes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, ty) in self.0.iter().enumerate() {
            let space = if i == 0 { "" } else { " " };
            write!(f, "{space}{ty}")?;
        }
        Ok(())
    }
}

/// A reference type of the function-references proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RefType {
    pub nullable: bool,
    pub heap: HeapType,
}

impl RefType {
    /// The value type of this reference type, `funcref` and `externref` in their short form.
    pub fn val_type(self) -> ValType {
        match (self.nullable, self.heap) {
            (true, HeapType::Func) => ValType::FuncRef,
            (true, HeapType::Extern) => ValType::ExternRef,
            _ => ValType::Ref(self),
        }
    }
}

/// What a reference points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HeapType {
    Func,
    Extern,
    /// The bottom of function references (only null).
    NoFunc,
    /// The bottom of extern references (only null).
    NoExtern,
    /// `exn`: exception references (exception handling).
    Exn,
    /// The bottom of exception references (only null).
    NoExn,
    /// A function type: in the compiler's metadata its module type index; the runtime
    /// rewrites it to the type's canonical signature id when it loads the module, so that
    /// types of different modules compare by identity.
    Concrete(u32),
}

impl HeapType {
    /// The text format's name of an abstract heap type (`func`, `noextern`, ...); a concrete
    /// one is written as its index.
    fn name(self) -> &'static str {
        match self {
            HeapType::Func => "func",
            HeapType::Extern => "extern",
            HeapType::NoFunc => "nofunc",
            HeapType::NoExtern => "noextern",
            HeapType::Exn => "exn",
            HeapType::NoExn => "noexn",
            HeapType::Concrete(_) => "",
        }
    }

    pub fn is_func(self) -> bool {
        matches!(
            self,
            HeapType::Func | HeapType::NoFunc | HeapType::Concrete(_)
        )
    }

    pub fn is_exn(self) -> bool {
        matches!(self, HeapType::Exn | HeapType::NoExn)
    }
}

/// A function signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

/// As the text format writes it: `(func (param i32 i32) (result i32))`.
impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params.is_empty() {
            write!(f, " (param {})", ValTypes(&self.params))?;
        }
        if !self.results.is_empty() {
            write!(f, " (result {})", ValTypes(&self.results))?;
        }
        f.write_str(")")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub min: u64,
    pub max: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableType {
    /// `FuncRef` or `ExternRef`.
    pub element: ValType,
    pub limits: Limits,
    /// Indexed by `i64` (memory64 proposal) rather than `i32`.
    pub table64: bool,
}

/// Limits are in pages of `1 << page_size_log2` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryType {
    pub limits: Limits,
    /// Addressed by `i64` (memory64 proposal) rather than `i32`.
    pub memory64: bool,
    /// log2 of the page size: 16 (64 KiB) unless the custom-page-sizes proposal says 0 (1 byte).
    pub page_size_log2: u32,
}

impl MemoryType {
    /// A 32-bit memory of 64 KiB pages, as in WebAssembly 2.0.
    pub fn new(limits: Limits) -> MemoryType {
        MemoryType {
            limits,
            memory64: false,
            page_size_log2: crate::WASM_PAGE_SHIFT,
        }
    }

    /// Bytes per page.
    pub fn page_size(&self) -> u64 {
        1 << self.page_size_log2
    }

    /// The most pages the type allows: its maximum, or what its index type can count
    /// (memory.size must fit the index type, so 1-byte pages stop at 2^32 - 1 in 32 bits).
    pub fn max_pages(&self) -> u64 {
        let addressable = if self.memory64 {
            u64::MAX >> self.page_size_log2
        } else {
            ((1u64 << 32) >> self.page_size_log2).min(u64::from(u32::MAX))
        };
        self.limits.max.unwrap_or(addressable).min(addressable)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalType {
    pub content: ValType,
    pub mutable: bool,
}

/// A constant expression: one instruction (WebAssembly 2.0), or with extended-const a short
/// stack program of integer arithmetic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ConstExpr {
    I32(i32),
    I64(i64),
    /// Bit pattern.
    F32(u32),
    /// Bit pattern.
    F64(u64),
    /// The vector's bytes as a little-endian integer.
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    /// extended-const: operators run on a value stack, leaving the result on top.
    Ops(Vec<ConstOp>),
}

/// One operator of an extended constant expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConstOp {
    I32Const(i32),
    I64Const(i64),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImportKind {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// A tag of the given function type (no results).
    Tag(u32),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExternKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    pub name: String,
    pub kind: ExternKind,
    pub index: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DataKind {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSegment {
    pub kind: DataKind,
    /// Read as one slice copy, not byte by byte (the encoding is the same either way: a
    /// length, then the bytes).
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ElemKind {
    Passive,
    Declared,
    Active { table: u32, offset: ConstExpr },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ElemSegment {
    pub kind: ElemKind,
    /// `FuncRef` or `ExternRef`.
    pub element: ValType,
    pub items: Vec<ConstExpr>,
}

/// How memory accesses were compiled; the runtime must reserve accordingly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryStrategy {
    /// Bytes reserved per 32-bit memory (accessible part plus guard), or 0 when accesses carry
    /// explicit bounds checks and only the accessible part need be mapped. A 64-bit memory
    /// gets a guard of `reservation - 4 GiB` after the largest length it may reach: its
    /// accesses compare the index with the length and leave the offset to that guard.
    pub reservation: u64,
    /// Where the module's memory 0 must start, or 0 for wherever the runtime places it. Code
    /// compiled for an executable (one instance per process) may take memory 0's base as a
    /// constant, which x86-64 folds into every access as a displacement: no register holds
    /// it and no load fetches it. Only a module that defines its memory 0 (imports none) and
    /// reserves with guard pages is compiled so; the runtime reserves exactly this address
    /// for that memory, or fails to instantiate.
    pub fixed_base: u64,
    /// Where the instance's vmctx must be, or 0 for wherever the runtime places it. Code
    /// compiled for an executable may take the vmctx's address as a constant, so that no
    /// register holds it through a function (one more for the function's own values) and no
    /// call's callee reads it from its parameter. The runtime maps the vmctx exactly there,
    /// or fails to instantiate.
    pub fixed_vmctx: u64,
}

/// The module, as the runtime instantiates it.
/// Names by index (the name section's function names), stored as one text and where each
/// name ends in it: loading a module copies the text and makes no string per name (SQLite
/// names 1,493 functions), and a lookup reads the name in place.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    /// The names, one after the other.
    #[serde(with = "serde_bytes")]
    text: Vec<u8>,
    /// Each name's index and the end of its text, sorted by index.
    #[serde(with = "crate::packed")]
    entries: Vec<(u32, u32)>,
}

impl Names {
    /// The names of `names`, sorted by index; the first name of an index given twice counts.
    pub fn new(mut names: Vec<(u32, String)>) -> Names {
        names.sort_by_key(|(index, _)| *index);
        names.dedup_by_key(|(index, _)| *index);
        let mut result = Names::default();
        for (index, name) in names {
            result.text.extend_from_slice(name.as_bytes());
            result.entries.push((index, result.text.len() as u32));
        }
        result
    }

    /// The name of `index`, if it has one.
    pub fn get(&self, index: u32) -> Option<&str> {
        let at = self
            .entries
            .binary_search_by_key(&index, |(i, _)| *i)
            .ok()?;
        let start = match at.checked_sub(1) {
            Some(before) => self.entries[before].1 as usize,
            None => 0,
        };
        let text = self.text.get(start..self.entries[at].1 as usize)?;
        core::str::from_utf8(text).ok()
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModuleMeta {
    pub types: Vec<FuncType>,
    /// How many types each recursion group of the type section holds, in order (a type outside
    /// any `rec` is a group of one): types are equal across modules when their groups are.
    pub rec_groups: Vec<u32>,
    pub imports: Vec<Import>,
    /// Type index of every function, imported first.
    #[serde(with = "crate::packed")]
    pub func_types: Vec<u32>,
    /// Every table, imported first.
    pub tables: Vec<TableType>,
    /// Every memory, imported first.
    pub memories: Vec<MemoryType>,
    /// Every global, imported first.
    pub globals: Vec<GlobalType>,
    /// Type index of every tag, imported first.
    pub tags: Vec<u32>,
    /// Initializer of each defined global.
    pub global_inits: Vec<ConstExpr>,
    /// Initial value of every element of each defined table (`RefNull` unless the table type
    /// has an initializer expression, as typed-reference tables may).
    pub table_inits: Vec<ConstExpr>,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub data: Vec<DataSegment>,
    pub elems: Vec<ElemSegment>,
    /// Function names from the name section: (function index, name).
    pub func_names: Names,
    /// Tag names from the name section: (tag index, name).
    pub tag_names: Vec<(u32, String)>,
    pub memory_strategy: MemoryStrategy,
    /// CPU features the machine code uses beyond the target's baseline, by Cranelift setting
    /// name (`has_avx2`, `has_lse`, ...). Writer: the compiler, from the ISA it compiled for;
    /// reader: the runtime, which refuses to run the code on a CPU lacking any of them.
    pub cpu_features: Vec<String>,
    /// Where exceptions land, per defined function that catches any: (defined function index,
    /// its landing pads sorted by return offset). Writer: the compiler, after code generation.
    pub landing_pads: Vec<(u32, Vec<LandingPad>)>,
    /// What the code checks besides the spec: interruption at function entries and loop
    /// headers, fuel.
    pub instrumentation: Instrumentation,
    /// Where the encoding of each defined function's sites (see
    /// [`crate::code_sites::EncodedSites`]: the wasm offsets and source lines of its trapping
    /// instructions and calls, what a trap's backtrace prints) ends in the object's code-sites
    /// bytes, in defined-function order.
    #[serde(with = "crate::packed")]
    pub code_site_ends: Vec<u32>,
    /// The source files `SourceLine::file` indexes, from the module's DWARF line programs
    /// (empty without them).
    pub source_files: Vec<String>,
}

/// Checks compiled into the code on request (each costs time, so none by default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrumentation {
    /// Function entries and loop headers read the store's interruption flag.
    pub interrupt_checks: bool,
    /// Straight-line runs of instructions take their count from the store's fuel.
    pub fuel: bool,
}

/// A call site inside a `try` or `try_table`: an exception thrown by the callee (or by any
/// function it calls without catching) resumes at `handler`, with the stack pointer at
/// `frame pointer - frame_offset` and the exception in the first return register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandingPad {
    /// The call's return address, from the start of the function.
    pub ret_offset: u32,
    /// The handler, from the start of the function.
    pub handler_offset: u32,
    /// Bytes from the frame pointer down to the stack pointer at the call.
    pub frame_offset: u32,
}

impl ModuleMeta {
    fn count_imports(&self, pick: impl Fn(&ImportKind) -> bool) -> u32 {
        self.imports.iter().filter(|i| pick(&i.kind)).count() as u32
    }

    pub fn imported_funcs(&self) -> u32 {
        self.count_imports(|k| matches!(k, ImportKind::Func(_)))
    }
    pub fn imported_tables(&self) -> u32 {
        self.count_imports(|k| matches!(k, ImportKind::Table(_)))
    }
    pub fn imported_memories(&self) -> u32 {
        self.count_imports(|k| matches!(k, ImportKind::Memory(_)))
    }
    pub fn imported_globals(&self) -> u32 {
        self.count_imports(|k| matches!(k, ImportKind::Global(_)))
    }
    pub fn imported_tags(&self) -> u32 {
        self.count_imports(|k| matches!(k, ImportKind::Tag(_)))
    }

    /// The counts the vmctx layout is computed from.
    pub fn vmctx_counts(&self) -> VmctxCounts {
        let (f, t, m, g) = (
            self.imported_funcs(),
            self.imported_tables(),
            self.imported_memories(),
            self.imported_globals(),
        );
        VmctxCounts {
            types: self.types.len() as u32,
            imported_funcs: f,
            defined_funcs: self.func_types.len() as u32 - f,
            imported_memories: m,
            defined_memories: self.memories.len() as u32 - m,
            imported_tables: t,
            defined_tables: self.tables.len() as u32 - t,
            imported_globals: g,
            defined_globals: self.globals.len() as u32 - g,
            tags: self.tags.len() as u32,
        }
    }

    pub fn vmctx_layout(&self) -> VmctxLayout {
        VmctxLayout::new(self.vmctx_counts())
    }

    /// The name-section name of function `index`, if any.
    pub fn func_name(&self, index: u32) -> Option<&str> {
        self.func_names.get(index)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing plain owned data into a Vec cannot fail.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<ModuleMeta, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn reference(nullable: bool, heap: HeapType) -> ValType {
        RefType { nullable, heap }.val_type()
    }

    #[test]
    fn types_read_as_in_the_text_format() {
        let text = |ty: ValType| ty.to_string();
        assert_eq!(text(ValType::I32), "i32");
        assert_eq!(text(ValType::V128), "v128");
        assert_eq!(text(reference(true, HeapType::Func)), "funcref");
        assert_eq!(text(reference(true, HeapType::Extern)), "externref");
        assert_eq!(text(reference(true, HeapType::Exn)), "exnref");
        assert_eq!(text(reference(false, HeapType::Func)), "(ref func)");
        assert_eq!(
            text(reference(true, HeapType::NoExtern)),
            "(ref null noextern)"
        );
        assert_eq!(text(reference(false, HeapType::Concrete(3))), "(ref 3)");
        let ty = FuncType {
            params: vec![ValType::I32, ValType::F64],
            results: vec![ValType::I64],
        };
        assert_eq!(ty.to_string(), "(func (param i32 f64) (result i64))");
        let none = FuncType {
            params: vec![],
            results: vec![],
        };
        assert_eq!(none.to_string(), "(func)");
        assert_eq!(ValTypes(&[]).to_string(), "");
    }

    #[test]
    fn names_are_found_by_index_and_the_first_of_two_counts() {
        let names = Names::new(alloc::vec![
            (7, "main".into()),
            (2, "\u{e9}t\u{e9}".into()),
            (7, "later".into()),
            (3, String::new()),
        ]);
        assert_eq!(names.len(), 3);
        assert_eq!(names.get(2), Some("\u{e9}t\u{e9}"));
        assert_eq!(names.get(3), Some(""));
        assert_eq!(names.get(7), Some("main"));
        assert_eq!(names.get(4), None);
        assert_eq!(Names::default().get(0), None);
    }
}
