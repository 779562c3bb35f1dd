//! Every function starts at a multiple of 32 bytes on each supported target, whatever the
//! size of the functions before it: where a function's loops fall relative to the CPU's fetch
//! blocks then depends on its own code only.

use object::{Object, ObjectSymbol};
use wasmaot_compiler::{Options, TargetCpu, SUPPORTED_TARGETS};

/// Functions of many sizes (1 to 13 additions), so that unaligned they would start anywhere.
fn module() -> String {
    let mut wat = String::from("(module\n");
    for n in 1..=13 {
        wat += &format!("  (func $f{n} (export \"f{n}\") (param i32) (result i32) (local.get 0)");
        for k in 0..n {
            wat += &format!(" (i32.add (i32.const {}))", k * 7 + 1);
        }
        wat += ")\n";
    }
    wat + ")"
}

#[test]
fn functions_start_at_32_bytes_on_every_target() {
    let wasm = wat::parse_str(module()).expect("valid WAT");
    for target in SUPPORTED_TARGETS {
        let options = Options {
            target: target.to_string(),
            target_cpu: TargetCpu::Baseline,
            inline: false,
            ..Options::default()
        };
        let bytes = wasmaot_compiler::compile(&wasm, &options, &|| {}).expect("compiles");
        let file = object::File::parse(&*bytes).expect("an object");
        let starts: Vec<(String, u64)> = file
            .symbols()
            .filter_map(|s| {
                let name = s.name().ok()?;
                let name = name.trim_start_matches('_');
                (name.starts_with('f') && name.contains(".wasm"))
                    .then(|| (name.to_string(), s.address()))
            })
            .collect();
        assert_eq!(starts.len(), 13, "{target}: {starts:?}");
        for (name, at) in starts {
            assert_eq!(at % 32, 0, "{target}: {name} at {at:#x}");
        }
    }
}
