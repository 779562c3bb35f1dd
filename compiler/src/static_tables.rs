//! Tables whose contents the whole module shows to be fixed from instantiation on, and the
//! read-only copies of them that `call_indirect` reads instead of the table.
//!
//! A table is **static** when nothing but the module's own active element segments ever writes
//! it: it is defined (not imported) and not exported, so no other module and no host can reach
//! it; no function of the module names it as the destination of `table.set`, `table.grow`,
//! `table.fill`, `table.copy` or `table.init`; and every active element segment of the module,
//! whatever table it writes, has a constant offset and fits in its table's minimum length (a
//! segment that may fail would end instantiation before the segments after it are applied,
//! while functions already written into an imported table stay callable). Its length is then
//! its minimum for good, and entry `i` holds, from before the first instruction of the module
//! runs, what the table's initial value and the segments, applied in order, put there.
//!
//! For each static table that some `call_indirect` reads, the object holds a copy in read-only
//! data: the code address of each entry's function, then each entry's type class (a number
//! equal for two types exactly when the runtime's canonical type ids are, see
//! [`wasmaot_abi::type_ids`]). A call through the table then checks the index against the
//! constant length, compares the entry's class with its type's class (an immediate), and calls
//! the code address with its own vmctx: every function in the copy is the module's own, of the
//! same instance. What the copy cannot answer has class 0 and takes the ordinary path through
//! the table, which traps or calls as before: null entries, entries of another type, imported
//! functions (another instance's vmctx) and entries an expression other than `ref.func` and
//! `ref.null` gave (a global's value).
//!
//! The copy is reached through the code's usual route to another symbol (a `func_addr` of a name
//! in [`STATIC_TABLE_NAMESPACE`], which [`crate::emit`] points at the data), so that Cranelift's
//! inliner carries the name over with the rest of an inlined body.

use std::collections::HashMap;

use rayon::prelude::*;
use wasmaot_abi::metadata::{ConstExpr, ElemKind, ExternKind, ModuleMeta};
use wasmaot_abi::type_ids::type_ids;
use wasmparser::Operator;

use crate::module::FunctionInput;

/// Namespace of the names standing for the copies (index: position in [`StaticTables::tables`]).
pub const STATIC_TABLE_NAMESPACE: u32 = 4;

/// Longest table copied (entries); a longer one is read through the table.
pub const MAX_ENTRIES: u64 = 1 << 16;

/// Functions whose body is larger than this many bytes of wasm call through the table even
/// when a copy exists. The call through a copy branches to a block of its own when the entry is
/// not the one the call wants, and in a function this large (an interpreter's dispatch loop)
/// the register allocator answers the extra blocks by spilling more on the hot paths: SQLite's
/// `sqlite3VdbeExec` (over 100 KB of code, 55 indirect calls) ran 7% more instructions, with
/// a quarter more stack traffic, while its calls became cheaper.
pub const LARGE_BODY: usize = 32 * 1024;

/// What one entry of a static table holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Null,
    /// A function of the module, by defined-function index.
    Defined(u32),
    /// An imported function, or the value of an expression other than `ref.func`/`ref.null`.
    Other,
}

/// A static table some `call_indirect` reads.
#[derive(Debug, PartialEq, Eq)]
pub struct StaticTable {
    /// Its table index.
    pub table: u32,
    pub entries: Vec<Entry>,
}

impl StaticTable {
    /// Bytes of the copy: 8 per entry (code addresses), then 4 per entry (classes).
    pub fn data_len(&self) -> usize {
        self.entries.len() * 12
    }

    /// Where the classes start in the copy.
    pub fn classes_offset(&self) -> usize {
        self.entries.len() * 8
    }
}

/// How a `call_indirect` of one type reads one static table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaticCall {
    /// Index of the copy ([`STATIC_TABLE_NAMESPACE`] name).
    pub symbol: u32,
    /// The table's length.
    pub len: u64,
    /// Where the classes start in the copy.
    pub classes_offset: u32,
    /// The class an entry must have to be called directly.
    pub class: u32,
    /// Every entry is null or a function of the module: an entry the copy does not call
    /// directly is one the ordinary path traps at.
    pub all_known: bool,
}

