//! Objects for the Apple targets, which cannot run here, checked by their structure: read back
//! with `object` (sections, symbols, relocations, `__eh_frame` with one FDE per function), and
//! linked by LLVM's Mach-O linker (`ld64.lld-19`, installed by `.ci/run`, which also sets
//! `WASMAOT_REQUIRE_CROSS` so that its absence fails the test) into a dynamic library whose
//! unwind tables cover every wasm function.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use gimli::{BaseAddresses, CieOrFde, EhFrame, LittleEndian, UnwindSection};
use object::{Object, ObjectSection, ObjectSymbol, RelocationTarget, SymbolKind};
use wasmaot_compiler::{Options, TargetCpu};

const WAT: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.lt_u
    if (result i32)
      local.get 0
    else
      local.get 0
      i32.const 1
      i32.sub
      call $fib
      local.get 0
      i32.const 2
      i32.sub
      call $fib
      i32.add
    end)
  (func $divide (export "divide") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.div_s)
  (func (export "load") (param i32) (result i64)
    local.get 0
    i64.load)
  (memory 1))"#;

/// Wasm functions defined by `WAT`, by the symbol the object names them with.
const FUNCTIONS: [&str; 3] = ["fib.wasm0", "divide.wasm1", "wasm_function.wasm2"];

/// (triple, architecture, `-arch` for the linker)
const TARGETS: [(&str, object::Architecture, &str); 2] = [
    (
        "x86_64-apple-darwin",
        object::Architecture::X86_64,
        "x86_64",
    ),
    (
        "aarch64-apple-darwin",
        object::Architecture::Aarch64,
        "arm64",
    ),
];

fn compile_for(triple: &str) -> Vec<u8> {
    let wasm = wat::parse_str(WAT).expect("valid WAT");
    let options = Options {
        target: triple.to_string(),
        target_cpu: TargetCpu::Baseline,
        ..Options::default()
    };
    wasmaot_compiler::compile(&wasm, &options, &|| {}).expect("compiles")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-macho-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// Function symbols by name (the leading underscore of Mach-O names removed) and address.
fn functions(file: &object::File<'_>) -> BTreeMap<String, u64> {
    file.symbols()
        .filter(|s| s.kind() == SymbolKind::Text)
        .filter_map(|s| {
            let name = s.name().ok()?.strip_prefix('_')?.to_string();
            Some((name, s.address()))
        })
        .collect()
}

/// The address ranges the FDEs of the `__eh_frame` section of `file` cover.
fn fde_ranges(file: &object::File<'_>) -> Vec<(u64, u64)> {
    let section = file.section_by_name("__eh_frame").expect("__eh_frame");
    let data = section.data().expect("section data");
    let eh_frame = EhFrame::new(data, LittleEndian);
    let bases = BaseAddresses::default().set_eh_frame(section.address());
    let mut entries = eh_frame.entries(&bases);
    let mut ranges = Vec::new();
    while let Some(entry) = entries.next().expect("well-formed __eh_frame") {
        if let CieOrFde::Fde(partial) = entry {
            let fde = partial
                .parse(|s, b, o| s.cie_from_offset(b, o))
                .expect("FDE with its CIE");
            ranges.push((fde.initial_address(), fde.initial_address() + fde.len()));
        }
    }
    ranges
}

#[test]
fn apple_objects_have_the_sections_symbols_and_relocations_the_linker_expects() {
    for (triple, arch, _) in TARGETS {
        let bytes = compile_for(triple);
        let file = object::File::parse(&*bytes).expect("a Mach-O object");
        assert_eq!(file.format(), object::BinaryFormat::MachO, "{triple}");
        assert_eq!(file.architecture(), arch, "{triple}");
        for (segment, name) in [("__TEXT", "__text"), ("__TEXT", "__eh_frame")] {
            let section = file.section_by_name(name);
            let section = section.unwrap_or_else(|| panic!("{triple}: no {name}"));
            assert_eq!(section.segment_name().ok().flatten(), Some(segment));
        }
        // Every wasm function has a local symbol; the module descriptor is exported.
        let functions = functions(&file);
        for name in FUNCTIONS {
            assert!(
                functions.contains_key(name),
                "{triple}: {name} in {functions:?}"
            );
        }
        let descriptor = file
            .symbols()
            .find(|s| s.name() == Ok("_wasmaot_module"))
            .unwrap_or_else(|| panic!("{triple}: no _wasmaot_module"));
        assert!(
            descriptor.is_global() && descriptor.is_definition(),
            "{triple}"
        );
        // Every FDE's start is relocated against a function symbol (the linker moves code).
        let eh_frame = file.section_by_name("__eh_frame").expect("__eh_frame");
        let targets: Vec<String> = eh_frame
            .relocations()
            .filter_map(|(_, r)| match r.target() {
                RelocationTarget::Symbol(index) => {
                    let symbol = file.symbol_by_index(index).ok()?;
                    (symbol.kind() == SymbolKind::Text).then(|| symbol.name().ok())?
                }
                _ => None,
            })
            .map(|name| name.trim_start_matches('_').to_string())
            .collect();
        for name in FUNCTIONS {
            assert!(
                targets.iter().any(|t| t == name),
                "{triple}: FDE for {name}: {targets:?}"
            );
        }
    }
}

fn linker() -> &'static str {
    "ld64.lld-19"
}

fn link_dylib(object: &Path, arch: &str, output: &Path) {
    let out = Command::new(linker())
        .args(["-arch", arch, "-platform_version", "macos", "11.0", "11.0"])
        .args(["-dylib", "-undefined", "dynamic_lookup", "-o"])
        .arg(output)
        .arg(object)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{} runs (Debian's lld-19; .ci/run installs it): {e}",
                linker()
            )
        });
    assert!(
        out.status.success(),
        "{arch}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn apple_objects_link_into_a_library_whose_unwind_tables_cover_every_function() {
    let available = Command::new(linker()).arg("--version").output().is_ok();
    if !available && std::env::var_os("WASMAOT_REQUIRE_CROSS").is_none() {
        // `.ci/run` installs the linker and sets WASMAOT_REQUIRE_CROSS, making this a failure.
        eprintln!("not run on this machine: {} is not installed", linker());
        return;
    }
    for (triple, _, arch) in TARGETS {
        let object = scratch(&format!("{arch}.o"));
        std::fs::write(&object, compile_for(triple)).expect("object written");
        let dylib = scratch(&format!("{arch}.dylib"));
        link_dylib(&object, arch, &dylib);
        let bytes = std::fs::read(&dylib).expect("library written");
        let file = object::File::parse(&*bytes).expect("a Mach-O library");
        assert!(
            file.section_by_name("__unwind_info").is_some(),
            "{triple}: no __unwind_info"
        );
        let ranges = fde_ranges(&file);
        let functions = functions(&file);
        for name in FUNCTIONS {
            let address = functions[name];
            assert!(
                ranges
                    .iter()
                    .any(|&(start, end)| start == address && end > start),
                "{triple}: {name} at {address:#x} not covered by {ranges:x?}"
            );
        }
    }
}
