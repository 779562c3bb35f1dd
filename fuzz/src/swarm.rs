//! Swarm configurations: each seed turns proposals and limits on and off, so that most
//! modules stress a few features hard instead of every module touching all of them lightly.

use wasm_smith::Config;

use crate::engine::HOST_IMPORTS;
use crate::rng::Rng;

/// The proposals a generated module may use.
#[derive(Clone, Copy, Debug, Default)]
pub struct Features {
    pub simd: bool,
    pub relaxed_simd: bool,
    pub multi_memory: bool,
    pub memory64: bool,
    pub custom_page_sizes: bool,
    pub tail_call: bool,
    pub extended_const: bool,
    pub wide_arithmetic: bool,
    pub bulk_memory: bool,
    pub reference_types: bool,
    pub multi_value: bool,
    pub saturating_float_to_int: bool,
    pub sign_extension: bool,
    /// Typed function references and GC (wasm-smith has one switch for both).
    pub gc: bool,
    pub exceptions: bool,
    pub threads: bool,
    /// The compact import section (several imports of one module sharing its name).
    pub compact_imports: bool,
    /// wasm-smith's trap-free mode (guarded divisors, addresses and table indices). Its
    /// divisor guard, `select(1, x, x == 0)`, meets a wasmi 2.0.0 bug
    /// (`fuzz/regressions/wasmi_select_on_eqz_of_its_operand.wat`).
    pub disallow_traps: bool,
}

impl Features {
    /// What the differential target may turn on: what both wasmaot and wasmi run. wasmi has
    /// neither typed function references nor GC; relaxed SIMD may give one of several
    /// results; wasmi has no exceptions, threads are not in wasmaot yet, compact imports in
    /// neither;
    /// wasm-smith's trap-free mode meets a wasmi bug. Each becomes `true` here when
    /// both engines have it.
    pub const DIFFERENTIAL: Features = Features {
        simd: true,
        relaxed_simd: false,
        multi_memory: true,
        memory64: true,
        custom_page_sizes: true,
        tail_call: true,
        extended_const: true,
        wide_arithmetic: true,
        bulk_memory: true,
        reference_types: true,
        multi_value: true,
        saturating_float_to_int: true,
        sign_extension: true,
        gc: false,
        exceptions: false,
        threads: false,
        compact_imports: false,
        disallow_traps: false,
    };

    /// What the compile-only target uses for most modules: what wasmaot compiles.
    pub const COMPILE_SUPPORTED: Features = Features {
        relaxed_simd: true,
        exceptions: true,
        disallow_traps: true,
        ..Features::DIFFERENTIAL
    };

    /// What the compile-only target may turn on: everything wasm-smith makes, proposals
    /// wasmaot refuses included (the refusal is a path to test too).
    pub const COMPILE: Features = Features {
        relaxed_simd: true,
        gc: true,
        exceptions: true,
        threads: true,
        compact_imports: true,
        disallow_traps: true,
        ..Features::DIFFERENTIAL
    };

    /// A subset of `self`, each proposal kept with probability 3/4.
    fn sample(self, rng: &mut Rng) -> Features {
        let mut keep = |on: bool| on && rng.chance(3, 4);
        Features {
            simd: keep(self.simd),
            relaxed_simd: keep(self.relaxed_simd),
            multi_memory: keep(self.multi_memory),
            memory64: keep(self.memory64),
            custom_page_sizes: keep(self.custom_page_sizes),
            tail_call: keep(self.tail_call),
            extended_const: keep(self.extended_const),
            wide_arithmetic: keep(self.wide_arithmetic),
            bulk_memory: keep(self.bulk_memory),
            reference_types: keep(self.reference_types),
            multi_value: keep(self.multi_value),
            saturating_float_to_int: keep(self.saturating_float_to_int),
            sign_extension: keep(self.sign_extension),
            gc: keep(self.gc),
            exceptions: keep(self.exceptions),
            threads: keep(self.threads),
            compact_imports: keep(self.compact_imports),
            disallow_traps: self.disallow_traps && rng.chance(1, 4),
        }
    }
}

/// One seed's configuration.
#[derive(Clone, Debug)]
pub struct Swarm {
    pub features: Features,
    /// Every NaN the module computes is made canonical, so float bits compare exactly.
    pub canonicalize_nans: bool,
    pub config: Config,
}

/// Sizes of a 32- or 64-bit memory, in bytes: small enough for an interpreter to allocate and
/// compare after every module.
const MEMORY_SIZES: [u64; 4] = [0, 1 << 16, 1 << 20, 16 << 20];

/// A number in `lo..=hi`.
fn pick(rng: &mut Rng, lo: u64, hi: u64) -> usize {
    (lo + rng.below(hi - lo + 1)) as usize
}

impl Swarm {
    /// The configuration for `seed`, choosing among `allowed` features.
    pub fn for_seed(rng: &mut Rng, allowed: Features) -> Swarm {
        let features = allowed.sample(rng);
        let canonicalize_nans = rng.chance(1, 2);
        let memory_bytes = MEMORY_SIZES[pick(rng, 0, 3)];
        let mut config = Config {
            simd_enabled: features.simd,
            relaxed_simd_enabled: features.relaxed_simd,
            memory64_enabled: features.memory64,
            custom_page_sizes_enabled: features.custom_page_sizes,
            tail_call_enabled: features.tail_call,
            extended_const_enabled: features.extended_const,
            wide_arithmetic_enabled: features.wide_arithmetic,
            bulk_memory_enabled: features.bulk_memory,
            reference_types_enabled: features.reference_types,
            multi_value_enabled: features.multi_value,
            saturating_float_to_int_enabled: features.saturating_float_to_int,
            sign_extension_ops_enabled: features.sign_extension,
            gc_enabled: features.gc,
            exceptions_enabled: features.exceptions,
            threads_enabled: features.threads,
            compact_imports_enabled: features.compact_imports,
            canonicalize_nans,
            max_memories: if features.multi_memory {
                pick(rng, 1, 4)
            } else {
                1
            },
            max_tables: if features.reference_types {
                pick(rng, 1, 3)
            } else {
                1
            },
            max_memory32_bytes: memory_bytes,
            max_memory64_bytes: u128::from(memory_bytes),
            memory_max_size_required: true,
            max_table_elements: pick(rng, 1, 1000) as u64,
            table_max_size_required: true,
            min_funcs: 1,
            max_funcs: pick(rng, 1, 40),
            max_instructions: pick(rng, 5, 400),
            max_types: pick(rng, 1, 40),
            max_globals: pick(rng, 0, 20),
            min_exports: 1,
            max_exports: pick(rng, 1, 40),
            max_data_segments: pick(rng, 0, 10),
            max_element_segments: pick(rng, 0, 10),
            max_elements: pick(rng, 0, 50),
            max_nesting_depth: pick(rng, 1, 10),
            min_uleb_size: pick(rng, 1, 3) as u8,
            export_everything: rng.chance(1, 2),
            disallow_traps: features.disallow_traps,
            allow_floats: rng.chance(7, 8),
            generate_custom_sections: rng.chance(1, 8),
            ..Config::default()
        };
        if rng.chance(1, 3) {
            config.available_imports = Some(wat::parse_str(HOST_IMPORTS).expect("host imports"));
            config.max_imports = 4;
        } else {
            config.max_imports = 0;
        }
        Swarm {
            features,
            canonicalize_nans,
            config,
        }
    }
}
