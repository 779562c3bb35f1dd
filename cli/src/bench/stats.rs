//! Statistics that hold on a noisy machine: medians with distribution-free confidence intervals
//! (order statistics of the binomial), ratios with intervals, and a verdict on the spread.

/// The confidence level asked of every interval.
pub const CONFIDENCE: f64 = 0.95;

/// A relative interval width (high - low over the median) above which figures are flagged.
pub const UNRELIABLE_WIDTH: f64 = 0.10;

/// One phase's samples, summarised.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub runs: usize,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// Bounds of the interval that holds the true median with probability `level`.
    pub ci_low: f64,
    pub ci_high: f64,
    /// The interval's actual coverage (at least [`CONFIDENCE`] from 6 runs on; with fewer runs
    /// the interval is min..max and covers less).
    pub level: f64,
}

/// A ratio of two medians with an interval built from the two medians' intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ratio {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// Median, extremes and the median's confidence interval; `None` for no samples or any sample
/// that is not a finite number.
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    if samples.is_empty() || samples.iter().any(|s| !s.is_finite()) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let (rank, level) = median_interval_rank(n);
    Some(Summary {
        runs: n,
        median,
        min: sorted[0],
        max: sorted[n - 1],
        ci_low: sorted[rank],
        ci_high: sorted[n - 1 - rank],
        level,
    })
}

/// The 0-based rank `j` such that sorted[j]..=sorted[n-1-j] holds the median with probability
/// at least [`CONFIDENCE`], as narrow as possible, and that probability. Each sample falls below
/// the true median with probability 1/2, so the count below it is Binomial(n, 1/2): the interval
/// misses when j or fewer samples fall on one side.
pub fn median_interval_rank(n: usize) -> (usize, f64) {
    let mut rank = 0;
    let mut tail = 0.5f64.powi(n as i32); // P(count <= 0)
    let mut level = 1.0 - 2.0 * tail;
    let mut term = tail;
    for j in 1..n / 2 {
        // P(count = j) from P(count = j - 1).
        term *= (n - j + 1) as f64 / j as f64;
        let next_tail = tail + term; // P(count <= j)
        let next_level = 1.0 - 2.0 * next_tail;
        if next_level < CONFIDENCE {
            break;
        }
        rank = j;
        tail = next_tail;
        level = next_level;
    }
    (rank, level.max(0.0))
}

/// `a / b` by medians; the interval pairs the extreme ends of both medians' intervals, so it
/// covers the true ratio at least as often as both intervals hold together.
pub fn ratio(a: &Summary, b: &Summary) -> Option<Ratio> {
    if b.median <= 0.0 || b.ci_low <= 0.0 {
        return None;
    }
    Some(Ratio {
        value: a.median / b.median,
        low: a.ci_low / b.ci_high,
        high: a.ci_high / b.ci_low,
    })
}

/// Geometric mean of positive values (`None` if there are none).
pub fn geometric_mean(values: &[f64]) -> Option<f64> {
    let logs: Vec<f64> = values
        .iter()
        .filter(|v| **v > 0.0 && v.is_finite())
        .map(|v| v.ln())
        .collect();
    if logs.is_empty() {
        return None;
    }
    Some((logs.iter().sum::<f64>() / logs.len() as f64).exp())
}

