//! Compiles the one piece of C in the runtime: the `sigsetjmp` boundary that lets a trap unwind
//! from a signal handler or a runtime call back to the host (Rust cannot call `setjmp` soundly).
fn main() {
    println!("cargo:rerun-if-changed=src/vm/sys/unwind_boundary.c");
    cc::Build::new()
        .file("src/vm/sys/unwind_boundary.c")
        .opt_level(2)
        .compile("wasmaot_unwind_boundary");
}
