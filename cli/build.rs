//! Builds the runtime's static library (the `wasmaot-runtime-exe` crate) and hands it to the
//! CLI, which embeds it: an installed `wasmaot` carries everything it links with.
//!
//! The library is built for the target the CLI is built for, and also for every other target
//! `wasmaot build --target` supports whose Rust standard library is installed
//! (`rustup target add`) and whose C compiler the runtime's one C file can be compiled with
//! (`aarch64-linux-gnu-gcc`, or `$CC_<triple>`). A target that fails to build is left out with
//! a warning; `wasmaot` then says so when asked to build for it.

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The targets an executable may be built for, as in the compiler's `SUPPORTED_TARGETS`.
const TARGETS: &[&str] = &[
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
];

/// The cargo profile the library is built with (the workspace's `Cargo.toml`: small code,
/// panics abort).
const PROFILE: &str = "exe-runtime";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("cli/ sits in the workspace")
        .to_path_buf();
    for dir in ["abi", "runtime-lib", "wasi", "runtime-exe", "compiler"] {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    // The lock file pins the runtime's dependencies; the manifest holds its profile.
    for file in ["Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", workspace.join(file).display());
    }
    println!("cargo:rerun-if-env-changed=WASMAOT_CROSS_RUNTIMES");
    let own = env::var("TARGET").expect("set by cargo");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    let target_dir = out_dir.join("runtime-target");

    let own_lib = build_runtime(&workspace, &target_dir, &own)
        .unwrap_or_else(|e| panic!("building the runtime library for {own} failed: {e}"));
    let own_lib = without_debug_info(&own_lib, &out_dir, &own);
    let mut libraries = vec![(own.clone(), own_lib.clone())];
    for &triple in TARGETS.iter().filter(|&&t| t != own) {
        if !cross_wanted(triple) {
            continue;
        }
        match build_runtime(&workspace, &target_dir, triple) {
            Ok(lib) => {
                let lib = without_debug_info(&lib, &out_dir, triple);
                libraries.push((triple.to_string(), lib));
            }
            Err(e) => println!("cargo:warning=no runtime library for {triple}: {e}"),
        }
    }

    let mut table =
        String::from("/// Runtime static libraries carried by this binary, by target triple.\n");
    table.push_str("pub static EMBEDDED: &[(&str, &[u8])] = &[\n");
    for (triple, lib) in &libraries {
        let _ = writeln!(
            table,
            "    ({triple:?}, include_bytes!({:?})),",
            lib.display()
        );
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("runtimes.rs"), table).expect("writing runtimes.rs");

    // Identifies the runtime for `wasmaot run`'s cache: a rebuilt runtime invalidates it.
    let bytes = std::fs::read(&own_lib).expect("reading the runtime library");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    println!("cargo:rustc-env=WASMAOT_RUNTIME_HASH={hash:016x}");

    // Identifies the compiler the same way, by its sources and the locked dependency versions
    // (Cranelift's among them): a changed compiler makes different code from the same module.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut inputs = Vec::new();
    files_under(&workspace.join("compiler"), &mut inputs);
    inputs.sort();
    inputs.push(workspace.join("Cargo.lock"));
    for path in inputs {
        let name = path.strip_prefix(&workspace).unwrap_or(&path);
        let bytes = std::fs::read(&path).expect("reading a compiler source");
        for b in name.to_string_lossy().bytes().chain([0]).chain(bytes) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=WASMAOT_COMPILER_HASH={hash:016x}");
}

/// Every file under `dir` but build output, into `out`.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if entry.file_name() != "target" {
                files_under(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// A copy of the library `lib` for `triple` without debug information (the Rust standard
/// library's, which LTO keeps): executables of modules with DWARF keep theirs, and a linker
/// cannot drop one input's alone. On ELF targets its unwind tables go too (a sixth of an
/// executable): nothing unwinds through the runtime's frames (panics abort, traps `longjmp`),
/// so they would serve only a debugger walking past the wasm frames into the runtime's. Stripped with that target's `objcopy`
/// (`aarch64-linux-gnu-objcopy`), else `llvm-objcopy`, else the build machine's `objcopy` for
/// its own target; without any the library keeps it, with a warning.
fn without_debug_info(lib: &Path, out_dir: &Path, triple: &str) -> PathBuf {
    let dir = out_dir.join("runtimes").join(triple);
    let copy = dir.join("libwasmaot_runtime_exe.a");
    std::fs::create_dir_all(&dir).expect("creating the runtime directory");
    // A GNU objcopy built for another architecture copies members it cannot read unchanged
    // and still succeeds: the target's own comes first, the build machine's only for its own.
    let arch = triple.split('-').next().unwrap_or(triple);
    let mut tools = vec![
        format!("{arch}-linux-gnu-objcopy"),
        "llvm-objcopy".to_string(),
    ];
    if env::var("HOST").is_ok_and(|host| host == triple) {
        tools.push("objcopy".to_string());
    }
    for tool in &tools {
        let stripped = Command::new(tool)
            .arg("--strip-debug")
            .args(match triple.contains("-apple-") {
                true => &[][..],
                false => &[
                    "--remove-section=.eh_frame",
                    "--remove-section=.rela.eh_frame",
                ],
            })
            .arg(lib)
            .arg(&copy)
            .output()
            .is_ok_and(|out| out.status.success());
        if stripped {
            return copy;
        }
    }
    println!(
        "cargo:warning=the runtime library for {triple} keeps its debug information (no objcopy \
         for it: tried {})",
        tools.join(", ")
    );
    lib.to_path_buf()
}

/// Whether to try building the runtime for the other target `triple`: `WASMAOT_CROSS_RUNTIMES`
/// lists triples (comma-separated; `none` for no cross runtimes), and by default every target
/// whose standard library is installed is tried.
fn cross_wanted(triple: &str) -> bool {
    if let Ok(list) = env::var("WASMAOT_CROSS_RUNTIMES") {
        return list.split(',').any(|t| t.trim() == triple);
    }
    std_installed(triple)
}

fn std_installed(triple: &str) -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let Ok(out) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
        return false;
    };
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let lib = Path::new(&sysroot)
        .join("lib/rustlib")
        .join(triple)
        .join("lib");
    std::fs::read_dir(lib).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
    })
}

/// Build `libwasmaot_runtime_exe.a` for `triple` in `target_dir`; its path.
fn build_runtime(workspace: &Path, target_dir: &Path, triple: &str) -> Result<PathBuf, String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args([
            "build",
            "--profile",
            PROFILE,
            "--quiet",
            "-p",
            "wasmaot-runtime-exe",
            // Without the standard library (see the crate's `std` feature).
            "--no-default-features",
        ])
        .args(["--target", triple, "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .output()
        .map_err(|e| format!("running cargo: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr
            .lines()
            .find(|l| l.contains("error"))
            .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
            .unwrap_or("cargo failed");
        return Err(first.trim().to_string());
    }
    Ok(target_dir
        .join(triple)
        .join(PROFILE)
        .join("libwasmaot_runtime_exe.a"))
}