/// Why these figures should not be trusted, if they should not.
pub fn spread_warning(s: &Summary) -> Option<String> {
    if s.level < CONFIDENCE {
        return Some(format!(
            "only {} runs: the interval is min..max and covers {:.0}%",
            s.runs,
            s.level * 100.0
        ));
    }
    if s.median > 0.0 {
        let width = (s.ci_high - s.ci_low) / s.median;
        if width > UNRELIABLE_WIDTH {
            return Some(format!(
                "unreliable: the 95% interval spans {:.0}% of the median (min {}, max {})",
                width * 100.0,
                crate::bench::units::seconds(s.min),
                crate::bench::units::seconds(s.max)
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P(Binomial(n, 1/2) <= k), summed directly.
    fn binomial_tail(n: usize, k: usize) -> f64 {
        let mut choose = 1.0f64;
        let mut sum = 0.0;
        for i in 0..=k {
            if i > 0 {
                choose *= (n - i + 1) as f64 / i as f64;
            }
            sum += choose;
        }
        sum / 2f64.powi(n as i32)
    }

    #[test]
    fn median_of_odd_and_even_samples() {
        let s = summarize(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 5.0));
        let s = summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.median, 2.5);
    }

    #[test]
    fn no_samples_or_bad_samples_give_no_summary() {
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[1.0, f64::NAN]).is_none());
        assert!(summarize(&[f64::INFINITY]).is_none());
    }

    #[test]
    fn interval_rank_is_the_narrowest_with_95_percent_coverage() {
        for n in 1..200 {
            let (rank, level) = median_interval_rank(n);
            if n >= 6 {
                assert!(level >= CONFIDENCE, "n={n} level={level}");
                let narrower = 1.0 - 2.0 * binomial_tail(n, rank + 1);
                assert!(narrower < CONFIDENCE, "n={n}: rank {} also holds", rank + 1);
                let exact = 1.0 - 2.0 * binomial_tail(n, rank);
                assert!((exact - level).abs() < 1e-9, "n={n}");
            } else {
                assert_eq!(rank, 0, "n={n}");
                assert!(level < CONFIDENCE);
            }
        }
        // Known values: with 10 runs the interval is the 2nd..9th smallest (97.9%).
        let (rank, level) = median_interval_rank(10);
        assert_eq!(rank, 1);
        assert!((level - (1.0 - 2.0 * 11.0 / 1024.0)).abs() < 1e-12);
    }

    #[test]
    fn interval_covers_the_true_median_about_95_percent_of_the_time() {
        // Samples from a skewed distribution (true median known) with a fixed-seed generator.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut uniform = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let true_median = std::f64::consts::LN_2; // of Exp(1)
        let trials = 4000;
        let mut covered = 0;
        for _ in 0..trials {
            let samples: Vec<f64> = (0..15).map(|_| -(1.0 - uniform()).ln()).collect();
            let s = summarize(&samples).unwrap();
            if s.ci_low <= true_median && true_median <= s.ci_high {
                covered += 1;
            }
        }
        let rate = covered as f64 / trials as f64;
        let (_, level) = median_interval_rank(15);
        assert!(
            (rate - level).abs() < 0.02,
            "coverage {rate}, expected {level}"
        );
    }

    #[test]
    fn ratio_interval_contains_the_ratio() {
        let a = summarize(&[2.0, 2.1, 1.9, 2.0, 2.2, 1.8, 2.0, 2.05, 1.95, 2.0]).unwrap();
        let b = summarize(&[1.0, 1.05, 0.95, 1.0, 1.1, 0.9, 1.0, 1.0, 1.02, 0.98]).unwrap();
        let r = ratio(&a, &b).unwrap();
        assert!((r.value - 2.0).abs() < 1e-12);
        assert!(r.low < r.value && r.value < r.high);
        assert!((r.low - a.ci_low / b.ci_high).abs() < 1e-12);
        let zero = summarize(&[0.0; 8]).unwrap();
        assert!(ratio(&a, &zero).is_none());
    }

    #[test]
    fn spread_flags_noisy_and_short_series_only() {
        let steady: Vec<f64> = (0..20).map(|i| 1.0 + (i % 3) as f64 * 0.001).collect();
        assert!(spread_warning(&summarize(&steady).unwrap()).is_none());
        let noisy: Vec<f64> = (0..20).map(|i| 1.0 + (i % 5) as f64 * 0.2).collect();
        let warning = spread_warning(&summarize(&noisy).unwrap()).unwrap();
        assert!(warning.starts_with("unreliable"), "{warning}");
        let short = spread_warning(&summarize(&[1.0, 1.0, 1.0]).unwrap()).unwrap();
        assert!(short.contains("only 3 runs"), "{short}");
    }

    #[test]
    fn geometric_mean_ignores_what_is_not_positive() {
        assert!((geometric_mean(&[2.0, 8.0]).unwrap() - 4.0).abs() < 1e-12);
        assert!((geometric_mean(&[2.0, 8.0, 0.0, f64::NAN]).unwrap() - 4.0).abs() < 1e-12);
        assert!(geometric_mean(&[]).is_none());
    }
}
