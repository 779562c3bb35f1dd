//! Native debug information: a module built with DWARF (clang `-g`) becomes an executable and a
//! shared object whose line tables and function entries point at the C source, so that `gdb`
//! breaks on a source line and names the functions of a backtrace.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{build_to, fixture, line_of, wasmaot};

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmaot-debuginfo-{}-{test}", std::process::id()));
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
    expect("Breakpoint 1 at ");
    expect(&format!("file ./trap_dwarf.c, line {call_divide}."));
    expect(&format!(
        "Breakpoint 1, average () at ./trap_dwarf.c:{call_divide}"
    ));
    // The backtrace: the function stopped in, then its caller at the line of the call.
    expect(&format!("#0  average () at ./trap_dwarf.c:{call_divide}"));
    let caller = text
        .lines()
        .find(|l| l.starts_with("#1 "))
        .unwrap_or_else(|| panic!("no frame #1 in:\n{text}"));
    assert!(
        caller.ends_with(&format!(" in main () at ./trap_dwarf.c:{call_average}")),
        "{caller}"
    );
    // Continuing reaches the trapping division, which gdb shows at its line.
    expect(&format!("in divide () at ./trap_dwarf.c:{division}"));
}
