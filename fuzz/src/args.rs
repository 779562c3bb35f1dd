//! Argument sets for an exported function: zeros, small integers, edge values, and values
//! drawn from the seed.

use crate::outcome::{Ty, Value};
use crate::rng::Rng;

/// How many argument sets each export is called with.
pub const SETS: usize = 4;

const I32_EDGES: [i32; 8] = [0, 1, -1, i32::MIN, i32::MAX, 0x7f, 0x8000, 65536];
const I64_EDGES: [i64; 8] = [0, 1, -1, i64::MIN, i64::MAX, 0xffff_ffff, 1 << 32, 65536];
const F32_EDGES: [f32; 8] = [
    0.0,
    -0.0,
    1.0,
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MIN_POSITIVE,
    2147483648.0,
];
const F64_EDGES: [f64; 8] = [
    0.0,
    -0.0,
    -1.5,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    9223372036854775808.0,
];

fn zero(ty: Ty) -> Value {
    match ty {
        Ty::I32 => Value::I32(0),
        Ty::I64 => Value::I64(0),
        Ty::F32 => Value::F32(0),
        Ty::F64 => Value::F64(0),
        Ty::V128 => Value::V128(0),
        Ty::FuncRef => Value::FuncRef { null: true },
        Ty::ExternRef => Value::ExternRef { null: true },
    }
}

fn small(ty: Ty, i: usize) -> Value {
    let n = i as i64 + 1;
    match ty {
        Ty::I32 => Value::I32(n as i32),
        Ty::I64 => Value::I64(n),
        Ty::F32 => Value::F32((n as f32).to_bits()),
        Ty::F64 => Value::F64((n as f64).to_bits()),
        Ty::V128 => Value::V128(u128::from_le_bytes([n as u8; 16])),
        other => zero(other),
    }
}

fn edge(ty: Ty, rng: &mut Rng) -> Value {
    let i = rng.below(8) as usize;
    match ty {
        Ty::I32 => Value::I32(I32_EDGES[i]),
        Ty::I64 => Value::I64(I64_EDGES[i]),
        Ty::F32 => Value::F32(F32_EDGES[i].to_bits()),
        Ty::F64 => Value::F64(F64_EDGES[i].to_bits()),
        Ty::V128 => {
            let lane = F32_EDGES[i].to_bits();
            let other = I32_EDGES[rng.below(8) as usize] as u32;
            let lanes = [lane, other, lane, other];
            Value::V128(
                lanes
                    .iter()
                    .rev()
                    .fold(0u128, |acc, l| (acc << 32) | u128::from(*l)),
            )
        }
        other => zero(other),
    }
}

fn random(ty: Ty, rng: &mut Rng) -> Value {
    if rng.chance(1, 3) {
        return edge(ty, rng);
    }
    let bits = rng.next_u64();
    match ty {
        Ty::I32 => Value::I32(bits as i32),
        Ty::I64 => Value::I64(bits as i64),
        Ty::F32 => Value::F32(bits as u32),
        Ty::F64 => Value::F64(bits),
        Ty::V128 => Value::V128((u128::from(rng.next_u64()) << 64) | u128::from(bits)),
        other => zero(other),
    }
}

/// The argument set number `set` (below [`SETS`]) for parameters `params`.
pub fn argument_set(params: &[Ty], set: usize, rng: &mut Rng) -> Vec<Value> {
    params
        .iter()
        .enumerate()
        .map(|(i, ty)| match set {
            0 => zero(*ty),
            1 => small(*ty, i),
            2 => edge(*ty, rng),
            _ => random(*ty, rng),
        })
        .collect()
}
