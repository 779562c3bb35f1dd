//! The differential target: one module through wasmaot and through wasmi, every exported
//! function called with the same arguments in both, outcomes and final state compared.

use std::collections::BTreeMap;

use crate::args::{argument_set, SETS};
use crate::engine::aot::{Aot, Loader};
use crate::engine::reference::{Reference, Refusal};
use crate::engine::Engine;
use crate::generate::{FUEL, FUEL_EXPORT};
use crate::outcome::{outcomes_agree, state_difference, NanRule, Outcome, Trap};
use crate::rng::Rng;

/// At most this many calls per module (each export gets [`SETS`] until the budget is spent).
const MAX_CALLS: usize = 120;

/// How the comparison of one module ended.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// Everything compared agreed.
    Agreed,
    /// Not compared (further), for this reason: wasmi refuses the module, or an engine hit
    /// its stack limit (the depths differ legitimately, and so may everything after).
    Skipped(&'static str),
    /// The engines disagree: what differed.
    Mismatch(String),
}

/// What comparing one module found.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Calls (and instantiations) whose outcomes were compared.
    pub calls: u64,
    /// Agreed traps, by kind.
    pub traps: BTreeMap<Trap, u64>,
    pub end: Option<End>,
}

impl Verdict {
    fn finish(mut self, end: End) -> Verdict {
        self.end = Some(end);
        self
    }
}

fn exhausted(o: &Outcome) -> bool {
    matches!(o, Outcome::Trapped(Trap::StackExhausted))
}

/// Compare `wasm` in both engines; `seed` draws the random argument sets.
pub fn check_module(loader: &Loader, wasm: &[u8], rule: NanRule, seed: u64) -> Verdict {
    let mut verdict = Verdict::default();
    let reference = match Reference::instantiate(wasm) {
        Ok(r) => Ok(r),
        Err(Refusal::Invalid(why)) => {
            if std::env::var_os("FUZZ_VERBOSE").is_some() {
                eprintln!("fuzz: seed {seed}: wasmi refuses the module: {why}");
            }
            return verdict.finish(End::Skipped("wasmi refuses"));
        }
        Err(Refusal::Instantiation(outcome)) => Err(outcome),
    };
    let module = match loader.load(wasm) {
        Ok(m) => m,
        Err(e) => {
            let why = format!("wasmaot refuses a module wasmi accepts: {e}");
            return verdict.finish(End::Mismatch(why));
        }
    };
    let aot = Aot::instantiate(&module);
    let (mut aot, mut reference) = match (aot, reference) {
        (Ok(a), Ok(r)) => (a, r),
        (Err(a), Err(r)) => {
            verdict.calls += 1;
            let end = if outcomes_agree(&a, &r, rule) {
                if let Outcome::Trapped(t) = a {
                    *verdict.traps.entry(t).or_default() += 1;
                }
                End::Agreed
            } else if exhausted(&a) || exhausted(&r) {
                End::Skipped("stack limit")
            } else if matches!((&a, &r), (Outcome::Failed(_), Outcome::Failed(_))) {
                End::Skipped("neither engine instantiates")
            } else {
                End::Mismatch(format!("instantiation: wasmaot {a}, wasmi {r}"))
            };
            return verdict.finish(end);
        }
        (Err(a), Ok(_)) => {
            if exhausted(&a) {
                return verdict.finish(End::Skipped("stack limit"));
            }
            let why = format!("instantiation: wasmaot {a}, wasmi succeeded");
            return verdict.finish(End::Mismatch(why));
        }
        (Ok(_), Err(r)) => {
            if exhausted(&r) {
                return verdict.finish(End::Skipped("stack limit"));
            }
            let why = format!("instantiation: wasmaot succeeded, wasmi {r}");
            return verdict.finish(End::Mismatch(why));
        }
    };
    // The engines list exports in different orders: compare them by name.
    let mut funcs = aot.funcs();
    funcs.sort();
    let mut reference_funcs = reference.funcs();
    reference_funcs.sort();
    if funcs != reference_funcs {
        return verdict.finish(End::Mismatch("the engines list different exports".into()));
    }
    let mut rng = Rng::new(seed, 3);
    let calls = funcs
        .iter()
        .flat_map(|(name, params)| (0..SETS).map(move |set| (name, params, set)))
        .take(MAX_CALLS);
    for (name, params, set) in calls {
        let args = argument_set(params, set, &mut rng);
        aot.set_i32_global(FUEL_EXPORT, FUEL as i32);
        reference.set_i32_global(FUEL_EXPORT, FUEL as i32);
        let a = aot.call(name, &args);
        let r = reference.call(name, &args);
        verdict.calls += 1;
        if exhausted(&a) || exhausted(&r) {
            return verdict.finish(End::Skipped("stack limit"));
        }
        if !outcomes_agree(&a, &r, rule) {
            let why = format!("call {name:?} {args:?}: wasmaot {a}, wasmi {r}");
            return verdict.finish(End::Mismatch(why));
        }
        if let Outcome::Trapped(t) = a {
            *verdict.traps.entry(t).or_default() += 1;
        }
    }
    match state_difference(&aot.state().sorted(), &reference.state().sorted(), rule) {
        Some(why) => verdict.finish(End::Mismatch(format!("final state: {why}"))),
        None => verdict.finish(End::Agreed),
    }
}
