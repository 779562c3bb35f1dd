//! The Sightglass protocol: a module importing `bench.start` and `bench.end` (type `[] -> []`)
//! has only the time between them counted as execution.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The module name of the markers.
pub const MODULE: &str = "bench";
pub const START: &str = "start";
pub const END: &str = "end";

/// Shared by an engine's `bench.start` and `bench.end` host functions.
#[derive(Default)]
pub struct RegionClock {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    open: Option<Instant>,
    measured: Duration,
    regions: u32,
}

impl RegionClock {
    pub fn start(&self) {
        let now = Instant::now();
        if let Ok(mut state) = self.state.lock() {
            state.open = Some(now);
        }
    }

    /// Closes the open region; an `end` without a `start` is ignored.
    pub fn end(&self) {
        let now = Instant::now();
        if let Ok(mut state) = self.state.lock() {
            if let Some(open) = state.open.take() {
                state.measured += now - open;
                state.regions += 1;
            }
        }
    }

    /// Execute time: the sum of the marked regions if there was one, else `whole_call`.
    pub fn execute_seconds(&self, whole_call: Duration) -> f64 {
        match self.state.lock() {
            Ok(state) if state.regions > 0 => state.measured.as_secs_f64(),
            _ => whole_call.as_secs_f64(),
        }
    }
}
