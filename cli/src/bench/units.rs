//! Durations and ratios as people read them: three significant figures and a unit.

/// `0.0123` -> `12.3 ms`.
pub fn seconds(s: f64) -> String {
    let (value, unit) = if s >= 1.0 {
        (s, "s")
    } else if s >= 1e-3 {
        (s * 1e3, "ms")
    } else if s >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    };
    format!("{} {unit}", significant(value))
}

/// Three significant figures, without exponent.
pub fn significant(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// `1.234` -> `1.23x`.
pub fn times(r: f64) -> String {
    format!("{}x", significant(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_unit_and_three_figures() {
        assert_eq!(seconds(1.5), "1.50 s");
        assert_eq!(seconds(0.0123), "12.3 ms");
        assert_eq!(seconds(0.000_456_7), "457 µs");
        assert_eq!(seconds(2.5e-8), "25.0 ns");
        assert_eq!(times(0.5), "0.50x");
        assert_eq!(times(123.4), "123x");
    }
}
