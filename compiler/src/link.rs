//! Linking objects with the system C compiler (`cc`, or `$CC`): a shared object for the
//! embedding API, or an executable with the runtime's static library. The one place linker
//! command lines are written; the CLI, the tests, the spec runner and the benchmarks call it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty directory in the system's temporary directory.
    pub fn new() -> Result<Scratch, String> {
        let base = std::env::temp_dir();
        for attempt in 0..100u32 {
            let dir = base.join(format!("wasmaot-link-{}-{attempt}", std::process::id()));
            if std::fs::create_dir(&dir).is_ok() {
                return Ok(Scratch(dir));
            }
        }
        Err(format!(
            "cannot create a scratch directory in {}",
            base.display()
        ))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Write `bytes` to the file `name` in the directory.
    fn file(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The C compiler used as the linker.
pub fn linker() -> String {
    std::env::var("CC")
        .ok()
        .filter(|cc| !cc.is_empty())
        .unwrap_or_else(|| "cc".to_string())
}

/// Libraries compiled code may call: the C library's float rounding and `fma` (code for CPUs
/// without SSE4.1 or FMA calls them).
const CODE_LIBS: &[&str] = &["-lm"];

/// What the Rust standard library in the runtime needs, and dead-code removal, by platform
/// (GNU ld and lld on Linux, ld64 on macOS).
fn executable_flags() -> &'static [&'static str] {
    if cfg!(target_os = "macos") {
        &["-Wl,-dead_strip", "-lpthread", "-lm"]
    } else {
        &[
            "-Wl,--as-needed",
            "-static-libgcc",
            "-lpthread",
            "-ldl",
            "-lm",
            "-Wl,--gc-sections",
        ]
    }
}

fn run(command: &mut Command, output: &Path) -> Result<(), String> {
    let result = command.output().map_err(|e| {
        format!(
            "cannot run the linker `{}`: {e} (install a C compiler, or set CC)",
            linker()
        )
    })?;
    if !result.status.success() {
        let stderr = String::from_utf8_lossy(&result.stderr);
        let first = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(format!("{}: linking failed: {first}", output.display()));
    }
    Ok(())
}

/// Link `object` (the compiler's output) into the shared object `output`.
pub fn link_shared(object: &[u8], output: &Path) -> Result<(), String> {
    let scratch = Scratch::new()?;
    let obj = scratch.file("module.o", object)?;
    let mut command = Command::new(linker());
    command
        .arg("-shared")
        .arg("-o")
        .arg(output)
        .arg(&obj)
        .args(CODE_LIBS);
    run(&mut command, output)
}

/// Link `object` with the runtime's static library `runtime` (the bytes of
/// `libwasmaot_runtime_exe.a`) and the C source `extra_c` into the executable `output`. The
/// symbol table stays (wasm functions are named in it, for debuggers and profilers) unless
/// `strip`; debug information of the runtime is always dropped.
pub fn link_executable(
    object: &[u8],
    runtime: &[u8],
    extra_c: &str,
    output: &Path,
    strip: bool,
) -> Result<(), String> {
    let scratch = Scratch::new()?;
    let obj = scratch.file("module.o", object)?;
    let lib = scratch.file("libwasmaot_runtime.a", runtime)?;
    let source = scratch.file("config.c", extra_c.as_bytes())?;
    let mut command = Command::new(linker());
    command
        .arg("-o")
        .arg(output)
        .arg(&obj)
        .arg(&source)
        .arg(&lib)
        .args(executable_flags())
        .arg(match (strip, cfg!(target_os = "macos")) {
            (true, _) => "-s",
            (false, true) => "-Wl,-S",
            (false, false) => "-Wl,--strip-debug",
        });
    run(&mut command, output)
}
