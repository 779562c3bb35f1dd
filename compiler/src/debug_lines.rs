//! Source lines from a module's DWARF (`.debug_line` and the sections it refers to), read at
//! compile time so the runtime needs no DWARF reader: each backtrace site gets its file and
//! line in the metadata (`wasmaot_abi::code_sites`).
//!
//! In wasm DWARF an address is a byte offset into the code section's contents, so a module
//! offset maps to `offset - code section start`. Line programs of functions the linker dropped
//! carry a tombstone address (0xffffffff, past the code section) and are skipped. Custom
//! sections may be malformed without making the module invalid: a line program gimli cannot
//! read is ignored, and the module simply gets fewer lines.

use std::collections::HashMap;

use gimli::{EndianSlice, LittleEndian};
use wasmaot_abi::code_sites::SourceLine;

type Reader<'a> = EndianSlice<'a, LittleEndian>;

/// The DWARF sections of a module and where its code section starts.
#[derive(Default)]
pub struct DebugSections<'a> {
    /// Module offset of the code section's contents.
    pub code_start: u64,
    /// Length of the code section's contents.
    pub code_len: u64,
    /// Custom sections named `.debug_*`, by name.
    pub sections: Vec<(&'a str, &'a [u8])>,
}

/// One row of a line program, flattened: from `address` on, code is at `line`; an `end` row
/// closes its sequence (no line until the next row).
#[derive(Clone, Copy)]
struct Row {
    address: u64,
    end: bool,
    line: SourceLine,
}

/// Every line-program row of a module, sorted by address, and the files they name.
#[derive(Default)]
pub struct LineTable {
    rows: Vec<Row>,
    /// Paths, indexed by `SourceLine::file`.
    pub files: Vec<String>,
    /// The compilation directory of the unit that first named each file (empty when it has
    /// none): a relative path in `files` is relative to it.
    pub dirs: Vec<String>,
    /// The source language of the first unit (`DW_AT_language`).
    pub language: Option<gimli::DwLang>,
}

impl LineTable {
    /// The rows of every line program in `debug`; empty without `.debug_line`.
    pub fn read(debug: &DebugSections<'_>) -> LineTable {
        let mut table = LineTable::default();
        if debug
            .sections
            .iter()
            .all(|(name, _)| *name != ".debug_line")
        {
            return table;
        }
        let section = |id: gimli::SectionId| -> Result<Reader<'_>, gimli::Error> {
            let bytes = debug
                .sections
                .iter()
                .find(|(name, _)| *name == id.name())
                .map_or(&[][..], |(_, bytes)| *bytes);
            Ok(EndianSlice::new(bytes, LittleEndian))
        };
        let Ok(dwarf) = gimli::Dwarf::load(section) else {
            return table;
        };
        let mut paths = HashMap::new();
        let mut units = dwarf.units();
        while let Ok(Some(header)) = units.next() {
            let Ok(unit) = dwarf.unit(header) else {
                continue;
            };
            // An unreadable program keeps the rows read before the error.
            let _ = table.add_unit(&dwarf, &unit, debug.code_len, &mut paths);
        }
        // End rows first at an address where another sequence begins.
        table.rows.sort_by_key(|r| (r.address, !r.end));
        table
    }

    /// Whether any line program covers code.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The line of the instruction at module offset `wasm_offset`, if a line program covers it.
    pub fn line_at(&self, debug: &DebugSections<'_>, wasm_offset: u32) -> Option<SourceLine> {
        let address = u64::from(wasm_offset).checked_sub(debug.code_start)?;
        let at = self.rows.partition_point(|r| r.address <= address);
        let row = self.rows.get(at.checked_sub(1)?)?;
        (!row.end && row.line.line != 0).then_some(row.line)
    }

    fn add_unit(
        &mut self,
        dwarf: &gimli::Dwarf<Reader<'_>>,
        unit: &gimli::Unit<Reader<'_>>,
        code_len: u64,
        paths: &mut HashMap<String, u32>,
    ) -> gimli::Result<()> {
        let Some(program) = unit.line_program.clone() else {
            return Ok(());
        };
        if self.language.is_none() {
            let mut entries = unit.entries();
            if let Some(gimli::AttributeValue::Language(language)) = entries
                .next_dfs()?
                .and_then(|root| root.attr_value(gimli::DW_AT_language))
            {
                self.language = Some(language);
            }
        }
        let comp_dir = unit
            .comp_dir
            .map(|dir| dir.to_string_lossy().into_owned())
            .unwrap_or_default();
        // File indices of this unit's program, resolved to indices of `files` once each.
        let mut unit_files: HashMap<u64, u32> = HashMap::new();
        let mut rows = program.rows();
        let mut sequence = Vec::new();
        while let Some((header, row)) = rows.next_row()? {
            if row.end_sequence() {
                // A dropped function's sequence starts at the tombstone, past the code.
                if sequence.first().is_some_and(|r: &Row| r.address < code_len) {
                    self.rows.append(&mut sequence);
                    self.rows.push(Row {
                        address: row.address(),
                        end: true,
                        line: SourceLine { file: 0, line: 0 },
                    });
                }
                sequence.clear();
                continue;
            }
            let index = row.file_index();
            let file = match unit_files.get(&index) {
                Some(file) => *file,
                None => {
                    // A file the header does not name: its rows have no line.
                    let file = match file_path(dwarf, unit, header, index) {
                        Some(path) => {
                            let next = self.files.len() as u32;
                            let file = *paths.entry(path.clone()).or_insert(next);
                            if file == next {
                                self.files.push(path);
                                self.dirs.push(comp_dir.clone());
                            }
                            file
                        }
                        None => u32::MAX,
                    };
                    unit_files.insert(index, file);
                    file
                }
            };
            let line = match row.line() {
                Some(line) if file != u32::MAX => line.get().min(u64::from(u32::MAX)) as u32,
                _ => 0,
            };
            sequence.push(Row {
                address: row.address(),
                end: false,
                line: SourceLine { file, line },
            });
        }
        Ok(())
    }
}

/// The path of file `index` of a line program: its name, under its directory unless that is
/// the compilation directory (so a program's own sources print as given to the compiler).
fn file_path(
    dwarf: &gimli::Dwarf<Reader<'_>>,
    unit: &gimli::Unit<Reader<'_>>,
    header: &gimli::LineProgramHeader<Reader<'_>>,
    index: u64,
) -> Option<String> {
    let file = header.file(index)?;
    let text = |attr| {
        dwarf
            .attr_string(unit, attr)
            .ok()
            .map(|s| s.to_string_lossy().into_owned())
    };
    let name = text(file.path_name()).filter(|name| !name.is_empty())?;
    if name.starts_with('/') || file.directory_index() == 0 {
        return Some(name);
    }
    match file.directory(header).and_then(text) {
        Some(dir) if !dir.is_empty() => Some(format!("{}/{name}", dir.trim_end_matches('/'))),
        _ => Some(name),
    }
}
