//! Without the standard library (the executables' build), on ELF targets: compile the stand-in
//! for the C unwinder's `_Unwind_Resume` (see `src/unwind_stub.c`).

fn main() {
    println!("cargo:rerun-if-changed=src/unwind_stub.c");
    let std = std::env::var_os("CARGO_FEATURE_STD").is_some();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !std && os == "linux" {
        cc::Build::new()
            .file("src/unwind_stub.c")
            .opt_level(2)
            .compile("wasmaot_unwind_stub");
    }
}
