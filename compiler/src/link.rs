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

/// The C compiler that links for one target triple.
#[derive(Clone, Debug)]
pub struct Linker {
    program: String,
    triple: String,
}

/// The environment variable naming the C compiler for `triple`, spelled as the `cc` crate
/// reads it: `CC_aarch64_unknown_linux_gnu`.
pub fn linker_variable(triple: &str) -> String {
    format!("CC_{}", triple.replace('-', "_"))
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

impl Linker {
    /// The linker for code that runs on this machine: `$CC_<triple>`, else `$CC`, else `cc`.
    pub fn host() -> Linker {
        let triple = crate::isa::host_triple();
        let program = non_empty_var(&linker_variable(triple))
            .or_else(|| non_empty_var("CC"))
            .unwrap_or_else(|| "cc".to_string());
        Linker {
            program,
            triple: triple.to_string(),
        }
    }

    /// The linker for `triple`: `explicit` (the `--linker` flag), else `$CC_<triple>`, else
    /// for this machine's own triple `$CC` or `cc`, else the GNU cross compiler's usual name
    /// for a Linux target (`aarch64-linux-gnu-gcc`). Another OS's target needs one named.
    pub fn for_target(triple: &str, explicit: Option<&str>) -> Result<Linker, String> {
        if let Some(program) = explicit.filter(|p| !p.is_empty()) {
            return Ok(Linker {
                program: program.to_string(),
                triple: triple.to_string(),
            });
        }
        if triple == crate::isa::host_triple() {
            return Ok(Linker::host());
        }
        let variable = linker_variable(triple);
        if let Some(program) = non_empty_var(&variable) {
            return Ok(Linker {
                program,
                triple: triple.to_string(),
            });
        }
        match triple.split_once("-unknown-linux-") {
            Some((arch, env)) => Ok(Linker {
                program: format!("{arch}-linux-{env}-gcc"),
                triple: triple.to_string(),
            }),
            None => Err(format!(
                "no linker known for {triple} on this machine: pass --linker CC or set {variable}"
            )),
        }
    }

    /// The program run.
    pub fn program(&self) -> &str {
        &self.program
    }

    fn macos(&self) -> bool {
        self.triple.contains("-apple-")
    }

    /// What the Rust standard library in the runtime needs, and dead-code removal, by
    /// platform (GNU ld and lld on Linux, ld64 on macOS).
    fn executable_flags(&self) -> &'static [&'static str] {
        if self.macos() {
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

    fn command(&self) -> Command {
        Command::new(&self.program)
    }

    fn run(&self, command: &mut Command, output: &Path) -> Result<(), String> {
        let found = program_exists(&self.program);
        let result = found.and_then(|()| command.output()).map_err(|e| {
            let hint = if self.triple == crate::isa::host_triple() {
                "install a C compiler, or set CC".to_string()
            } else {
                format!(
                    "install a C compiler for {}, or pass --linker or set {}",
                    self.triple,
                    linker_variable(&self.triple)
                )
            };
            format!("cannot run the linker `{}`: {e} ({hint})", self.program)
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
    pub fn link_shared(&self, object: &[u8], output: &Path) -> Result<(), String> {
        let scratch = Scratch::new()?;
        let obj = scratch.file("module.o", object)?;
        let mut command = self.command();
        command
            .arg("-shared")
            .arg("-o")
            .arg(output)
            .arg(&obj)
            .args(CODE_LIBS);
        self.run(&mut command, output)
    }

    /// Link `object` with the runtime's static library `runtime` (the bytes of
    /// `libwasmaot_runtime_exe.a` for this linker's target) and the C source `extra_c` into the
    /// executable `output`.
    pub fn link_executable(
        &self,
        object: &[u8],
        runtime: &[u8],
        extra_c: &str,
        output: &Path,
        options: ExeOptions,
    ) -> Result<(), String> {
        check_exe_options(&self.triple, options)?;
        let scratch = Scratch::new()?;
        let obj = scratch.file("module.o", object)?;
        let lib = scratch.file("libwasmaot_runtime.a", runtime)?;
        let source = scratch.file("config.c", extra_c.as_bytes())?;
        let mut command = self.command();
        if options.static_link {
            // Position-independent still, so that the loader places it at a random address.
            command.arg("-static-pie");
        }
        command
            .arg("-o")
            .arg(output)
            .arg(&obj)
            .arg(&source)
            .arg(&lib)
            .args(self.executable_flags())
            .args(match (options.strip, options.keep_debug, self.macos()) {
                (true, _, _) => Some("-s"),
                (false, true, _) => None,
                (false, false, true) => Some("-Wl,-S"),
                (false, false, false) => Some("-Wl,--strip-debug"),
            });
        self.run(&mut command, output)
    }
}

/// How an executable is linked.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExeOptions {
    /// Remove the symbol table too. Without it the symbol table stays: wasm functions are
    /// named in it, for debuggers and profilers.
    pub strip: bool,
    /// Keep debug information: the module's, and then the runtime's too (a linker cannot drop
    /// one object's alone). Without it all of it is dropped.
    pub keep_debug: bool,
    /// Link the C library statically: the executable then needs nothing installed, and runs
    /// on any Linux kernel of its architecture.
    pub static_link: bool,
}

/// Whether executables for `triple` can be linked as `options` asks.
pub fn check_exe_options(triple: &str, options: ExeOptions) -> Result<(), String> {
    if options.static_link && triple.contains("-apple-") {
        return Err(format!(
            "--static is not available for {triple} (macOS has no static C library)"
        ));
    }
    Ok(())
}

/// Whether `program` names an executable file, directly or through `PATH` (checked before
/// running it, so that a missing linker is reported as such on every platform).
fn program_exists(program: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |path: &Path| {
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let found = if program.contains('/') {
        executable(Path::new(program))
    } else {
        std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path).any(|dir| executable(&dir.join(program)))
        })
    };
    match found {
        true => Ok(()),
        false => Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "not found",
        )),
    }
}

/// Libraries compiled code may call: the C library's float rounding and `fma` (code for CPUs
/// without SSE4.1 or FMA calls them).
const CODE_LIBS: &[&str] = &["-lm"];

/// Link `object` into the shared object `output` for this machine ([`Linker::host`]).
pub fn link_shared(object: &[u8], output: &Path) -> Result<(), String> {
    Linker::host().link_shared(object, output)
}
