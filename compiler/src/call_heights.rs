//! How many direct calls deep a function's calls can go before one reaches a function that
//! checks the stack limit: the functions that may skip the check although they call other
//! functions ([`crate::stack_check`]).
//!
//! A function that calls through a table or a reference, or calls an import, may reach any
//! code: it checks. So must at least one function of every cycle of direct calls: each cycle
//! (strongly connected component) makes its largest function check, and the cycles left
//! without it do the same, until none is left ([`checking`]). The largest are called least
//! often for the work they do, and a check costs them least: Lua's `luaV_execute` checks, the
//! small functions it calls and that call it back (`luaD_callnoyield`) need not. A checking
//! function's frame is at most 4 KiB when its check comes (or none: Cranelift checks a larger
//! frame before allocating it), so it ends a run of unchecked frames. A function's height is
//! then 0 if it calls nothing, else one more than the greatest height of the functions it
//! calls, counting a checking one as 0; above [`MAX_UNCHECKED_HEIGHT`], it checks too.
//!
//! A function that does not check compiles without the check when its compiled code calls
//! nothing but defined functions directly, each checking or of a lower height (inlining
//! copies a callee's calls, which may be any: they are looked at after it). A run of frames
//! without a check, each called by the one before, then has at most `MAX_UNCHECKED_HEIGHT +
//! 1` frames of at most [`crate::stack_check::UNCHECKED_FRAME_LIMIT`] bytes, and one more
//! of a function about to check, below the frame that passed the last check.

use core::cmp::Reverse;

use rayon::prelude::*;
use wasmparser::Operator;

use crate::module::FunctionInput;

/// The greatest height of a function compiled without the stack-limit check: with frames of
/// at most 4 KiB, a run of unchecked frames and the frame of the function that checks next
/// take at most 40 KiB of the runtime's 256 KiB margin below the limit.
pub const MAX_UNCHECKED_HEIGHT: u16 = 8;

/// The height of a function with no bound (and of any above [`MAX_UNCHECKED_HEIGHT`]).
const UNBOUNDED: u16 = u16::MAX;

/// The heights of the defined functions.
pub struct CallHeights {
    heights: Vec<u16>,
}

impl CallHeights {
    /// The heights of `functions`, the module's defined functions, which follow
    /// `imported_funcs` imports in the function index space.
    pub fn find(imported_funcs: u32, functions: &[FunctionInput<'_>]) -> CallHeights {
        let calls: Vec<Option<Vec<u32>>> = functions
            .par_iter()
            .map(|function| direct_calls(function, imported_funcs, functions.len()))
            .collect();
        let sizes: Vec<u64> = functions
            .iter()
            .map(|f| f.body.range().end - f.body.range().start)
            .collect();
        CallHeights {
            heights: heights(&calls, &sizes),
        }
    }

    /// Whether defined function `index`, whose compiled code calls the defined functions
    /// `callees` directly and nothing else, may go without the check: it has a height, and
    /// each callee checks or has a lower one.
    pub fn may_skip_check(&self, index: u32, callees: &[u32]) -> bool {
        let height = |i: u32| self.heights.get(i as usize).copied();
        match height(index) {
            Some(h) if h <= MAX_UNCHECKED_HEIGHT => callees
                .iter()
                .all(|&c| height(c).is_some_and(|hc| hc == UNBOUNDED || hc < h)),
            _ => false,
        }
    }
}

/// The defined functions `function` calls directly, or `None` if it may call anything else
/// (or cannot be read).
fn direct_calls(
    function: &FunctionInput<'_>,
    imported_funcs: u32,
    defined_funcs: usize,
) -> Option<Vec<u32>> {
    let mut reader = function.body.get_operators_reader().ok()?;
    let mut calls = Vec::new();
    while !reader.eof() {
        match reader.read().ok()? {
            Operator::Call { function_index } | Operator::ReturnCall { function_index } => {
                let defined = function_index.checked_sub(imported_funcs)?;
                if defined as usize >= defined_funcs {
                    return None;
                }
                calls.push(defined);
            }
            Operator::CallIndirect { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::CallRef { .. }
            | Operator::ReturnCallRef { .. } => return None,
            _ => {}
        }
    }
    calls.sort_unstable();
    calls.dedup();
    Some(calls)
}

#[derive(Clone, Copy, PartialEq)]
enum Visit {
    New,
    Open,
    Done,
}

/// Each function's height from its direct calls ([`UNBOUNDED`] for one that checks): the
/// functions that check ([`checking`]) end the walk, which goes depth first, without
/// recursion, over what is left, a graph without cycles.
fn heights(calls: &[Option<Vec<u32>>], sizes: &[u64]) -> Vec<u16> {
    let mut checks = checking(calls, sizes);
    let mut height = vec![0u16; calls.len()];
    let mut visit = vec![Visit::New; calls.len()];
    // (function, how many of its calls are looked at); `height` holds, for an open function,
    // the greatest height plus one of its calls so far.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..calls.len() {
        if visit[root] != Visit::New || checks[root] {
            continue;
        }
        visit[root] = Visit::Open;
        stack.push((root, 0));
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            let callee = calls[node]
                .as_ref()
                .and_then(|callees| callees.get(*next).copied());
            if let Some(callee) = callee {
                *next += 1;
                let callee = callee as usize;
                let h = match (checks[callee], visit[callee]) {
                    (true, _) => UNBOUNDED,
                    (false, Visit::New) => {
                        visit[callee] = Visit::Open;
                        stack.push((callee, 0));
                        continue;
                    }
                    // Not met: `checking` leaves no cycle. Were it met, the callee checking
                    // would keep the bound.
                    (false, Visit::Open) => {
                        checks[callee] = true;
                        UNBOUNDED
                    }
                    (false, Visit::Done) => height[callee],
                };
                height[node] = height[node].max(above(h));
                continue;
            }
            visit[node] = Visit::Done;
            if checks[node] || height[node] > MAX_UNCHECKED_HEIGHT {
                checks[node] = true;
                height[node] = UNBOUNDED;
            }
            stack.pop();
            if let Some(&(caller, _)) = stack.last() {
                height[caller] = height[caller].max(above(height[node]));
            }
        }
    }
    for (h, &checks) in height.iter_mut().zip(&checks) {
        if checks {
            *h = UNBOUNDED;
        }
    }
    height
}

