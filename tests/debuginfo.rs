//! Native debug information: a module built with DWARF (clang `-g`) becomes an executable and a
//! shared object whose line tables and function entries point at the C source, so that `gdb`
//! breaks on a source line and names the functions of a backtrace.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{build_to, fixture, line_of, wasmaot};

fn scratch(test: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("wasmaot-debuginfo-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn objdump(args: &[&str], file: &Path) -> String {
    let program = std::env::var("OBJDUMP").unwrap_or_else(|_| "objdump".to_string());
    let out = Command::new(&program)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The source lines of `trap_dwarf.c` that a decoded `.debug_line` of `file` maps code to.
fn trap_dwarf_lines(file: &Path) -> Vec<u32> {
    objdump(&["--dwarf=decodedline"], file)
        .lines()
        .filter_map(|row| {
            let mut words = row.split_whitespace();
            (words.next() == Some("trap_dwarf.c"))
                .then(|| words.next()?.parse().ok())
                .flatten()
        })
        .collect()
}

fn debug_section_count(file: &Path) -> usize {
    objdump(&["-h"], file)
        .lines()
        .filter(|l| l.contains(" .debug_"))
        .count()
}

const MARKERS: [&str; 3] = [
    "/* the division */",
    "/* the call to divide */",
    "/* the call to average",
];

#[test]
fn executables_and_shared_objects_carry_the_modules_lines_and_functions() {
    let dir = scratch("lines");
    let exe = dir.join("trap_dwarf");
    build_to(&exe, "trap_dwarf", &[]);
    let so = dir.join("trap_dwarf.so");
    let out = wasmaot()
        .arg("compile")
        .arg(fixture("trap_dwarf.wasm"))
        .arg("-o")
        .arg(&so)
        .output()
        .expect("wasmaot runs");
    assert!(out.status.success(), "{out:?}");
    for file in [&exe, &so] {
        let lines = trap_dwarf_lines(file);
        for marker in MARKERS {
            let line = line_of("trap_dwarf.c", marker);
            assert!(
                lines.contains(&line),
                "{}: no code at line {line} ({marker}) in {lines:?}",
                file.display()
            );
        }
        let info = objdump(&["--dwarf=info"], file);
        for function in ["divide", "average", "main"] {
            assert!(
                info.lines()
                    .any(|l| l.contains("DW_AT_name") && l.ends_with(&format!(": {function}"))),
                "{}: no entry for {function}",
                file.display()
            );
        }
    }
}

#[test]
fn debug_information_is_only_what_the_module_brings_and_strip_removes_it() {
    let dir = scratch("sizes");
    // A module without DWARF at all: no debug sections (the runtime brings none).
    let wat = dir.join("plain.wat");
    std::fs::write(
        &wat,
        r#"(module
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (func (export "_start") (call $exit (i32.const 0))))"#,
    )
    .unwrap();
    let plain = dir.join("plain");
    common::build_module_to(&plain, &wat, &[]);
    assert_eq!(debug_section_count(&plain), 0);
    // With DWARF: the module's lines only, not the runtime's (the Rust standard library's
    // would be hundreds of units).
    let exe = dir.join("dwarf");
    build_to(&exe, "trap_dwarf", &[]);
    assert!(debug_section_count(&exe) >= 3);
    let info = objdump(&["--dwarf=info"], &exe);
    let units = info.matches("DW_TAG_compile_unit").count();
    assert_eq!(units, 1, "{info:.2000}");
    assert!(
        !info.contains("/rustc/"),
        "the runtime's debug information is linked in"
    );
    let stripped = dir.join("stripped");
    build_to(&stripped, "trap_dwarf", &["--strip"]);
    assert_eq!(debug_section_count(&stripped), 0);
}

/// Runs `gdb` in batch mode on `exe` with `commands`; `None` (and why) when it cannot run here.
fn gdb(exe: &Path, commands: &[&str]) -> Result<String, String> {
    if std::env::var("WASMAOT_TEST_RUNNER").is_ok_and(|r| !r.trim().is_empty()) {
        return Err("not run under emulation".to_string());
    }
    let mut command = Command::new("gdb");
    command.args(["-batch", "-nx", "-q"]);
    for c in commands {
        command.arg("-ex").arg(c);
    }
    let out = command
        .arg(exe)
        .current_dir(fixture("."))
        .output()
        .map_err(|e| format!("gdb: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if text.contains("ptrace: Operation not permitted") {
        return Err("gdb may not trace processes here".to_string());
    }
    Ok(text)
}

#[test]
fn gdb_breaks_on_a_source_line_and_names_the_frames() {
    let dir = scratch("gdb");
    let exe = dir.join("trap_dwarf");
    build_to(&exe, "trap_dwarf", &[]);
    let call_divide = line_of("trap_dwarf.c", "/* the call to divide */");
    let call_average = line_of("trap_dwarf.c", "/* the call to average");
    let division = line_of("trap_dwarf.c", "/* the division */");
    let text = match gdb(
        &exe,
        &[
            &format!("break trap_dwarf.c:{call_divide}"),
            "run",
            "bt",
            "continue",
            "bt",
        ],
    ) {
        Ok(text) => text,
        Err(why)
            if why.contains("No such file")
                && std::env::var_os("WASMAOT_REQUIRE_GDB").is_none() =>
        {
            eprintln!("gdb_breaks_on_a_source_line_and_names_the_frames: not run: {why}");
            return;
        }
        Err(why) if why.contains("emulation") || why.contains("trace") => {
            eprintln!("gdb_breaks_on_a_source_line_and_names_the_frames: not run: {why}");
            return;
        }
        Err(why) => panic!("{why}"),
    };
    let expect = |needle: &str| assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    // `average` is inlined into `main`: the line has two places, the copy and the function.
    expect(&format!("trap_dwarf.c:{call_divide}. (2 locations)"));
    expect(&format!(", average () at ./trap_dwarf.c:{call_divide}"));
    // A backtrace lists its frames, inlined ones included, innermost first (a frame in
    // inlined code has no address of its own).
    let frames = |from: usize| -> Vec<String> {
        text.lines()
            .skip(from)
            .filter(|l| l.starts_with('#'))
            .take_while(|l| !l.contains("__main_void"))
            .map(|l| {
                let call = l.split_once(" in ").map_or(&l[4..], |(_, rest)| rest);
                call.trim().to_string()
            })
            .collect()
    };
    let at = |function: &str, line: u32| format!("{function} () at ./trap_dwarf.c:{line}");
    assert_eq!(
        frames(0),
        [at("average", call_divide), at("main", call_average)],
        "{text}"
    );
    // Continuing reaches the trapping division: `divide`, called from the copy of `average`.
    let trap = text
        .lines()
        .position(|l| l.contains("SIGILL"))
        .unwrap_or_else(|| panic!("no trap in:\n{text}"));
    assert_eq!(
        frames(trap),
        [
            at("divide", division),
            at("average", call_divide),
            at("main", call_average)
        ],
        "{text}"
    );
}

/// Runs an LLVM tool (Debian's `llvm-19` and `lld-19`, which `.ci/run` installs) and returns
/// its output; `None` when it is not installed and `WASMAOT_REQUIRE_CROSS` (set by `.ci/run`)
/// does not require it.
fn llvm_tool<S: AsRef<std::ffi::OsStr>>(tool: &str, args: &[S]) -> Option<String> {
    let out = match Command::new(tool).args(args).output() {
        Ok(out) => out,
        Err(e) if std::env::var_os("WASMAOT_REQUIRE_CROSS").is_none() => {
            eprintln!("not run on this machine: {tool}: {e}");
            return None;
        }
        Err(e) => panic!("{tool} runs (.ci/run installs it): {e}"),
    };
    assert!(out.status.success(), "{tool}: {out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The address ranges of the functions of the Mach-O `file`, by name, each up to the next
/// symbol (Mach-O symbols have no size).
fn macho_functions(file: &Path) -> Option<Vec<(String, u64, u64)>> {
    let listing = llvm_tool(
        "llvm-nm-19",
        &["-n".as_ref(), "--defined-only".as_ref(), file.as_os_str()],
    )?;
    let symbols: Vec<(u64, String)> = listing
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let address = u64::from_str_radix(words.next()?, 16).ok()?;
            let kind = words.next()?;
            let name = words.next()?.strip_prefix('_')?;
            kind.eq_ignore_ascii_case("t")
                .then(|| (address, name.to_string()))
        })
        .collect();
    Some(
        symbols
            .windows(2)
            .map(|pair| (pair[0].1.clone(), pair[0].0, pair[1].0))
            .collect(),
    )
}

#[test]
fn apple_objects_carry_dwarf_that_dsymutil_gathers_into_a_dsym() {
    let dir = scratch("macho");
    for (triple, arch) in [
        ("x86_64-apple-darwin", "x86_64"),
        ("aarch64-apple-darwin", "arm64"),
    ] {
        let object = dir.join(format!("{arch}.o"));
        let out = wasmaot()
            .args(["compile", "--emit", "obj", "--target", triple])
            .arg(fixture("trap_dwarf.wasm"))
            .arg("-o")
            .arg(&object)
            .output()
            .expect("wasmaot runs");
        assert!(out.status.success(), "{out:?}");
        let Some(headers) = llvm_tool("llvm-objdump-19", &["-h".as_ref(), object.as_os_str()])
        else {
            return;
        };
        for section in ["__debug_info", "__debug_abbrev", "__debug_line"] {
            assert!(
                headers.contains(section),
                "{triple}: no {section}:\n{headers}"
            );
        }
        // The Apple linker leaves the DWARF in the object and records where each function
        // went; dsymutil follows that record into a .dSYM bundle, which debuggers read.
        let dylib = dir.join(format!("{arch}.dylib"));
        let flags = [
            "-arch",
            arch,
            "-platform_version",
            "macos",
            "11.0",
            "11.0",
            "-dylib",
        ];
        let link: Vec<&std::ffi::OsStr> = flags
            .iter()
            .chain(&["-undefined", "dynamic_lookup", "-o"])
            .map(|a| a.as_ref())
            .chain([dylib.as_os_str(), object.as_os_str()])
            .collect();
        let Some(_) = llvm_tool("ld64.lld-19", &link) else {
            return;
        };
        let dsym = dir.join(format!("{arch}.dSYM"));
        let gather = [dylib.as_os_str(), "-o".as_ref(), dsym.as_os_str()];
        let Some(_) = llvm_tool("dsymutil-19", &gather) else {
            return;
        };
        let dwarf = dsym.join(format!("Contents/Resources/DWARF/{arch}.dylib"));
        let functions = macho_functions(&dylib).expect("llvm-19 is installed");
        for (function, marker) in [
            ("divide", "/* the division */"),
            ("average", "/* the call to divide */"),
            ("main", "/* the call to average"),
        ] {
            let &(_, start, end) = functions
                .iter()
                .find(|(name, ..)| name.split('.').next() == Some(function))
                .unwrap_or_else(|| panic!("{triple}: no {function} in {functions:?}"));
            // Its entry names it, at its address in the library.
            let lookup = format!("--lookup={start:#x}");
            let entry = llvm_tool("llvm-dwarfdump-19", &[lookup.as_ref(), dwarf.as_os_str()])
                .expect("llvm-19 is installed");
            assert!(
                entry.contains(&format!("DW_AT_name\t(\"{function}\")")),
                "{triple}: {function} at {start:#x}:\n{entry}"
            );
            // Its code maps to the marked source line.
            let obj = format!("--obj={}", dwarf.display());
            let args: Vec<String> = std::iter::once(obj)
                .chain((start..end).map(|a| format!("{a:#x}")))
                .collect();
            let lines = llvm_tool("llvm-symbolizer-19", &args).expect("llvm-19 is installed");
            let line = line_of("trap_dwarf.c", marker);
            let wanted = format!("trap_dwarf.c:{line}:");
            assert!(
                lines.lines().any(|l| l.contains(&wanted)),
                "{triple}: no code of {function} at line {line} ({marker}):\n{lines}"
            );
        }
    }
}
