//! The cache of programs `run` compiled, keyed by everything that decides the machine code.
//!
//! It is a private directory (mode 0700, owned by the user; `run` refuses one that is not),
//! never a shared temporary folder. Entries hold no grants or environment (those are given at
//! run time), and each is checked against the SHA-256 digest written beside it before it is
//! used, so a damaged or replaced file is rebuilt rather than run. Its size is bounded: the
//! least recently used entries go when it exceeds [`MAX_BYTES`].

use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// The most bytes the cache keeps.
pub const MAX_BYTES: u64 = 1 << 30;

/// Suffix of the file holding an entry's digest.
const DIGEST_SUFFIX: &str = ".sha256";

/// The cache directory: `$XDG_CACHE_HOME/wasmaot`, else `$HOME/.cache/wasmaot`.
pub fn dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("wasmaot"));
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(home).join(".cache").join("wasmaot"));
    }
    Err("no cache directory: neither XDG_CACHE_HOME nor HOME is set (use --no-cache)".into())
}

/// The cache directory, created private if missing, and checked to be private: a directory
/// (not a link) owned by this user and closed to everyone else.
pub fn open() -> Result<PathBuf, String> {
    let dir = dir()?;
    private_dir(&dir)?;
    Ok(dir)
}

/// Create `dir` (mode 0700, parents as needed) unless it exists, then check it is private.
pub fn private_dir(dir: &Path) -> Result<(), String> {
    let shown = |e: std::io::Error| format!("{}: {e}", dir.display());
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(shown)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(shown(e)),
        _ => {}
    }
    let meta = std::fs::symlink_metadata(dir).map_err(shown)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(format!(
            "{}: refusing to use a cache directory that is not a private directory of this \
             user (mode 0700); remove it or use --no-cache",
            dir.display()
        ));
    }
    Ok(())
}

/// The entry `key`, if present and intact (its digest matches); a damaged one is removed.
pub fn lookup(dir: &Path, key: &str) -> Option<PathBuf> {
    let path = dir.join(key);
    let digest_path = dir.join(format!("{key}{DIGEST_SUFFIX}"));
    let expected = std::fs::read_to_string(&digest_path).ok()?;
    match digest_of(&path) {
        Ok(actual) if actual == expected.trim() => {
            // Mark it used, for eviction; failing to is harmless.
            let _ = std::fs::File::open(&path).and_then(|f| f.set_modified(SystemTime::now()));
            Some(path)
        }
        _ => {
            let _ = std::fs::remove_file(&path);
            let _ = std::fs::remove_file(&digest_path);
            None
        }
    }
}

/// Make entry `key` with `build` (given a temporary path in the cache to write), record its
/// digest, and keep the cache within its bound. The entry appears whole or not at all.
pub fn insert(
    dir: &Path,
    key: &str,
    build: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<PathBuf, String> {
    let shown = |path: &Path, e: std::io::Error| format!("{}: {e}", path.display());
    let partial = dir.join(format!("{key}.{}.tmp", std::process::id()));
    build(&partial)?;
    let digest = digest_of(&partial).map_err(|e| shown(&partial, e))?;
    let digest_partial = dir.join(format!("{key}{DIGEST_SUFFIX}.{}.tmp", std::process::id()));
    std::fs::write(&digest_partial, digest).map_err(|e| shown(&digest_partial, e))?;
    let path = dir.join(key);
    std::fs::rename(&partial, &path).map_err(|e| shown(&path, e))?;
    let digest_path = dir.join(format!("{key}{DIGEST_SUFFIX}"));
    std::fs::rename(&digest_partial, &digest_path).map_err(|e| shown(&digest_path, e))?;
    evict(dir, key, MAX_BYTES);
    Ok(path)
}

/// The SHA-256 of a file's contents, in hex.
fn digest_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Remove the least recently used entries (never `keep`) until the cache holds at most
/// `max` bytes. Errors leave the cache larger, never broken.
fn evict(dir: &Path, keep: &str, max: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(SystemTime, u64, PathBuf)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let meta = e.metadata().ok()?;
            let name = e.file_name().into_string().ok()?;
            let entry = meta.is_file() && !name.ends_with(DIGEST_SUFFIX) && !name.ends_with(".tmp");
            entry.then_some((meta.modified().ok()?, meta.len(), e.path()))
        })
        .collect();
    let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
    files.sort();
    for (_, len, path) in files {
        if total <= max {
            break;
        }
        if path.file_name().is_some_and(|n| n == keep) {
            continue;
        }
        let mut digest = path.clone().into_os_string();
        digest.push(DIGEST_SUFFIX);
        if std::fs::remove_file(&path).is_ok() {
            let _ = std::fs::remove_file(digest);
            total -= len;
        }
    }
}

/// `wasmaot cache dir`.
pub fn print_dir() -> Result<ExitCode, String> {
    println!("{}", dir()?.display());
    Ok(ExitCode::SUCCESS)
}

/// `wasmaot cache clear`: remove every entry (the directory stays).
pub fn clear() -> Result<ExitCode, String> {
    let dir = dir()?;
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wasmaot-cache-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn entries_are_checked_before_use() {
        let dir = scratch("checked");
        private_dir(&dir).expect("creates");
        let path = insert(&dir, "k", |p| {
            std::fs::write(p, b"program").map_err(|e| e.to_string())
        })
        .expect("inserts");
        assert_eq!(lookup(&dir, "k"), Some(path.clone()));
        std::fs::write(&path, b"#!/bin/sh\necho planted\n").unwrap();
        assert_eq!(lookup(&dir, "k"), None, "a replaced entry is not used");
        assert!(!path.exists(), "and is removed");
        insert(&dir, "k", |p| {
            std::fs::write(p, b"").map_err(|e| e.to_string())
        })
        .unwrap();
        std::fs::remove_file(dir.join("k.sha256")).unwrap();
        assert_eq!(
            lookup(&dir, "k"),
            None,
            "an entry without its digest is not used"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_a_private_directory_is_used() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("private");
        private_dir(&dir).expect("creates");
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let error = private_dir(&dir).unwrap_err();
        assert!(error.contains("not a private directory"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
        let link = scratch("link");
        std::os::unix::fs::symlink(std::env::temp_dir(), &link).unwrap();
        assert!(private_dir(&link).is_err(), "a symlink is refused");
        std::fs::remove_file(&link).unwrap();
    }

    #[test]
    fn the_least_recently_used_entries_go_first() {
        let dir = scratch("evict");
        private_dir(&dir).expect("creates");
        let old = SystemTime::now() - std::time::Duration::from_secs(100);
        for (key, age) in [("a", 3), ("b", 2), ("c", 1)] {
            insert(&dir, key, |p| {
                std::fs::write(p, [0u8; 100]).map_err(|e| e.to_string())
            })
            .unwrap();
            let file = std::fs::File::open(dir.join(key)).unwrap();
            file.set_modified(old - std::time::Duration::from_secs(age))
                .unwrap();
        }
        evict(&dir, "c", 150);
        let left: Vec<bool> = ["a", "b", "c"]
            .iter()
            .map(|k| dir.join(k).exists())
            .collect();
        assert_eq!(left, [false, false, true]);
        assert!(!dir.join("a.sha256").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
