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
//! Sites are sorted by that key and each is stored as its difference from the one before (code
//! offset, wasm offset, line): neighbours in machine code are mostly neighbours in the wasm
//! code and the source, so postcard's variable-length integers keep most fields to one byte.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The sites of one defined function.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuncSites {
    /// Module offset of the function body (the byte after its size): the first site's wasm
    /// offset is relative to it, and frames with no recorded site (a stack overflow in the
    /// prologue) point there.
    pub body_offset: u32,
    /// Sorted by code offset, each relative to the one before.
    pub sites: Vec<CodeSite>,
    /// The source line of each site, in the same order and each relative to the one before,
    /// when the module has line information; empty when it has none.
    pub lines: Vec<LineDelta>,
    /// The sites in code inlined from another function (whose wasm offsets lie in that
    /// function's body), with the call it was inlined at; sorted by site.
    pub inlined: Vec<InlinedSite>,
}

/// A site in inlined code: the call in this function that the code stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlinedSite {
    /// Index of the site in [`FuncSites::sites`].
    pub site: u32,
    /// Module offset of the inlined call.
    pub call_offset: u32,
    /// Its source line (file index and line; line 0 when there is none).
    pub call_file: u32,
    pub call_line: u32,
}

/// One site, relative to the previous one (the first: to the function's start and body).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSite {
    /// Its code offset minus the previous site's (bytes of machine code; sites are sorted).
    pub code_delta: u32,
    /// Its wasm code offset minus the previous site's.
    pub wasm_delta: i32,
}

/// The source line of one site: its file, and its line minus the previous site's (the first:
/// minus 0). A line of 0 means the line program gives none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDelta {
    /// Index in `ModuleMeta::source_files`.
    pub file: u32,
    pub line_delta: i32,
}

/// A line of source code, from the module's DWARF line program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// For code inlined from another function: the call it was inlined at, which is one more
    /// frame (of the function holding the machine code).
    pub inlined_at: Option<CallSite>,
}

/// The call an inlined site stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallSite {
    /// Module offset of the call.
    pub wasm_offset: u32,
    /// Its source line, when the module has line information for it.
    pub line: Option<SourceLine>,
}

/// One site as the compiler gives it: code offset, wasm offset, source line, and for inlined
/// code the call it was inlined at.
pub type NewSite = (u32, u32, Option<SourceLine>, Option<CallSite>);

impl FuncSites {
    /// The table for a function whose body starts at `body_offset`, from its sites as
    /// `(code offset, wasm offset, line)`, in any order (duplicate code offsets keep the first).
    pub fn new(body_offset: u32, mut sites: Vec<NewSite>) -> FuncSites {
        sites.sort_by_key(|s| s.0);
        sites.dedup_by_key(|s| s.0);
        let (mut code, mut wasm) = (0u32, body_offset);
        let encoded = sites
            .iter()
            .map(|s| {
                let site = CodeSite {
                    code_delta: s.0 - code,
                    wasm_delta: s.1.wrapping_sub(wasm) as i32,
                };
                (code, wasm) = (s.0, s.1);
                site
            })
            .collect();
        let mut lines = Vec::new();
        if sites.iter().any(|s| s.2.is_some()) {
            let mut previous = 0u32;
            for s in &sites {
                let line = s.2.unwrap_or(SourceLine { file: 0, line: 0 });
                lines.push(LineDelta {
                    file: line.file,
                    line_delta: line.line.wrapping_sub(previous) as i32,
                });
                previous = line.line;
            }
        }
        let inlined = sites
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let call = s.3?;
                let line = call.line.unwrap_or(SourceLine { file: 0, line: 0 });
                Some(InlinedSite {
                    site: i as u32,
                    call_offset: call.wasm_offset,
                    call_file: line.file,
                    call_line: line.line,
                })
            })
            .collect();
        FuncSites {
            body_offset,
            sites: encoded,
            lines,
            inlined,
        }
    }

    /// The site at `code_offset` (a faulting pc, or a return address minus one), if recorded.
    pub fn find(&self, code_offset: u32) -> Option<SiteInfo> {
        self.iter()
            .take_while(|(code, _)| *code <= code_offset)
            .find(|(code, _)| *code == code_offset)
            .map(|(_, info)| info)
    }

    /// Every site as `(code offset, info)`, in code order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, SiteInfo)> + '_ {
        let (mut code, mut wasm, mut line) = (0u32, self.body_offset, 0u32);
        let mut inlined = self.inlined.iter().peekable();
        self.sites.iter().enumerate().map(move |(i, site)| {
            code = code.wrapping_add(site.code_delta);
            wasm = wasm.wrapping_add(site.wasm_delta as u32);
            let source = self.lines.get(i).and_then(|l| {
                line = line.wrapping_add(l.line_delta as u32);
                (line != 0).then_some(SourceLine { file: l.file, line })
            });
            let inlined_at = inlined.next_if(|s| s.site == i as u32).map(|s| CallSite {
                wasm_offset: s.call_offset,
                line: (s.call_line != 0).then_some(SourceLine {
                    file: s.call_file,
                    line: s.call_line,
                }),
            });
            let info = SiteInfo {
                wasm_offset: wasm,
                line: source,
                inlined_at,
            };
            (code, info)
        })
    }
}

