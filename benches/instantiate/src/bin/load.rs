//! `cargo run --release -p bench-instantiate --bin bench-load`: how long loading a precompiled
//! module with 10,000 functions takes (`Module::load`: dlopen, reading the metadata and trap
//! tables, registering the code), median over several copies of the file (a path is loaded
//! once per process).

use std::time::Instant;

use wasmaot_runtime::Module;

const FUNCTIONS: usize = 10_000;
const COPIES: usize = 15;

/// A module of `FUNCTIONS` small functions, each with trap sites (division, memory access).
fn module() -> String {
    let mut wat = String::from("(module (memory 1)\n");
    for i in 0..FUNCTIONS {
        wat += &format!(
            "(func (export \"f{i}\") (param i32 i32) (result i32)
               (i32.add (i32.load (local.get 0)) (i32.div_s (local.get 1) (i32.const {})))\n)\n",
            i + 1
        );
    }
    wat + ")"
}

fn main() {
    let wasm = wat::parse_str(module()).expect("valid WAT");
    let object = wasmaot_compiler::compile(&wasm, &Default::default(), &|| {}).expect("compiles");
    let dir = std::env::temp_dir().join(format!("wasmaot-bench-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let first = dir.join("m0.so");
    wasmaot_compiler::link::link_shared(&object, &first).expect("links");
    let size = std::fs::metadata(&first).expect("written").len();
    let mut times = Vec::new();
    for i in 1..=COPIES {
        let path = dir.join(format!("m{i}.so"));
        std::fs::copy(&first, &path).expect("copy");
        let start = Instant::now();
        // SAFETY: a copy of the file just linked from the compiler's object.
        let module = unsafe { Module::load(&path) }.expect("loads");
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(module.meta().exports.len(), FUNCTIONS);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "load a module of {FUNCTIONS} functions ({} KiB): median {:.2} ms, min {:.2} ms ({COPIES} loads)",
        size / 1024,
        times[times.len() / 2],
        times[0]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
