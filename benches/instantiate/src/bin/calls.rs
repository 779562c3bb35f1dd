//! `cargo run --release -p bench-instantiate --bin bench-calls`: the cost of one call from the
//! host into wasm (an exported `(i32) -> i32` called through the embedding API) and of one call
//! from wasm to the host (an imported `(i32) -> i32` host function called in a wasm loop). The
//! host-to-wasm call is measured typed (`TypedFunc`) and with `Val`s (`Func::call_into`); the
//! wasm-to-host call with a host function made by `Func::new` (`Val`s) and by
//! `Func::new_numeric` (raw slots, as WASI's are).
//! Prints the median over several rounds of each, in nanoseconds per call.

use std::time::Instant;

use wasmaot_runtime::{Func, FuncType, Linker, Store, Val, ValType};

const MODULE: &str = r#"
(module
  (import "host" "inc" (func $inc (param i32) (result i32)))
  (import "host" "inc_numeric" (func $inc_numeric (param i32) (result i32)))
  (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "call_host") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (local.get $acc))
  (func (export "call_host_numeric") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $inc_numeric (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (local.get $acc)))
"#;

const CALLS: u32 = 1_000_000;
const ROUNDS: usize = 7;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let module = bench_instantiate::load(MODULE);
    let mut store = Store::new();
    let i32_to_i32 = FuncType {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    };
    let inc = Func::new(&mut store, i32_to_i32.clone(), |_, args, results| {
        results[0] = Val::I32(args[0].unwrap_i32().wrapping_add(1));
        Ok(())
    });
    let inc_numeric = Func::new_numeric(&mut store, i32_to_i32, |_, values| {
        values[0] = u128::from((values[0] as u32).wrapping_add(1));
        Ok(())
    })
    .expect("numbers only");
    let mut linker = Linker::new();
    linker.define("host", "inc", inc);
    linker.define("host", "inc_numeric", inc_numeric);
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let export = instance.get_func(&mut store, "inc").expect("export");
    let call_host = instance.get_func(&mut store, "call_host").expect("export");
    let call_host_numeric = instance
        .get_func(&mut store, "call_host_numeric")
        .expect("export");

    let typed = export.typed::<i32, i32>(&store).expect("(i32) -> i32");
    let mut host_to_wasm = Vec::new();
    let mut typed_host_to_wasm = Vec::new();
    let mut wasm_to_host = Vec::new();
    let mut wasm_to_numeric_host = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let mut value = 0;
        let mut result = [Val::I32(0)];
        for _ in 0..CALLS {
            export
                .call_into(&mut store, &[Val::I32(value)], &mut result)
                .expect("runs");
            value = result[0].unwrap_i32();
        }
        host_to_wasm.push(start.elapsed().as_nanos() as f64 / f64::from(CALLS));
        assert_eq!(value, CALLS as i32);

        let start = Instant::now();
        let mut value = 0;
        for _ in 0..CALLS {
            value = typed.call(&mut store, value).expect("runs");
        }
        typed_host_to_wasm.push(start.elapsed().as_nanos() as f64 / f64::from(CALLS));
        assert_eq!(value, CALLS as i32);

        let start = Instant::now();
        let result = call_host
            .call(&mut store, &[Val::I32(CALLS as i32)])
            .expect("runs");
        wasm_to_host.push(start.elapsed().as_nanos() as f64 / f64::from(CALLS));
        assert_eq!(result, vec![Val::I32(CALLS as i32)]);

        let start = Instant::now();
        let result = call_host_numeric
            .call(&mut store, &[Val::I32(CALLS as i32)])
            .expect("runs");
        wasm_to_numeric_host.push(start.elapsed().as_nanos() as f64 / f64::from(CALLS));
        assert_eq!(result, vec![Val::I32(CALLS as i32)]);
    }
    println!(
        "host -> wasm call: {:.1} ns typed (TypedFunc::call), {:.1} ns with Vals (Func::call_into); \
         wasm -> host call: {:.1} ns (Func::new), {:.1} ns (Func::new_numeric) \
         (median of {ROUNDS} rounds of {CALLS} calls)",
        median(typed_host_to_wasm),
        median(host_to_wasm),
        median(wasm_to_host),
        median(wasm_to_numeric_host)
    );
}
