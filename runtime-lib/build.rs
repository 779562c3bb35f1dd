//! Compiles the runtime's C: the `setjmp` boundary that lets a trap unwind from a signal handler
//! or a runtime call back to the host (Rust cannot call `setjmp` soundly), and the per-thread
//! storage blocks (the crate is `no_std`, without `thread_local!`).

mod thread_blocks {
    include!("src/vm/sys/thread_blocks.rs");
}

fn main() {
    println!("cargo:rerun-if-changed=src/vm/sys/unwind_boundary.c");
    println!("cargo:rerun-if-changed=src/vm/sys/thread_blocks.c");
    println!("cargo:rerun-if-changed=src/vm/sys/thread_blocks.rs");
    cc::Build::new()
        .file("src/vm/sys/unwind_boundary.c")
        .file("src/vm/sys/thread_blocks.c")
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
