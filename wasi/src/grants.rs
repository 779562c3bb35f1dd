//! What a program is granted: directories (read-write or read-only, each under a guest name)
//! and environment variables. Grants come from two places with one grammar: the configuration
//! `wasmaot build` bakes into an executable (one grant per line) and, at run time, the
//! `WASMAOT_OPTS` environment variable (the same flags as on the command line, split on
//! whitespace), so that the program's own arguments pass through untouched.

use crate::prelude::*;

use core::time::Duration;

/// The environment variable an executable reads grants from at run time.
pub const OPTS_VAR: &str = "WASMAOT_OPTS";

/// A granted directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The host directory (a relative path is relative to the working directory at run time).
    pub host: String,
    /// The name the program sees it under (what `fd_prestat_dir_name` reports).
    pub guest: String,
    /// Granted read-only (`--dir-ro`).
    pub read_only: bool,
}

/// What an executable's program may reach: directories and environment.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Grants {
    /// Directories, in order: the program gets descriptors 3, 4, ... for them.
    pub dirs: Vec<DirGrant>,
    /// `KEY=VALUE` entries given explicitly, and `NAME`s of host variables to pass.
    pub env: Vec<String>,
    /// Pass the host's whole environment (explicit entries override it).
    pub inherit_env: bool,
    /// The most bytes each linear memory may hold (`--max-memory`; the last one given wins).
    pub max_memory: Option<u64>,
    /// How long the program may run before it traps with "deadline exceeded" (`--timeout`).
    pub timeout: Option<Duration>,
    /// The fuel the program may spend before it traps with "fuel exhausted" (`--fuel`).
    pub fuel: Option<u64>,
    /// The most stack the program's wasm code may use (`--max-wasm-stack`).
    pub max_wasm_stack: Option<u64>,
    /// The most elements each table may hold (`--max-table-elements`).
    pub max_table_elements: Option<u64>,
}

impl Grants {
    /// Add the grants of a build-time configuration: lines `dir HOST::GUEST`,
    /// `dir-ro HOST::GUEST`, `env KEY=VALUE` and `inherit-env`.
    pub fn add_config(&mut self, config: &[u8]) -> Result<(), String> {
        let text = core::str::from_utf8(config)
            .map_err(|_| "the built-in configuration is not UTF-8".to_string())?;
        for line in text.lines().filter(|l| !l.is_empty()) {
            let (key, value) = wasmaot_abi::exe_config::split_line(line);
            self.add(key, value.as_deref())
                .map_err(|e| format!("built-in configuration: {e}"))?;
        }
        Ok(())
    }

    /// Add the grants of `WASMAOT_OPTS`-style flags: `--dir HOST[::GUEST]`,
    /// `--dir-ro HOST[::GUEST]`, `--env KEY=VALUE`, `--inherit-env` (values may also follow
    /// an `=`: `--dir=data`), separated by whitespace.
    pub fn add_flags(&mut self, flags: &str) -> Result<(), String> {
        let mut words = flags.split_whitespace();
        while let Some(word) = words.next() {
            let in_var = |e: String| format!("{OPTS_VAR}: {e}");
            let Some(flag) = word.strip_prefix("--") else {
                return Err(in_var(format!("expected a flag, found `{word}`")));
            };
            let (key, value) = match flag.split_once('=') {
                Some((key, value)) => (key, Some(value)),
                None if flag == "inherit-env" => (flag, None),
                None => (flag, words.next()),
            };
            self.add(key, value).map_err(in_var)?;
        }
        Ok(())
    }

