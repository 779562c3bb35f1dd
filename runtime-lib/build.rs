//! Compiles the runtime's C: the `setjmp` boundary that lets a trap unwind from a signal handler
//! or a runtime call back to the host (Rust cannot call `setjmp` soundly), and, without the
//! `std` feature (and so without `thread_local!`), the per-thread storage blocks.

mod thread_blocks {
    include!("src/vm/sys/thread_blocks.rs");
}

fn main() {
    println!("cargo:rerun-if-changed=src/vm/sys/unwind_boundary.c");
    println!("cargo:rerun-if-changed=src/vm/sys/thread_blocks.c");
    println!("cargo:rerun-if-changed=src/vm/sys/thread_blocks.rs");
    let mut build = cc::Build::new();
    build.file("src/vm/sys/unwind_boundary.c");
    if std::env::var_os("CARGO_FEATURE_STD").is_none() {
        build.file("src/vm/sys/thread_blocks.c");
    }
    build
        .define(
            "WASMAOT_THREAD_BLOCKS",
            thread_blocks::BLOCKS.to_string().as_str(),
        )
        .define(
            "WASMAOT_THREAD_BLOCK_SIZE",
            thread_blocks::BLOCK_SIZE.to_string().as_str(),
        )
        .opt_level(2)
        .compile("wasmaot_unwind_boundary");
}
