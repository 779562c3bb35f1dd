//! Whether this CPU has the features a compiled module's machine code uses. The compiler
//! records them by Cranelift setting name (`wasmaot_abi::ModuleMeta::cpu_features`); code is
//! never entered on a CPU lacking one, so a missing feature is an error, never a SIGILL.

use crate::prelude::*;

use super::arch::has_feature;

/// The features of `required` this CPU lacks, by their usual names (`avx2`, `sse4.1`, ...).
/// A name this runtime does not know counts as missing.
pub fn missing_features(required: &[String]) -> Vec<String> {
    required
        .iter()
        .filter(|name| !has_feature(name))
        .map(|name| display_name(name))
        .collect()
}

/// `has_sse41` -> `sse4.1`, `has_avx2` -> `avx2`.
fn display_name(setting: &str) -> String {
    let name = setting.strip_prefix("has_").unwrap_or(setting);
    match name {
        "sse41" => "sse4.1".to_string(),
        "sse42" => "sse4.2".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_features_are_missing() {
        let required = vec!["has_teleportation".to_string()];
        assert_eq!(missing_features(&required), vec!["teleportation"]);
    }

    #[test]
    fn nothing_required_nothing_missing() {
        assert!(missing_features(&[]).is_empty());
    }

    /// The runtime's own detection (it has no standard library) answers as the standard
    /// library's does, feature by feature.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn detection_agrees_with_std() {
        use std::is_x86_feature_detected as std_has;
        let pairs = [
            ("has_sse3", std_has!("sse3")),
            ("has_ssse3", std_has!("ssse3")),
            ("has_sse41", std_has!("sse4.1")),
            ("has_sse42", std_has!("sse4.2")),
            ("has_popcnt", std_has!("popcnt")),
            ("has_cmpxchg16b", std_has!("cmpxchg16b")),
            ("has_avx", std_has!("avx")),
            ("has_avx2", std_has!("avx2")),
            ("has_fma", std_has!("fma")),
            ("has_bmi1", std_has!("bmi1")),
            ("has_bmi2", std_has!("bmi2")),
            ("has_lzcnt", std_has!("lzcnt")),
            ("has_avx512f", std_has!("avx512f")),
            ("has_avx512dq", std_has!("avx512dq")),
            ("has_avx512vl", std_has!("avx512vl")),
            ("has_avx512vbmi", std_has!("avx512vbmi")),
            ("has_avx512bitalg", std_has!("avx512bitalg")),
            ("has_avx512vnni", std_has!("avx512vnni")),
            ("has_avx_vnni", std_has!("avxvnni")),
        ];
        for (setting, expected) in pairs {
            assert_eq!(super::has_feature(setting), expected, "{setting}");
        }
    }

    /// As above, on aarch64.
    #[cfg(target_arch = "aarch64")]
    #[test]
    fn detection_agrees_with_std() {
        use std::arch::is_aarch64_feature_detected as std_has;
        let pairs = [
            ("has_lse", std_has!("lse")),
            ("has_pauth", std_has!("paca")),
            ("has_fp16", std_has!("fp16")),
            ("has_dotprod", std_has!("dotprod")),
            ("has_i8mm", std_has!("i8mm")),
        ];
        for (setting, expected) in pairs {
            assert_eq!(super::has_feature(setting), expected, "{setting}");
        }
    }

    /// Every feature the compiler may record for code tuned to this CPU (`--target-cpu
    /// native`) is one this runtime detects: code compiled here always runs here.
    #[test]
    fn native_code_runs_on_the_cpu_it_was_compiled_for() {
        use wasmaot_compiler::{host_triple, isa, OptLevel, TargetCpu};
        let isa = isa::target_isa(host_triple(), OptLevel::O2, TargetCpu::Native).expect("ISA");
        let required = isa::cpu_features(&*isa);
        assert_eq!(missing_features(&required), Vec::<String>::new());
    }
}
