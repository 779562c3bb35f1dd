//! Whether this CPU has the features a compiled module's machine code uses. The compiler
//! records them by Cranelift setting name (`wasmaot_abi::ModuleMeta::cpu_features`); code is
//! never entered on a CPU lacking one, so a missing feature is an error, never a SIGILL.

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

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn detection_agrees_with_std() {
        let required = vec!["has_sse41".to_string(), "has_avx2".to_string()];
        let expected: Vec<&str> = [
            (!is_x86_feature_detected!("sse4.1")).then_some("sse4.1"),
            (!is_x86_feature_detected!("avx2")).then_some("avx2"),
        ]
        .into_iter()
        .flatten()
        .collect();
        assert_eq!(missing_features(&required), expected);
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