/// Rounds of [`checking`] that each break the cycles left at their largest function; after
/// them, every function still on a cycle checks.
const CYCLE_ROUNDS: usize = 64;

/// The functions that check: those that may call anything (`None`), and one or more of each
/// cycle of direct calls between the others. Each round finds the cycles left (strongly
/// connected components) and makes the largest function of each check: the largest are
/// called least often for the work they do, and a check costs them least.
fn checking(calls: &[Option<Vec<u32>>], sizes: &[u64]) -> Vec<bool> {
    let mut checks: Vec<bool> = calls.iter().map(Option::is_none).collect();
    for round in 0.. {
        let cycles = cyclic_components(calls, &checks);
        if cycles.is_empty() {
            break;
        }
        for cycle in cycles {
            if round < CYCLE_ROUNDS {
                let largest = cycle
                    .iter()
                    .copied()
                    .max_by_key(|&f| (sizes[f], Reverse(f)));
                checks[largest.expect("a cycle has functions")] = true;
            } else {
                cycle.into_iter().for_each(|f| checks[f] = true);
            }
        }
    }
    checks
}

/// The strongly connected components of the direct calls between functions that do not
/// check that hold a cycle (more than one function, or one calling itself), by Tarjan's
/// algorithm without recursion.
fn cyclic_components(calls: &[Option<Vec<u32>>], checks: &[bool]) -> Vec<Vec<usize>> {
    const NONE: usize = usize::MAX;
    let n = calls.len();
    let callees = |f: usize| -> &[u32] {
        match (&calls[f], checks[f]) {
            (Some(c), false) => c,
            _ => &[],
        }
    };
    let (mut index, mut low) = (vec![NONE; n], vec![0; n]);
    let mut on_stack = vec![false; n];
    let (mut order, mut tarjan, mut walk) = (0, Vec::new(), Vec::<(usize, usize)>::new());
    let mut found = Vec::new();
    for root in (0..n).filter(|&f| !checks[f]) {
        if index[root] != NONE {
            continue;
        }
        walk.push((root, 0));
        while let Some(&mut (node, ref mut next)) = walk.last_mut() {
            if *next == 0 && index[node] == NONE {
                index[node] = order;
                low[node] = order;
                order += 1;
                tarjan.push(node);
                on_stack[node] = true;
            }
            if let Some(&callee) = callees(node).get(*next) {
                *next += 1;
                let callee = callee as usize;
                if checks[callee] {
                    continue;
                }
                if index[callee] == NONE {
                    walk.push((callee, 0));
                } else if on_stack[callee] {
                    low[node] = low[node].min(index[callee]);
                }
                continue;
            }
            walk.pop();
            if let Some(&(caller, _)) = walk.last() {
                low[caller] = low[caller].min(low[node]);
            }
            if low[node] == index[node] {
                let mut component = Vec::new();
                loop {
                    let f = tarjan.pop().expect("on the stack");
                    on_stack[f] = false;
                    component.push(f);
                    if f == node {
                        break;
                    }
                }
                if component.len() > 1 || callees(node).contains(&(node as u32)) {
                    component.sort_unstable();
                    found.push(component);
                }
            }
        }
    }
    found
}

