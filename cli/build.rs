//! Builds the runtime's static library (the `wasmaot-runtime-exe` crate) and hands its path to
//! the CLI, which embeds it: an installed `wasmaot` carries everything it links with.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("cli/ sits in the workspace")
        .to_path_buf();
    for dir in ["abi", "runtime-lib", "wasi", "runtime-exe"] {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        workspace.join("Cargo.lock").display()
    );
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    let target_dir = out_dir.join("runtime-target");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "wasmaot-runtime-exe",
            "--manifest-path",
        ])
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .status()
        .expect("running cargo to build the runtime library");
    assert!(status.success(), "building the runtime library failed");
    let lib = target_dir.join("release").join("libwasmaot_runtime_exe.a");
    println!("cargo:rustc-env=WASMAOT_RUNTIME_LIB={}", lib.display());
    // Identifies the runtime for `wasmaot run`'s cache: a rebuilt runtime invalidates it.
    let bytes = std::fs::read(&lib).expect("reading the runtime library");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    println!("cargo:rustc-env=WASMAOT_RUNTIME_HASH={hash:016x}");
}