/// Every defined function's [`FuncSites`], each encoded apart. The object carries the bytes
/// under their own symbol (see [`crate::symbols::ModuleDescriptor::code_sites`]) and the
/// metadata the ends ([`crate::ModuleMeta::code_site_ends`]): loading a module neither copies
/// nor decodes them (SQLite's 230 KB of sites took 1.2 ms to decode at every start of a
/// program), and a backtrace decodes the sites of the functions in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodedSites {
    /// The functions' encodings, in function order, one after the other.
    pub bytes: Vec<u8>,
    /// Where each function's encoding ends in `bytes`.
    pub ends: Vec<u32>,
}

impl EncodedSites {
    pub fn new(functions: &[FuncSites]) -> EncodedSites {
        let mut encoded = EncodedSites::default();
        for sites in functions {
            encoded
                .bytes
                .extend(postcard::to_allocvec(sites).expect("in-memory encoding"));
            encoded.ends.push(encoded.bytes.len() as u32);
        }
        encoded
    }

    /// The encoding of function `index`'s sites (counted among defined functions), if the
    /// table has it.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        function_bytes(&self.bytes, &self.ends, index)
    }
}

/// The encoding of function `index`'s sites in `bytes`, an [`EncodedSites::bytes`] whose ends
/// are `ends` (kept apart from the table by a reader that keeps the bytes elsewhere).
pub fn function_bytes<'a>(bytes: &'a [u8], ends: &[u32], index: usize) -> Option<&'a [u8]> {
    let start = match index.checked_sub(1) {
        Some(before) => *ends.get(before)? as usize,
        None => 0,
    };
    bytes.get(start..*ends.get(index)? as usize)
}

impl FuncSites {
    /// The sites `bytes` encode (see [`EncodedSites`]); none if they are not an encoding.
    pub fn decode(bytes: &[u8]) -> FuncSites {
        postcard::from_bytes(bytes).unwrap_or_default()
    }

    /// The body offset `bytes` encode, without decoding the sites (it comes first).
    pub fn decode_body_offset(bytes: &[u8]) -> u32 {
        postcard::take_from_bytes::<u32>(bytes).map_or(0, |(offset, _)| offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_found_by_exact_code_offset() {
        let line = SourceLine { file: 1, line: 12 };
        let call = CallSite {
            wasm_offset: 140,
            line: Some(SourceLine { file: 1, line: 20 }),
        };
        let sites = FuncSites::new(
            100,
            alloc::vec![
                (40, 130, None, None),
                (7, 104, Some(line), None),
                (40, 999, None, None),
                (52, 90, Some(SourceLine { file: 0, line: 3 }), Some(call)),
            ],
        );
        assert_eq!(sites.sites.len(), 3);
        assert_eq!(
            sites.find(7),
            Some(SiteInfo {
                wasm_offset: 104,
                line: Some(line),
                inlined_at: None,
            })
        );
        assert_eq!(
            sites.find(40),
            Some(SiteInfo {
                wasm_offset: 130,
                line: None,
                inlined_at: None,
            })
        );
        assert_eq!(sites.find(8), None);
        assert_eq!(sites.find(41), None);
        assert_eq!(
            sites.find(52),
            Some(SiteInfo {
                wasm_offset: 90,
                line: Some(SourceLine { file: 0, line: 3 }),
                inlined_at: Some(call),
            })
        );
        assert_eq!(
            sites.iter().map(|(code, _)| code).collect::<Vec<_>>(),
            [7, 40, 52]
        );
    }

    #[test]
    fn a_function_without_line_information_stores_no_lines() {
        let sites = FuncSites::new(0, alloc::vec![(3, 5, None, None)]);
        assert!(sites.lines.is_empty());
    }

    #[test]
    fn each_function_s_sites_decode_apart() {
        let functions = [
            FuncSites::new(100, alloc::vec![(4, 120, None, None), (9, 101, None, None)]),
            FuncSites::default(),
            FuncSites::new(70_000, alloc::vec![(300, 70_010, None, None)]),
        ];
        let encoded = EncodedSites::new(&functions);
        for (i, sites) in functions.iter().enumerate() {
            let bytes = encoded.get(i).expect("every function has an encoding");
            assert_eq!(&FuncSites::decode(bytes), sites);
            assert_eq!(FuncSites::decode_body_offset(bytes), sites.body_offset);
        }
        assert_eq!(encoded.get(3), None);
        // Bytes that are no encoding give no sites, not a panic.
        assert_eq!(FuncSites::decode(&[0xff]), FuncSites::default());
    }
}
