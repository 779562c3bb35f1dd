//! `i32.eqz` of a float comparison, as clang emits it for `if (a > b)` (a branch around the
//! then-part): the translator turns it into the complementary comparison ("unordered or
//! `le`" for `gt`), which is true for NaN as the `eqz` is. Checked through the real pipeline
//! for both widths and every comparison, as a value, a `br_if`, an `if` and a `select`
//! condition, against Rust's own comparisons on ordered values, signed zeros, infinities and
//! NaNs; and the branch costs no more code than one on a plain comparison.

mod support;
use support::*;
use wasmaot_compiler::Options;
use wasmaot_runtime::Instance;

const OPS: [&str; 6] = ["eq", "ne", "lt", "gt", "le", "ge"];

/// For each width and comparison, four functions of `(a, b)`: `value.T.OP` returns the
/// negated comparison, `br_if.T.OP`, `if.T.OP` and `select.T.OP` return 7 when it holds
/// and 9 when not.
fn module() -> String {
    let mut funcs = String::new();
    for t in ["f32", "f64"] {
        for op in OPS {
            let negated = format!("(i32.eqz ({t}.{op} (local.get 0) (local.get 1)))");
            funcs += &format!(
                r#"
  (func (export "value.{t}.{op}") (param {t} {t}) (result i32) {negated})
  (func (export "br_if.{t}.{op}") (param {t} {t}) (result i32)
    (block (br_if 0 {negated}) (return (i32.const 9)))
    (i32.const 7))
  (func (export "if.{t}.{op}") (param {t} {t}) (result i32)
    (if (result i32) {negated} (then (i32.const 7)) (else (i32.const 9))))
  (func (export "select.{t}.{op}") (param {t} {t}) (result i32)
    (select (i32.const 7) (i32.const 9) {negated}))"#
            );
        }
    }
    format!("(module{funcs}\n)")
}

fn holds(op: &str, a: f64, b: f64) -> bool {
    match op {
        "eq" => a == b,
        "ne" => a != b,
        "lt" => a < b,
        "gt" => a > b,
        "le" => a <= b,
        _ => a >= b,
    }
}

fn check(m: &Instance, t: &str, a: f64, b: f64) {
    for op in OPS {
        let negated = !holds(op, a, b);
        let args = if t == "f32" {
            [f32(a as f32), f32(b as f32)]
        } else {
            [f64(a), f64(b)]
        };
        let value = call1(m, &format!("value.{t}.{op}"), &args);
        assert_eq!(value, i32(negated as i32), "value.{t}.{op}({a}, {b})");
        let expected = i32(if negated { 7 } else { 9 });
        for form in ["br_if", "if", "select"] {
            let got = call1(m, &format!("{form}.{t}.{op}"), &args);
            assert_eq!(got, expected, "{form}.{t}.{op}({a}, {b})");
        }
    }
}

#[test]
fn a_negated_comparison_is_true_for_nan_and_the_complement_otherwise() {
    let m = instance(&module());
    let values = [
        0.0,
        -0.0,
        1.5,
        -1.5,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
    ];
    for t in ["f32", "f64"] {
        for a in values {
            for b in values {
                check(&m, t, a, b);
            }
        }
    }
}

/// A branch on `eqz (f64.gt a b)` is one compare and one conditional jump, as a branch on
/// `f64.le a b` (its complement for ordered values): no flag set into a register and tested.
#[test]
fn a_branch_on_a_negated_comparison_is_as_short_as_on_a_plain_one() {
    let wasm = wat::parse_str(
        r#"(module
  (func $negated (export "negated") (param f64 f64) (result i32)
    (block (br_if 0 (i32.eqz (f64.gt (local.get 0) (local.get 1)))) (return (i32.const 9)))
    (i32.const 7))
  (func $plain (export "plain") (param f64 f64) (result i32)
    (block (br_if 0 (f64.le (local.get 0) (local.get 1))) (return (i32.const 9)))
    (i32.const 7)))"#,
    )
    .expect("valid WAT");
    let options = Options {
        inline: false,
        ..Options::default()
    };
    let bytes = wasmaot_compiler::compile(&wasm, &options, &|| {}).expect("compiles");
    let file = object::File::parse(&*bytes).expect("an object");
    let size = |name: &str| symbol_bytes(&file, |n| n.starts_with(name)).len();
    let (negated, plain) = (size("negated.wasm"), size("plain.wasm"));
    assert!(negated <= plain, "{negated} bytes against {plain}");
}