/// What a call of a function of height `h` adds to its caller's height: `h + 1`, or 1 for a
/// function that checks (its frame, then the check).
fn above(h: u16) -> u16 {
    match h {
        UNBOUNDED => 1,
        h => h + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: u16 = UNBOUNDED;

    /// Heights of functions calling `calls`, all of the same size but the `big` one.
    fn of(calls: &[Option<&[u32]>], big: Option<usize>) -> Vec<u16> {
        let calls: Vec<Option<Vec<u32>>> = calls.iter().map(|c| c.map(<[u32]>::to_vec)).collect();
        let mut sizes = vec![10; calls.len()];
        if let Some(big) = big {
            sizes[big] = 100;
        }
        heights(&calls, &sizes)
    }

    #[test]
    fn heights_count_the_longest_chain_of_direct_calls() {
        // 0 -> 1 -> 2, 0 -> 2, 3 alone.
        assert_eq!(
            of(&[Some(&[1, 2]), Some(&[2]), Some(&[]), Some(&[])], None),
            [2, 1, 0, 0]
        );
    }

    #[test]
    fn one_function_of_each_cycle_checks_and_ends_its_callers_runs() {
        // 0 -> 1 -> 2 -> 1: of the cycle 1, 2 (of one size: the first), 1 checks; 2 calls
        // it (1), 0 calls it (1). 3 -> 0 (2). 4 -> 4 checks. 5 -> 6, which calls through a
        // table.
        let h = of(
            &[
                Some(&[1]),
                Some(&[2]),
                Some(&[1]),
                Some(&[0]),
                Some(&[4]),
                Some(&[6]),
                None,
            ],
            None,
        );
        assert_eq!(h, [1, U, 1, 2, U, 1, U]);
        // The largest function of a cycle is the one that checks, wherever the walk starts.
        let cycle: [Option<&[u32]>; 3] = [Some(&[1]), Some(&[2]), Some(&[0])];
        assert_eq!(of(&cycle, Some(0)), [U, 2, 1]);
        assert_eq!(of(&cycle, Some(1)), [1, U, 2]);
        assert_eq!(of(&cycle, Some(2)), [2, 1, U]);
        // Two cycles through one function: it alone checks.
        let h = of(&[Some(&[1, 2]), Some(&[0]), Some(&[0])], Some(0));
        assert_eq!(h, [U, 1, 1]);
    }

    #[test]
    fn a_function_above_the_bound_checks_and_its_callers_start_again() {
        // 0 -> 1 -> ... -> n-1: function i has height n-1-i, and checks past the bound; the
        // ones above it count from it again.
        let n = 2 * MAX_UNCHECKED_HEIGHT as u32 + 4;
        let calls: Vec<Option<Vec<u32>>> = (0..n)
            .map(|i| Some(if i + 1 < n { vec![i + 1] } else { vec![] }))
            .collect();
        let h = heights(&calls, &vec![1; n as usize]);
        let period = MAX_UNCHECKED_HEIGHT as usize + 1;
        for (i, &h) in h.iter().enumerate() {
            let from_end = n as usize - 1 - i;
            match (from_end < period, from_end % period) {
                (true, _) => assert_eq!(h as usize, from_end, "{i}"),
                (false, 0) => assert_eq!(h, U, "{i}"),
                (false, k) => assert_eq!(h as usize, k, "{i}"),
            }
        }
    }

    #[test]
    fn after_the_last_round_every_function_left_on_a_cycle_checks() {
        // Every function calls every other: each round makes one more check, and a cycle
        // is left until two remain. Past the rounds, all do.
        let n = CYCLE_ROUNDS as u32 + 6;
        let calls: Vec<Option<Vec<u32>>> = (0..n)
            .map(|i| Some((0..n).filter(|&j| j != i).collect()))
            .collect();
        let sizes: Vec<u64> = (0..n).map(u64::from).collect();
        assert_eq!(heights(&calls, &sizes), vec![U; n as usize]);
        // With rounds to spare, the smallest is left without: it calls only functions that
        // check.
        let calls = &calls[..4];
        let calls: Vec<Option<Vec<u32>>> = calls
            .iter()
            .map(|c| {
                c.as_ref()
                    .map(|c| c.iter().copied().filter(|&j| j < 4).collect())
            })
            .collect();
        assert_eq!(heights(&calls, &sizes[..4]), [1, U, U, U]);
    }

    #[test]
    fn a_function_skips_its_check_only_if_its_callees_check_or_are_lower() {
        let heights = CallHeights {
            heights: vec![0, 1, 2, U],
        };
        assert!(heights.may_skip_check(2, &[1, 0, 3]));
        assert!(heights.may_skip_check(1, &[0]));
        // A callee as high (copied in by inlining), a function that checks, an unknown one.
        assert!(!heights.may_skip_check(1, &[1]));
        assert!(!heights.may_skip_check(1, &[2]));
        assert!(!heights.may_skip_check(3, &[]));
        assert!(!heights.may_skip_check(1, &[9]));
        assert!(!heights.may_skip_check(9, &[]));
    }

    #[test]
    fn calls_through_tables_references_and_imports_check() {
        let module = wat::parse_str(
            r#"(module
                (import "m" "f" (func $imp))
                (type $t (func))
                (table 1 funcref)
                (func $leaf)
                (func $direct call $leaf)
                (func $tail return_call $direct)
                (func $import call $imp)
                (func $table (call_indirect (type $t) (i32.const 0)))
                (func $ref (call_ref $t (ref.func $leaf)))
                (func $above call $table)
                (elem declare func $leaf))"#,
        )
        .unwrap();
        let parsed = crate::module::parse(&module).unwrap();
        let heights = CallHeights::find(1, &parsed.functions);
        assert_eq!(heights.heights, [0, 1, 2, U, U, U, 1]);
    }
}