    fn add(&mut self, key: &str, value: Option<&str>) -> Result<(), String> {
        match (key, value) {
            ("inherit-env", None) => self.inherit_env = true,
            ("max-memory", Some(size)) => self.max_memory = Some(parse_size(size)?),
            ("timeout", Some(text)) => self.timeout = Some(parse_duration(text)?),
            ("fuel", Some(text)) => self.fuel = Some(parse_fuel(text)?),
            ("max-table-elements", Some(text)) => {
                let bad = || format!("--max-table-elements {text}: expected a whole number");
                self.max_table_elements = Some(text.parse().map_err(|_| bad())?)
            }
            ("max-wasm-stack", Some(size)) => {
                self.max_wasm_stack = Some(parse_size_of("--max-wasm-stack", size)?)
            }
            ("dir" | "dir-ro", Some(value)) => self.dirs.push(parse_dir(value, key == "dir-ro")?),
            ("env", Some(entry)) => self.env.push(parse_env(entry)?.to_string()),
            (
                "dir" | "dir-ro" | "env" | "max-memory" | "timeout" | "fuel" | "max-wasm-stack"
                | "max-table-elements",
                None,
            ) => {
                return Err(format!("--{key} needs a value"))
            }
            ("inherit-env", Some(_)) => return Err("--inherit-env takes no value".to_string()),
            _ => {
                return Err(format!(
                    "unknown option `--{key}` (accepted: --dir, --dir-ro, --env, --inherit-env, --max-memory, --max-wasm-stack, --max-table-elements, --timeout, --fuel)"
                ))
            }
        }
        Ok(())
    }

    /// The program's environment: the host's if inherited, then the explicit entries, each
    /// replacing a variable of the same name (a `NAME` entry: the host's NAME, if set).
    pub fn environment<'a>(
        &self,
        host: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    ) -> Vec<Vec<u8>> {
        let entry_of = |key: &[u8], value: &[u8]| {
            let mut entry = Vec::with_capacity(key.len() + 1 + value.len());
            entry.extend_from_slice(key);
            entry.push(b'=');
            entry.extend_from_slice(value);
            entry
        };
        let host: Vec<(&[u8], &[u8])> = host.collect();
        let mut env: Vec<Vec<u8>> = Vec::new();
        if self.inherit_env {
            env.extend(host.iter().map(|(k, v)| entry_of(k, v)));
        }
        for entry in &self.env {
            let name = entry
                .split_once('=')
                .map_or(entry.as_str(), |(name, _)| name);
            let value = if entry.contains('=') {
                Some(entry.as_bytes().to_vec())
            } else {
                host.iter()
                    .find(|(k, _)| *k == name.as_bytes())
                    .map(|(k, v)| entry_of(k, v))
            };
            let Some(value) = value else {
                continue;
            };
            env.retain(|e| !(e.starts_with(name.as_bytes()) && e.get(name.len()) == Some(&b'=')));
            env.push(value);
        }
        env
    }
}

/// A size in bytes: a number with an optional suffix, `K`, `M`, `G` or `KiB`, `MiB`, `GiB`
/// (powers of 1024), e.g. `512K`, `64MiB`, `4096`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    parse_size_of("--max-memory", text)
}

/// As [`parse_size`], for the value of `flag` (errors name it).
pub fn parse_size_of(flag: &str, text: &str) -> Result<u64, String> {
    let bad = || format!("{flag} {text}: expected bytes with an optional K, M or G");
    let (number, suffix) = digits_and_rest(text);
    let shift = match suffix {
        "" => 0,
        "K" | "KiB" => 10,
        "M" | "MiB" => 20,
        "G" | "GiB" => 30,
        _ => return Err(bad()),
    };
    let number: u64 = number.parse().map_err(|_| bad())?;
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{flag} {text}: too large"))
}

/// `text` split after its leading decimal digits.
fn digits_and_rest(text: &str) -> (&str, &str) {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    // ASCII digits are a byte each, so this is a character boundary (and no slicing panic,
    // with its Unicode tables, is linked into executables).
    text.split_at_checked(digits).unwrap_or((text, ""))
}

/// A duration: a whole number with `ms`, `s` or `m` (`500ms`, `2s`, `1m`), more than zero.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad =
        || format!("--timeout {text}: expected a duration: a number with ms, s or m (500ms, 2s)");
    let (number, unit) = digits_and_rest(text);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let millis = match unit {
        "ms" => Some(number),
        "s" => number.checked_mul(1000),
        "m" => number.checked_mul(60_000),
        _ => return Err(bad()),
    };
    match millis {
        Some(0) => Err(format!("--timeout {text}: must be more than zero")),
        // Beyond a year a timeout is a mistake, and beyond u64 milliseconds it overflows.
        Some(ms) if ms <= 366 * 24 * 3600 * 1000 => Ok(Duration::from_millis(ms)),
        _ => Err(format!("--timeout {text}: too long (at most a year)")),
    }
}

