//! The runtime static library an executable is linked with, by target: one found in
//! `$WASMAOT_RUNTIME_DIR/<triple>/libwasmaot_runtime_exe.a`, else one carried inside this
//! binary (its own target's always; others when they were installed when it was built).

use std::borrow::Cow;
use std::path::PathBuf;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/runtimes.rs"));
}

/// The file name of the runtime library in a `WASMAOT_RUNTIME_DIR` target directory.
pub const LIBRARY_NAME: &str = "libwasmaot_runtime_exe.a";

/// The runtime library for `triple`.
pub fn library(triple: &str) -> Result<Cow<'static, [u8]>, String> {
    if let Some(dir) = std::env::var_os("WASMAOT_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        let path = PathBuf::from(dir).join(triple).join(LIBRARY_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => return Ok(Cow::Owned(bytes)),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("{}: {e}", path.display()))
            }
            Err(_) => {}
        }
    }
    carried(triple).map(Cow::Borrowed)
}

/// The runtime library for `triple` carried inside this binary, ignoring
/// `$WASMAOT_RUNTIME_DIR` (`run` keys its cache by the carried library's hash).
pub fn carried(triple: &str) -> Result<&'static [u8], String> {
    embedded::EMBEDDED
        .iter()
        .find(|(t, _)| *t == triple)
        .map(|(_, bytes)| *bytes)
        .ok_or_else(|| missing(triple))
}

/// Triples whose runtime this binary carries.
pub fn embedded_targets() -> impl Iterator<Item = &'static str> {
    embedded::EMBEDDED.iter().map(|(t, _)| *t)
}

fn missing(triple: &str) -> String {
    if triple.contains("-apple-") {
        // The WASI layer uses Linux calls: no runtime library can be built for macOS yet.
        return format!(
            "no runtime library for {triple}: executables for macOS are not supported yet \
             (objects are: `compile --emit obj`; a library in \
             $WASMAOT_RUNTIME_DIR/{triple}/{LIBRARY_NAME} would be used)"
        );
    }
    format!(
        "no runtime library for {triple}: rebuild wasmaot with that target installed \
         (rustup target add {triple}, and its C compiler), or put one in \
         $WASMAOT_RUNTIME_DIR/{triple}/{LIBRARY_NAME}"
    )
}
