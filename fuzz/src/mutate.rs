//! The compile-only target: valid modules (every proposal wasm-smith knows, those wasmaot
//! refuses included) with bytes flipped, inserted, deleted and cut off, fed to the compiler.
//! It must return an object or an error; a panic is a finding, and so is a valid module of
//! supported features that it refuses.

use std::panic::{catch_unwind, AssertUnwindSafe};

use wasmaot_compiler::{BoundsChecks, CompileError, OptLevel, Options};

use crate::generate::generate;
use crate::rng::Rng;
use crate::swarm::Features;

/// How compiling one case ended.
#[derive(Debug, Clone, PartialEq)]
pub enum CompileEnd {
    Compiled,
    /// An error, as it should be for a malformed or invalid module, or one that needs a
    /// proposal the compiler refuses by name.
    Refused,
    /// wasm-smith could not make a module from the seed.
    NotGenerated,
    /// Finding: the compiler called a module its own validator accepts invalid, or failed
    /// in code generation or emission.
    ValidRefused(String),
    /// Finding: the compiler panicked.
    Panicked(String),
}

/// The mutated module of `seed`.
pub fn mutated_module(seed: u64) -> Option<Vec<u8>> {
    let mut rng = Rng::new(seed, 4);
    // Most modules keep to what wasmaot compiles, so that code generation sees them whole;
    // a quarter may use proposals it refuses.
    let allowed = if rng.chance(1, 4) {
        Features::COMPILE
    } else {
        Features::COMPILE_SUPPORTED
    };
    let generated = catch_unwind(|| generate(seed, 2, allowed, false)).ok()?;
    let mut wasm = generated.ok()?.wasm;
    let mutations = match rng.below(4) {
        0 => 0,
        1 | 2 => 1,
        _ => 2 + rng.below(3),
    };
    for _ in 0..mutations {
        mutate(&mut wasm, &mut rng);
    }
    Some(wasm)
}

/// A position in `wasm`, rarely inside the 8-byte header.
fn position(wasm: &[u8], rng: &mut Rng) -> usize {
    if wasm.len() <= 8 || rng.chance(1, 16) {
        rng.below(wasm.len().max(1) as u64) as usize
    } else {
        8 + rng.below((wasm.len() - 8) as u64) as usize
    }
}

/// Bytes a decoder treats specially: LEB128 continuation and sign bits, section and type
/// codes, the largest values.
const INTERESTING: [u8; 8] = [0x00, 0x01, 0x40, 0x7f, 0x80, 0xff, 0x0b, 0x60];

fn mutate(wasm: &mut Vec<u8>, rng: &mut Rng) {
    if wasm.is_empty() {
        return;
    }
    let at = position(wasm, rng);
    match rng.below(7) {
        0 => wasm[at] ^= 1 << rng.below(8),
        1 => wasm[at] = INTERESTING[rng.below(8) as usize],
        2 => {
            let n = 1 + rng.below(8) as usize;
            let bytes = rng.bytes(n);
            wasm.splice(at..at, bytes);
        }
        3 => {
            let end = (at + 1 + rng.below(16) as usize).min(wasm.len());
            wasm.drain(at..end);
        }
        4 => wasm.truncate(at),
        5 => {
            let end = (at + 1 + rng.below(32) as usize).min(wasm.len());
            let copy = wasm[at..end].to_vec();
            let to = position(wasm, rng);
            wasm.splice(to..to, copy);
        }
        _ => {
            let other = position(wasm, rng);
            wasm.swap(at, other);
        }
    }
}

/// Options for `seed`: every optimisation level and both bounds-check strategies.
fn options(seed: u64) -> Options {
    let mut rng = Rng::new(seed, 5);
    Options {
        jobs: 1,
        opt_level: [OptLevel::O0, OptLevel::O1, OptLevel::O2][rng.below(3) as usize],
        bounds_checks: if rng.chance(1, 4) {
            BoundsChecks::Explicit
        } else {
            Options::default().bounds_checks
        },
        ..Options::default()
    }
}

/// Compile `wasm` (the module of `seed`) and say how it ended.
pub fn check_compile(seed: u64, wasm: &[u8]) -> CompileEnd {
    let options = options(seed);
    let result = catch_unwind(AssertUnwindSafe(|| {
        wasmaot_compiler::compile(wasm, &options, &|| {})
    }));
    match result {
        Ok(Ok(_)) => CompileEnd::Compiled,
        // A valid module that needs a proposal not supported yet: refused as documented.
        Ok(Err(CompileError::Unsupported { .. })) => CompileEnd::Refused,
        Ok(Err(CompileError::Invalid { .. })) if !valid(wasm) => CompileEnd::Refused,
        // Invalid by the compiler's word but valid by its validator's, or a code generation,
        // configuration or object-writing failure: each is a bug.
        Ok(Err(e)) => CompileEnd::ValidRefused(e.to_string()),
        Err(panic) => CompileEnd::Panicked(panic_message(&panic)),
    }
}

/// Whether the validator accepts `wasm` with the features the compiler supports.
fn valid(wasm: &[u8]) -> bool {
    wasmparser::Validator::new_with_features(wasmaot_compiler::module::features())
        .validate_all(wasm)
        .is_ok()
}

/// The message a panic carried.
pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic without a message".to_string()
    }
}