/// A fuel amount: a whole number up to 2^63 - 1.
pub fn parse_fuel(text: &str) -> Result<u64, String> {
    let value: u64 = text
        .parse()
        .map_err(|_| format!("--fuel {text}: expected a whole number (at most 2^63 - 1)"))?;
    if value > i64::MAX as u64 {
        return Err(format!("--fuel {text}: too large (at most 2^63 - 1)"));
    }
    Ok(value)
}

/// `HOST[::GUEST]`; the guest name defaults to the host path as given.
pub fn parse_dir(value: &str, read_only: bool) -> Result<DirGrant, String> {
    let flag = if read_only { "--dir-ro" } else { "--dir" };
    let (host, guest) = value.split_once("::").unwrap_or((value, value));
    if host.is_empty() || guest.is_empty() || value.contains('\0') {
        return Err(format!("{flag} {value}: expected HOST[::GUEST]"));
    }
    Ok(DirGrant {
        host: host.to_string(),
        guest: guest.to_string(),
        read_only,
    })
}

/// `KEY=VALUE` with a non-empty key, or `NAME` (pass the host's NAME).
pub fn parse_env(entry: &str) -> Result<&str, String> {
    let key = entry.split_once('=').map_or(entry, |(key, _)| key);
    if key.is_empty() || entry.contains('\0') {
        return Err(format!("--env {entry}: expected KEY=VALUE or NAME"));
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_config_share_one_grammar() {
        let mut from_flags = Grants::default();
        from_flags
            .add_flags("--dir /data::/d  --dir-ro=ro --env A=1 --inherit-env\n--env=B=x=y")
            .expect("valid flags");
        let mut from_config = Grants::default();
        from_config
            .add_config(b"dir /data::/d\ndir-ro ro\nenv A=1\ninherit-env\nenv B=x=y\n")
            .expect("valid config");
        assert_eq!(from_flags, from_config);
        assert_eq!(from_flags.dirs[1].guest, "ro");
        assert!(from_flags.dirs[1].read_only);
    }

    #[test]
    fn bad_flags_are_named() {
        let error = |flags: &str| Grants::default().add_flags(flags).unwrap_err();
        assert!(error("--dir").contains("--dir needs a value"));
        assert!(error("--mount x").contains("unknown option `--mount`"));
        assert!(error("data").contains("expected a flag"));
        assert!(error("--env =1").contains("expected KEY=VALUE or NAME"));
        assert!(error("--dir ::guest").contains("expected HOST[::GUEST]"));
    }

    #[test]
    fn explicit_variables_override_inherited_ones() {
        let grants = Grants {
            env: vec!["A=explicit".into()],
            inherit_env: true,
            ..Grants::default()
        };
        let host: [(&[u8], &[u8]); 2] = [(b"A", b"host"), (b"AB", b"kept")];
        assert_eq!(
            grants.environment(host.into_iter()),
            vec![b"AB=kept".to_vec(), b"A=explicit".to_vec()]
        );
    }

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        for bad in ["", "12XB", "M", "-1", "1.5G", "1 M"] {
            assert!(
                parse_size(bad).unwrap_err().contains("expected bytes"),
                "{bad}"
            );
        }
        assert!(parse_size("99999999999999999999G").is_err());
        assert!(parse_size("17179869184G")
            .unwrap_err()
            .contains("too large"));
        let mut grants = Grants::default();
        grants.add_flags("--max-memory 1M --max-memory=2M").unwrap();
        assert_eq!(grants.max_memory, Some(2 << 20));
        grants.add_config(b"max-memory 3K\n").unwrap();
        assert_eq!(grants.max_memory, Some(3 << 10));
    }

    #[test]
    fn a_name_alone_passes_the_host_variable() {
        let grants = Grants {
            env: vec!["HOME".into(), "MISSING".into(), "X=1".into()],
            ..Grants::default()
        };
        let host: [(&[u8], &[u8]); 2] = [(b"HOME", b"/home/u"), (b"HOMER", b"no")];
        assert_eq!(
            grants.environment(host.into_iter()),
            vec![b"HOME=/home/u".to_vec(), b"X=1".to_vec()]
        );
    }
}
