//! Where machine code came from, for trap backtraces: for each defined function, the wasm code
//! offset (and, when the module carries DWARF line information, the source line) of every
//! instruction that may trap and of every call. Those are the only places a backtrace frame can
//! stand: the innermost frame at a trapping instruction, every other frame at a call.
//!
//! Writer: the compiler, from Cranelift's source locations (`compiler::compile`) and the module's
//! `.debug_line` (`compiler::debug_lines`); reader: the runtime's code registry, when it builds a
//! trap's backtrace.
//!
//! A site is keyed by one byte of machine code: the first byte of a trapping instruction (the
//! faulting pc) or the last byte of a call instruction (its return address minus one, as a
//! backtrace sees the caller). The two never coincide, since a call is longer than one byte.
//! Sites are sorted by that key and stored as differences, so postcard's variable-length
//! integers keep each to a few bytes.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The sites of one defined function.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuncSites {
    /// Module offset of the function body (the byte after its size): frames with no recorded
    /// site (a stack overflow in the prologue) point there.
    pub body_offset: u32,
    /// Sorted by code offset, each relative to the one before.
    pub sites: Vec<CodeSite>,
    /// The source line of each site, in the same order, when the module has line information;
    /// empty when it has none.
    pub lines: Vec<SourceLine>,
}

/// One site, relative to the previous one (the first relative to the function's start and body).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSite {
    /// Its code offset minus the previous site's (bytes of machine code).
    pub code_delta: u32,
    /// Its wasm code offset minus the function's `body_offset`.
    pub wasm_delta: u32,
}

/// A line of source code, from the module's DWARF line program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLine {
    /// Index in `ModuleMeta::source_files`.
    pub file: u32,
    /// 1-based; 0 when the line program gives none.
    pub line: u32,
}

/// What a site says about one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SiteInfo {
    /// Module offset of the wasm instruction.
    pub wasm_offset: u32,
    /// Its source line, when the module has line information for it.
    pub line: Option<SourceLine>,
}

impl FuncSites {
    /// The table for a function whose body starts at `body_offset`, from its sites as
    /// `(code offset, wasm offset, line)`, in any order (duplicate code offsets keep the first).
    pub fn new(body_offset: u32, mut sites: Vec<(u32, u32, Option<SourceLine>)>) -> FuncSites {
        sites.sort_by_key(|s| s.0);
        sites.dedup_by_key(|s| s.0);
        let mut previous = 0;
        let encoded = sites
            .iter()
            .map(|&(code, wasm, _)| {
                let site = CodeSite {
                    code_delta: code - previous,
                    wasm_delta: wasm.saturating_sub(body_offset),
                };
                previous = code;
                site
            })
            .collect();
        let lines = if sites.iter().any(|s| s.2.is_some()) {
            sites
                .iter()
                .map(|s| s.2.unwrap_or(SourceLine { file: 0, line: 0 }))
                .collect()
        } else {
            Vec::new()
        };
        FuncSites {
            body_offset,
            sites: encoded,
            lines,
        }
    }

    /// The site at `code_offset` (a faulting pc, or a return address minus one), if recorded.
    pub fn find(&self, code_offset: u32) -> Option<SiteInfo> {
        let mut code = 0u32;
        for (i, site) in self.sites.iter().enumerate() {
            code = code.checked_add(site.code_delta)?;
            if code > code_offset {
                return None;
            }
            if code == code_offset {
                let line = self.lines.get(i).copied().filter(|l| l.line != 0);
                return Some(SiteInfo {
                    wasm_offset: self.body_offset.saturating_add(site.wasm_delta),
                    line,
                });
            }
        }
        None
    }

    /// Every site as `(code offset, info)`, in code order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, SiteInfo)> + '_ {
        let mut code = 0u32;
        self.sites.iter().enumerate().map(move |(i, site)| {
            code = code.wrapping_add(site.code_delta);
            let line = self.lines.get(i).copied().filter(|l| l.line != 0);
            let info = SiteInfo {
                wasm_offset: self.body_offset.saturating_add(site.wasm_delta),
                line,
            };
            (code, info)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_found_by_exact_code_offset() {
        let line = SourceLine { file: 1, line: 12 };
        let sites = FuncSites::new(
            100,
            alloc::vec![(40, 130, None), (7, 104, Some(line)), (40, 999, None)],
        );
        assert_eq!(sites.sites.len(), 2);
        assert_eq!(
            sites.find(7),
            Some(SiteInfo {
                wasm_offset: 104,
                line: Some(line)
            })
        );
        assert_eq!(
            sites.find(40),
            Some(SiteInfo {
                wasm_offset: 130,
                line: None
            })
        );
        assert_eq!(sites.find(8), None);
        assert_eq!(sites.find(41), None);
        assert_eq!(
            sites.iter().map(|(code, _)| code).collect::<Vec<_>>(),
            [7, 40]
        );
    }

    #[test]
    fn a_function_without_line_information_stores_no_lines() {
        let sites = FuncSites::new(0, alloc::vec![(3, 5, None)]);
        assert!(sites.lines.is_empty());
    }
}
