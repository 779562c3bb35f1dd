//! How many direct calls deep a function's calls can go: the functions that may skip the
//! stack-limit check although they call other functions ([`crate::stack_check`]).
//!
//! A function's height is 0 if it calls nothing, else one more than the greatest height of the
//! functions it calls. Only direct calls (`call`, `return_call`) to defined functions have a
//! height; a function that calls through a table or a reference, or calls an import, may reach
//! any code, and so may one on a cycle of calls: theirs is unbounded.
//!
//! A function of height at most [`MAX_UNCHECKED_HEIGHT`] whose compiled code calls nothing but
//! defined functions directly compiles without the check. Every function it calls then has a
//! lower height (inlining copies a callee's calls, which go lower still), so a run of frames
//! without a check, each called by the one before, has at most `MAX_UNCHECKED_HEIGHT + 1`
//! frames of at most [`crate::stack_check::UNCHECKED_FRAME_LIMIT`] bytes, and the frame
//! before the run passed a check.

use rayon::prelude::*;
use wasmparser::Operator;

use crate::module::FunctionInput;

/// The greatest height of a function compiled without the stack-limit check: with frames of
/// at most 4 KiB, a run of unchecked frames takes at most 36 KiB of the runtime's 256 KiB
/// margin below the limit.
pub const MAX_UNCHECKED_HEIGHT: u16 = 8;

/// The height of a function with no bound (and of any above [`MAX_UNCHECKED_HEIGHT`]).
const UNBOUNDED: u16 = u16::MAX;

/// The bounded heights of the defined functions.
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
        CallHeights {
            heights: heights(&calls),
        }
    }

    /// Whether defined function `index` has a height of at most [`MAX_UNCHECKED_HEIGHT`].
    pub fn bounded(&self, index: u32) -> bool {
        self.heights
            .get(index as usize)
            .is_some_and(|&h| h <= MAX_UNCHECKED_HEIGHT)
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

/// Each function's height from its direct calls (`None`: unbounded), by a depth-first walk
/// without recursion. A function on a cycle meets an open function on every path around it,
/// so it ends unbounded.
fn heights(calls: &[Option<Vec<u32>>]) -> Vec<u16> {
    let mut height = vec![0u16; calls.len()];
    let mut visit = vec![Visit::New; calls.len()];
    // (function, how many of its calls are looked at); `height` holds, for an open function,
    // the greatest height plus one of its calls so far.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..calls.len() {
        if visit[root] != Visit::New {
            continue;
        }
        visit[root] = Visit::Open;
        stack.push((root, 0));
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            let callee = match &calls[node] {
                Some(callees) => callees.get(*next).copied(),
                None => {
                    height[node] = UNBOUNDED;
                    None
                }
            };
            if let Some(callee) = callee {
                *next += 1;
                let callee = callee as usize;
                match visit[callee] {
                    Visit::New => {
                        visit[callee] = Visit::Open;
                        stack.push((callee, 0));
                    }
                    Visit::Open => height[node] = UNBOUNDED,
                    Visit::Done => height[node] = height[node].max(above(height[callee])),
                }
                continue;
            }
            visit[node] = Visit::Done;
            stack.pop();
            if let Some(&(caller, _)) = stack.last() {
                height[caller] = height[caller].max(above(height[node]));
            }
        }
    }
    height
}

/// The height of a function whose highest callee has height `h`.
fn above(h: u16) -> u16 {
    match h < MAX_UNCHECKED_HEIGHT {
        true => h + 1,
        false => UNBOUNDED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(calls: &[Option<&[u32]>]) -> Vec<u16> {
        let calls: Vec<Option<Vec<u32>>> = calls.iter().map(|c| c.map(<[u32]>::to_vec)).collect();
        heights(&calls)
    }

    #[test]
    fn heights_count_the_longest_chain_of_direct_calls() {
        // 0 -> 1 -> 2, 0 -> 2, 3 alone.
        assert_eq!(
            of(&[Some(&[1, 2]), Some(&[2]), Some(&[]), Some(&[])]),
            [2, 1, 0, 0]
        );
    }

    #[test]
    fn cycles_and_what_reaches_them_are_unbounded() {
        // 0 -> 1 -> 2 -> 1, 3 -> 0, 4 -> 4, 5 -> 6 (no bound: indirect).
        let h = of(&[
            Some(&[1]),
            Some(&[2]),
            Some(&[1]),
            Some(&[0]),
            Some(&[4]),
            Some(&[6]),
            None,
        ]);
        assert_eq!(h, [UNBOUNDED; 7]);
        // The same graph walked from another root first.
        let h = of(&[Some(&[]), Some(&[2]), Some(&[3]), Some(&[2, 0])]);
        assert_eq!(h, [0, UNBOUNDED, UNBOUNDED, UNBOUNDED]);
    }

    #[test]
    fn a_chain_longer_than_the_bound_is_unbounded_from_where_it_exceeds_it() {
        let n = MAX_UNCHECKED_HEIGHT as u32 + 3;
        let calls: Vec<Option<Vec<u32>>> = (0..n)
            .map(|i| Some(if i + 1 < n { vec![i + 1] } else { vec![] }))
            .collect();
        let h = heights(&calls);
        for (i, &h) in h.iter().enumerate() {
            let expected = n as usize - 1 - i;
            match expected <= MAX_UNCHECKED_HEIGHT as usize {
                true => assert_eq!(h as usize, expected),
                false => assert_eq!(h, UNBOUNDED),
            }
        }
    }

    #[test]
    fn calls_through_tables_references_and_imports_are_unbounded() {
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
                (elem declare func $leaf))"#,
        )
        .unwrap();
        let parsed = crate::module::parse(&module).unwrap();
        let heights = CallHeights::find(1, &parsed.functions);
        assert_eq!(heights.heights[..3], [0, 1, 2]);
        assert!((0..3).all(|i| heights.bounded(i)));
        assert!((3..6).all(|i| !heights.bounded(i)));
        assert!(!heights.bounded(6));
    }
}
