//! Which engines run: the built-in ones, `NAME=COMMAND` processes, and the runtime CLIs found
//! on PATH when none is named.

use std::path::{Path, PathBuf};

/// How an engine runs a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineKind {
    /// Compile, link a shared object, load it and run it through the embedding API.
    Wasmaot,
    /// `wasmaot build` once, then the executable as a process.
    WasmaotExe,
    /// The wasmi interpreter, in process.
    Wasmi,
    /// A command line, split into words; `{wasm}`, `{name}`, `{dir}` are replaced per module.
    Command(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Engine {
    pub name: String,
    pub kind: EngineKind,
}

/// Runtime CLIs looked for on PATH, with how each runs a WASI command in the module's directory.
const KNOWN_RUNTIMES: &[(&str, &str)] = &[
    ("wasmtime", "wasmtime run --dir . {wasm}"),
    ("wasmer", "wasmer run --dir . {wasm} --"),
    ("wasm3", "wasm3 {wasm}"),
    ("iwasm", "iwasm --dir=. {wasm}"),
    ("wasmedge", "wasmedge --dir .:. {wasm}"),
];

fn builtin(name: &str) -> Option<Engine> {
    let kind = match name {
        "wasmaot" => EngineKind::Wasmaot,
        "wasmaot-exe" => EngineKind::WasmaotExe,
        "wasmi" => EngineKind::Wasmi,
        _ => return None,
    };
    Some(Engine {
        name: name.to_string(),
        kind,
    })
}

/// Parse the `--engine` flags, or, without any, the defaults; `node_runner` is the script that
/// runs a WASI module under Node.js. Returns the engines and a line saying what was found.
pub fn resolve(flags: &[String], node_runner: &Path) -> Result<(Vec<Engine>, String), String> {
    if flags.is_empty() {
        return Ok(defaults(node_runner));
    }
    let mut engines: Vec<Engine> = Vec::new();
    for flag in flags {
        let engine = parse(flag, node_runner)?;
        if engines.iter().any(|e| e.name == engine.name) {
            return Err(format!(
                "--engine {flag}: engine `{}` given twice",
                engine.name
            ));
        }
        engines.push(engine);
    }
    Ok((engines, String::new()))
}

/// One `--engine` value: a built-in name, a known runtime's name, or NAME=COMMAND.
pub fn parse(flag: &str, node_runner: &Path) -> Result<Engine, String> {
    let Some((name, command)) = flag.split_once('=') else {
        return builtin(flag)
            .or_else(|| known_runtime(flag, node_runner))
            .ok_or_else(|| {
                format!("--engine {flag}: not a built-in engine (wasmaot, wasmaot-exe, wasmi) or known runtime (wasmtime, wasmer, wasm3, iwasm, wasmedge, node); use NAME=COMMAND")
            });
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || "-_.+".contains(c);
    if name.is_empty() || !name.chars().all(valid) {
        return Err(format!(
            "--engine {flag}: the name must be letters, digits, `-`, `_`, `.` or `+`"
        ));
    }
    if builtin(name).is_some() || known_runtime(name, node_runner).is_some() {
        return Err(format!(
            "--engine {flag}: `{name}` is a built-in engine's name"
        ));
    }
    let words = split_words(command).map_err(|e| format!("--engine {flag}: {e}"))?;
    if words.is_empty() {
        return Err(format!("--engine {flag}: empty command"));
    }
    Ok(Engine {
        name: name.to_string(),
        kind: EngineKind::Command(words),
    })
}

/// Split a command line on whitespace, honouring single and double quotes and backslashes.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') | (None, '\\') => match chars.next() {
                Some(next) => word.push(next),
                None => return Err("command ends with a backslash".into()),
            },
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
        if quote.is_some() || !word.is_empty() {
            in_word = true;
        }
    }
    if quote.is_some() {
        return Err("unterminated quote in the command".into());
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// A known runtime CLI by name, with the command line that runs a WASI command under it.
fn known_runtime(name: &str, node_runner: &Path) -> Option<Engine> {
    let words = if name == "node" {
        ["node", "--no-warnings"]
            .iter()
            .map(|w| w.to_string())
            .chain([node_runner.display().to_string(), "{wasm}".to_string()])
            .collect()
    } else {
        let (_, command) = KNOWN_RUNTIMES.iter().find(|(n, _)| *n == name)?;
        command.split_whitespace().map(String::from).collect()
    };
    Some(Engine {
        name: name.to_string(),
        kind: EngineKind::Command(words),
    })
}

/// The built-in engines plus every known runtime on PATH.
fn defaults(node_runner: &Path) -> (Vec<Engine>, String) {
    let mut engines: Vec<Engine> = ["wasmaot", "wasmaot-exe", "wasmi"]
        .iter()
        .filter_map(|n| builtin(n))
        .collect();
    let mut found = Vec::new();
    let names = KNOWN_RUNTIMES.iter().map(|(n, _)| *n).chain(["node"]);
    for name in names {
        if let (Some(path), Some(engine)) = (find_on_path(name), known_runtime(name, node_runner)) {
            found.push(format!("{name} ({})", path.display()));
            engines.push(engine);
        }
    }
    let note = if found.is_empty() {
        "runtimes found on PATH: none (looked for wasmtime, wasmer, wasm3, iwasm, wasmedge, node)"
            .to_string()
    } else {
        format!("runtimes found on PATH: {}", found.join(", "))
    };
    (engines, note)
}

/// The executable `program` names: itself if it contains a `/`, else the first match on PATH.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return is_executable(&path).then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The Node.js script that runs a WASI command (`node runner.mjs MODULE ARGS`), its directory
/// preopened as `.`.
pub const NODE_RUNNER: &str = r#"import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
const [path, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [path, ...args], env: {}, preopens: { '.': '.' }, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(path));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_builtins_and_commands() {
        let runner = Path::new("/tmp/runner.mjs");
        assert_eq!(parse("wasmi", runner).unwrap().kind, EngineKind::Wasmi);
        let e = parse("wasmtime", runner).unwrap();
        let words = ["wasmtime", "run", "--dir", ".", "{wasm}"];
        assert_eq!(
            e.kind,
            EngineKind::Command(words.map(String::from).to_vec())
        );
        let e = parse("wt=wasmtime run --dir . '{wasm}' \"a b\"", runner).unwrap();
        assert_eq!(e.name, "wt");
        let words = ["wasmtime", "run", "--dir", ".", "{wasm}", "a b"];
        assert_eq!(
            e.kind,
            EngineKind::Command(words.map(String::from).to_vec())
        );
        assert_eq!(split_words("a '' b").unwrap(), ["a", "", "b"]);
    }

    #[test]
    fn refuses_malformed_engines() {
        for bad in [
            "",
            "v8",
            "=cmd",
            "x=",
            "x=  ",
            "a b=cmd",
            "x='open",
            "wasmi=cmd",
            "node=x",
        ] {
            let runner = Path::new("r.mjs");
            assert!(parse(bad, runner).is_err(), "{bad:?} accepted");
        }
    }
}
