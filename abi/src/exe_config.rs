//! The configuration `wasmaot build` bakes into an executable: the grants of the command line
//! (`--dir`, `--dir-ro`, `--env`, `--inherit-env`), as text linked in under two symbols.
//! Writer: the CLI (`render_line` per grant, C source defining the symbols); reader: the
//! runtime's executable entry (`runtime-exe`, then `wasi::grants` through `split_line`).
//!
//! Grammar: one grant per line, `KEY` or `KEY VALUE` with KEY one of [`KEYS`]: `dir HOST::GUEST`,
//! `dir-ro HOST::GUEST`, `env NAME=VALUE` (or `env NAME`: the host's NAME at run time),
//! `inherit-env`, `max-memory BYTES`, `timeout DURATION` (`500ms`, `2s`, `1m`), `fuel N`,
//! `max-wasm-stack BYTES`, `max-table-elements N`. In values, a backslash is written `\\` and a newline `\n`, so a value may
//! hold any byte but NUL.

use alloc::string::String;

/// The configuration bytes (not NUL-terminated; see [`CONFIG_LEN_SYMBOL`]).
pub const CONFIG_SYMBOL: &str = "wasmaot_exe_config";
/// Their length, a `u64`.
pub const CONFIG_LEN_SYMBOL: &str = "wasmaot_exe_config_len";

/// The WASI functions an executable's module imports: a null-terminated array of pointers to
/// the runtime's `wasmaot_wasi::preview1::Function` statics, which are linker symbols named
/// [`WASI_FUNCTION_PREFIX`] and the function's name. Writer: the CLI (in the C source it links
/// in, listing the imported names the runtime implements); reader: the executable's entry,
/// which links those and no others, so that the linker drops the code of the rest. A module
/// importing a function not listed gets what an unknown name gets (`ENOSYS`).
pub const WASI_FUNCTIONS_SYMBOL: &str = "wasmaot_exe_wasi_functions";
/// The prefix of the symbol of each WASI function (see [`WASI_FUNCTIONS_SYMBOL`]).
pub const WASI_FUNCTION_PREFIX: &str = "wasmaot_wasi_";

/// The environment variable `wasmaot run` gives the grants of its command line in, as lines
/// of this grammar: they are added to the built-in ones at run time, so a cached executable
/// holds none. The runtime hides it (and `WASMAOT_OPTS`) from the program's environment.
pub const RUN_CONFIG_VAR: &str = "WASMAOT_RUN_CONFIG";

/// The keys a line may start with.
pub const KEYS: [&str; 9] = [
    "dir",
    "dir-ro",
    "env",
    "inherit-env",
    "max-memory",
    "timeout",
    "fuel",
    "max-wasm-stack",
    "max-table-elements",
];

/// The line for grant `key` with `value`, or `None` for an unknown key or a value holding NUL.
pub fn render_line(key: &str, value: Option<&str>) -> Option<String> {
    if !KEYS.contains(&key) || value.is_some_and(|v| v.contains('\0')) {
        return None;
    }
    Some(match value {
        Some(value) => {
            let escaped = value.replace('\\', "\\\\").replace('\n', "\\n");
            alloc::format!("{key} {escaped}\n")
        }
        None => alloc::format!("{key}\n"),
    })
}

/// The key and value of one line (without its newline), the value unescaped.
pub fn split_line(line: &str) -> (&str, Option<String>) {
    match line.split_once(' ') {
        Some((key, value)) => (key, Some(unescape(value))),
        None => (line, None),
    }
}

/// A value as written by [`render_line`], back to what was given.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some('n')) => {
                out.push('\n');
                chars.next();
            }
            ('\\', Some('\\')) => {
                out.push('\\');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether two names are the same, usable in constant expressions (to tie a symbol name written
/// as a literal, where Rust requires one, to the constant here).
pub const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let line = render_line("dir", Some("data::/data")).expect("renders");
        assert_eq!(line, "dir data::/data\n");
        assert_eq!(
            split_line(line.trim_end()),
            ("dir", Some("data::/data".into()))
        );
        assert_eq!(
            render_line("inherit-env", None).as_deref(),
            Some("inherit-env\n")
        );
        assert_eq!(split_line("inherit-env"), ("inherit-env", None));
    }

    #[test]
    fn any_value_but_nul_round_trips() {
        for value in ["A=1\nB=2", "back\\slash\\n", "\\", "tail\\", "new\nline\n"] {
            let line = render_line("env", Some(value)).expect("renders");
            assert_eq!(line.matches('\n').count(), 1, "one line: {line:?}");
            assert_eq!(
                split_line(line.trim_end_matches('\n')).1.as_deref(),
                Some(value)
            );
        }
    }

    #[test]
    fn unwritable_lines_are_refused() {
        assert_eq!(render_line("env", Some("A=1\0")), None);
        assert_eq!(render_line("rm", Some("-rf")), None);
        assert!(same_name(CONFIG_SYMBOL, "wasmaot_exe_config"));
        assert!(!same_name(CONFIG_SYMBOL, "wasmaot_exe_confi"));
    }
}
