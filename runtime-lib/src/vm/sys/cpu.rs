//! Whether this CPU has the features a compiled module's machine code uses. The compiler
//! records them by Cranelift setting name (`wasmaot_abi::ModuleMeta::cpu_features`); code is
//! never entered on a CPU lacking one, so a missing feature is an error, never a SIGILL.

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

#[cfg(target_arch = "x86_64")]
fn has_feature(setting: &str) -> bool {
    match setting {
        "has_sse3" => is_x86_feature_detected!("sse3"),
        "has_ssse3" => is_x86_feature_detected!("ssse3"),
        "has_sse41" => is_x86_feature_detected!("sse4.1"),
        "has_sse42" => is_x86_feature_detected!("sse4.2"),
        "has_popcnt" => is_x86_feature_detected!("popcnt"),
        "has_cmpxchg16b" => is_x86_feature_detected!("cmpxchg16b"),
        "has_avx" => is_x86_feature_detected!("avx"),
        "has_avx2" => is_x86_feature_detected!("avx2"),
        "has_fma" => is_x86_feature_detected!("fma"),
        "has_bmi1" => is_x86_feature_detected!("bmi1"),
        "has_bmi2" => is_x86_feature_detected!("bmi2"),
        "has_lzcnt" => is_x86_feature_detected!("lzcnt"),
        "has_avx512f" => is_x86_feature_detected!("avx512f"),
        "has_avx512dq" => is_x86_feature_detected!("avx512dq"),
        "has_avx512vl" => is_x86_feature_detected!("avx512vl"),
        "has_avx512vbmi" => is_x86_feature_detected!("avx512vbmi"),
        "has_avx512bitalg" => is_x86_feature_detected!("avx512bitalg"),
        "has_avx512vnni" => is_x86_feature_detected!("avx512vnni"),
        "has_avx_vnni" => is_x86_feature_detected!("avxvnni"),
        _ => false,
    }
}

#[cfg(target_arch = "aarch64")]
fn has_feature(setting: &str) -> bool {
    match setting {
        "has_lse" => std::arch::is_aarch64_feature_detected!("lse"),
        "has_pauth" => std::arch::is_aarch64_feature_detected!("paca"),
        "has_fp16" => std::arch::is_aarch64_feature_detected!("fp16"),
        _ => false,
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn has_feature(_setting: &str) -> bool {
    false
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
}