/// The module's static tables that `call_indirect` reads, in table order, and the class of
/// each type.
#[derive(Debug, Default)]
pub struct StaticTables {
    pub tables: Vec<StaticTable>,
    classes: Vec<u32>,
    func_types: Vec<u32>,
    imported_funcs: u32,
}

/// What the function bodies do to tables.
#[derive(Default)]
struct TableUse {
    written: Vec<u32>,
    called: Vec<u32>,
}

impl TableUse {
    fn merge(mut self, other: TableUse) -> TableUse {
        self.written.extend(other.written);
        self.called.extend(other.called);
        self
    }
}

impl StaticTables {
    /// No table is static: every call reads its table.
    pub fn none() -> StaticTables {
        StaticTables::default()
    }

    /// Find the static tables of the module `meta` describes, whose defined functions are
    /// `functions` (read, not validated: a body that does not read leaves every table out, and
    /// compiling it reports why).
    pub fn find(meta: &ModuleMeta, functions: &[FunctionInput<'_>]) -> StaticTables {
        let mut candidates = candidates(meta);
        if candidates.is_empty() {
            return StaticTables::none();
        }
        let Some(uses) = functions
            .par_iter()
            .map(|f| table_use(f))
            .reduce(|| Some(TableUse::default()), |a, b| Some(a?.merge(b?)))
        else {
            return StaticTables::none();
        };
        candidates.retain(|t| uses.called.contains(t) && !uses.written.contains(t));
        let imported_funcs = meta.imported_funcs();
        let tables = candidates
            .into_iter()
            .map(|table| StaticTable {
                table,
                entries: entries(meta, table, imported_funcs),
            })
            .collect();
        let mut interned: HashMap<_, u32> = HashMap::new();
        let classes = type_ids(&meta.types, &meta.rec_groups, |key| {
            let next = interned.len() as u32 + 1;
            *interned.entry(key).or_insert(next)
        });
        StaticTables {
            tables,
            classes,
            func_types: meta.func_types.clone(),
            imported_funcs,
        }
    }

    /// How `call_indirect (type type_index)` through `table` reads its copy, if the table is
    /// static.
    pub fn call(&self, table: u32, type_index: u32) -> Option<StaticCall> {
        let symbol = self.tables.iter().position(|t| t.table == table)?;
        let copy = &self.tables[symbol];
        Some(StaticCall {
            symbol: symbol as u32,
            len: copy.entries.len() as u64,
            classes_offset: copy.classes_offset() as u32,
            class: *self.classes.get(type_index as usize)?,
            all_known: !copy.entries.contains(&Entry::Other),
        })
    }

    /// The class of entry `entry`'s function (0: none the copy calls).
    pub fn class_of(&self, entry: Entry) -> u32 {
        match entry {
            Entry::Defined(f) => {
                let ty = self.func_types[(self.imported_funcs + f) as usize];
                self.classes[ty as usize]
            }
            Entry::Null | Entry::Other => 0,
        }
    }
}

/// The tables that may be static as far as the module's declarations go: defined, not exported,
/// of function references, short enough, with every active segment of the module in bounds.
fn candidates(meta: &ModuleMeta) -> Vec<u32> {
    // `meta.tables` lists imported tables first, with the minimum their import declares (their
    // actual length is at least that).
    let min_of = |table: u32| meta.tables.get(table as usize).map(|t| t.limits.min);
    let segments_fit = meta.elems.iter().all(|seg| match &seg.kind {
        ElemKind::Active { table, offset } => match (constant_offset(offset), min_of(*table)) {
            (Some(start), Some(min)) => start
                .checked_add(seg.items.len() as u64)
                .is_some_and(|end| end <= min),
            _ => false,
        },
        ElemKind::Passive | ElemKind::Declared => true,
    });
    if !segments_fit {
        return Vec::new();
    }
    let exported = |table: u32| {
        meta.exports
            .iter()
            .any(|e| e.kind == ExternKind::Table && e.index == table)
    };
    (meta.imported_tables()..meta.tables.len() as u32)
        .filter(|&table| {
            let ty = &meta.tables[table as usize];
            ty.element.is_func_ref() && ty.limits.min <= MAX_ENTRIES && !exported(table)
        })
        .collect()
}

/// A segment offset known without running anything.
fn constant_offset(offset: &ConstExpr) -> Option<u64> {
    match *offset {
        ConstExpr::I32(v) => Some(u64::from(v as u32)),
        ConstExpr::I64(v) => Some(v as u64),
        _ => None,
    }
}

/// The tables one body writes and calls through; `None` if it does not read.
fn table_use(function: &FunctionInput<'_>) -> Option<TableUse> {
    let mut reader = function.body.get_operators_reader().ok()?;
    let mut uses = TableUse::default();
    while !reader.eof() {
        match reader.read().ok()? {
            Operator::TableSet { table }
            | Operator::TableGrow { table }
            | Operator::TableFill { table }
            | Operator::TableInit { table, .. }
            | Operator::TableCopy {
                dst_table: table, ..
            } => uses.written.push(table),
            Operator::CallIndirect { table_index, .. }
            | Operator::ReturnCallIndirect { table_index, .. } => uses.called.push(table_index),
            _ => {}
        }
    }
    Some(uses)
}

/// The contents of defined table `table` once instantiation has applied its initial value and
/// the active segments (which [`candidates`] found constant and in bounds).
fn entries(meta: &ModuleMeta, table: u32, imported_funcs: u32) -> Vec<Entry> {
    let entry = |value: &ConstExpr| match *value {
        ConstExpr::RefNull => Entry::Null,
        ConstExpr::RefFunc(f) => match f.checked_sub(imported_funcs) {
            Some(defined) => Entry::Defined(defined),
            None => Entry::Other,
        },
        _ => Entry::Other,
    };
    let len = meta.tables[table as usize].limits.min as usize;
    let init = (table - meta.imported_tables()) as usize;
    let mut entries = vec![entry(&meta.table_inits[init]); len];
    for seg in &meta.elems {
        let ElemKind::Active { table: t, offset } = &seg.kind else {
            continue;
        };
        if *t != table {
            continue;
        }
        // Candidates' segments have constant offsets within the table; were one not, its
        // entries would be unknown, read through the table.
        let start = constant_offset(offset).and_then(|s| usize::try_from(s).ok());
        let Some(slots) = start.and_then(|s| entries.get_mut(s..)) else {
            return vec![Entry::Other; len];
        };
        for (slot, item) in slots.iter_mut().zip(&seg.items) {
            *slot = entry(item);
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(wat: &str) -> StaticTables {
        let wasm = wat::parse_str(wat).expect("valid WAT");
        let parsed = crate::module::parse(&wasm).expect("valid module");
        StaticTables::find(&parsed.meta, &parsed.functions)
    }

    /// A module calling through table `$t` (4 entries, `$a` and `$b` at 1 and 2), with `extra`
    /// added to its fields.
    fn module(extra: &str) -> String {
        format!(
            r#"(module
                 (type $v (func))
                 (type $v_again (func))
                 (type $i (func (param i32)))
                 (table $t 4 4 funcref)
                 (table $other 4 funcref)
                 (func $a (type $v))
                 (func $b (type $i))
                 (elem (table $t) (i32.const 1) func $a $b)
                 (func $call (param i32) (call_indirect $t (type $v) (local.get 0)))
                 {extra})"#
        )
    }

    #[test]
    fn a_table_only_segments_write_is_copied() {
        let found = find(&module(""));
        assert_eq!(
            found.tables,
            vec![StaticTable {
                table: 0,
                entries: vec![
                    Entry::Null,
                    Entry::Defined(0),
                    Entry::Defined(1),
                    Entry::Null
                ],
            }]
        );
        let v = found.call(0, 0).expect("static");
        assert_eq!((v.symbol, v.len, v.classes_offset), (0, 4, 32));
        assert!(v.all_known);
        // Equal types share a class; entries have their function's.
        assert_eq!(found.call(0, 1).expect("static").class, v.class);
        let i = found.call(0, 2).expect("static").class;
        assert_ne!(i, v.class);
        assert_eq!(found.class_of(Entry::Defined(0)), v.class);
        assert_eq!(found.class_of(Entry::Defined(1)), i);
        assert_eq!(found.class_of(Entry::Null), 0);
        // The other table is not called through.
        assert_eq!(found.call(1, 0), None);
    }

    #[test]
    fn reading_the_table_or_copying_from_it_keeps_it_static() {
        for extra in [
            "(func (drop (table.get $t (i32.const 0))))",
            "(func (drop (table.size $t)))",
            "(func (table.copy $other $t (i32.const 0) (i32.const 0) (i32.const 1)))",
            "(elem $p func $a) (func (table.init $other $p (i32.const 0) (i32.const 0) (i32.const 1)))",
            "(func (table.set $other (i32.const 0) (ref.null func)))",
            "(elem declare func $a)",
        ] {
            assert_eq!(find(&module(extra)).tables.len(), 1, "{extra}");
        }
    }

    #[test]
    fn a_table_anything_else_may_write_is_not() {
        for extra in [
            r#"(export "t" (table $t))"#,
            "(func (table.set $t (i32.const 0) (ref.null func)))",
            "(func (drop (table.grow $t (ref.null func) (i32.const 0))))",
            "(func (table.fill $t (i32.const 0) (ref.null func) (i32.const 0)))",
            "(func (table.copy $t $other (i32.const 0) (i32.const 0) (i32.const 0)))",
            "(elem $p func $a) (func (table.init $t $p (i32.const 0) (i32.const 0) (i32.const 0)))",
            // A segment that may fail, whatever table it writes.
            "(elem (table $other) (i32.const 3) func $a $a)",
            "(global $at i32 (i32.const 0)) (elem (table $other) (global.get $at) func $a)",
        ] {
            assert_eq!(find(&module(extra)).tables, Vec::new(), "{extra}");
        }
    }

    #[test]
    fn imported_tables_are_not_copied_and_imported_functions_are_other() {
        let wat = r#"(module
          (type $v (func))
          (import "env" "f" (func $f (type $v)))
          (import "env" "g" (global $g funcref))
          (import "env" "t" (table $in 2 funcref))
          (table $t 3 funcref (ref.func $f))
          (func $a (type $v))
          (elem (table $in) (i32.const 1) func $a)
          (elem (table $t) (i32.const 1) funcref (ref.func $a) (global.get $g))
          (func (call_indirect $in (type $v) (i32.const 0)))
          (func (call_indirect $t (type $v) (i32.const 0))))"#;
        let found = find(wat);
        assert_eq!(
            found.tables,
            vec![StaticTable {
                table: 1,
                entries: vec![Entry::Other, Entry::Defined(0), Entry::Other],
            }]
        );
        assert!(!found.call(1, 0).expect("static").all_known);
        assert_eq!(found.call(0, 0), None);
    }

    #[test]
    fn a_long_table_is_read_in_place() {
        let wat = format!(
            "(module (type $v (func)) (table {} funcref) (func (call_indirect (type $v) (i32.const 0))))",
            MAX_ENTRIES + 1
        );
        assert_eq!(find(&wat).tables, Vec::new());
    }

    #[test]
    fn the_object_holds_the_copy_and_the_calls_read_it() {
        use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget};
        let wasm = wat::parse_str(module("")).expect("valid WAT");
        let bytes = crate::compile(&wasm, &crate::Options::default(), &|| {}).expect("compiles");
        let file = object::File::parse(&*bytes).expect("an object");
        let copy = file
            .symbols()
            .find(|s| s.name() == Ok("wasmaot_static_table_0"))
            .expect("the copy's symbol");
        let section = file
            .section_by_index(copy.section_index().expect("defined"))
            .expect("its section");
        let at = (copy.address() - section.address()) as usize;
        let data = &section.data().expect("contents")[at..at + 48];
        let class = |i: usize| u32::from_le_bytes(data[32 + 4 * i..36 + 4 * i].try_into().unwrap());
        assert_eq!(class(0), 0);
        assert_eq!(class(3), 0);
        assert!(class(1) != 0 && class(2) != 0 && class(1) != class(2));
        // Code addresses are relocations of entries 1 and 2.
        let mut relocated: Vec<u64> = section
            .relocations()
            .map(|(offset, _)| offset - copy.address() + section.address())
            .filter(|offset| *offset < 48)
            .collect();
        relocated.sort();
        assert_eq!(relocated, vec![8, 16]);
        let text = file.section_by_name(".text").expect("code");
        assert!(text
            .relocations()
            .any(|(_, r)| r.target() == RelocationTarget::Symbol(copy.index())));
    }
}
