//! Floating-point values as the text format writes them exactly: hexadecimal significand and
//! binary exponent (`0x1.8p+0`), `inf`, `nan` and `nan:0x...` for a NaN's payload. Exact for
//! every bit pattern, and small: the runtime linked into executables has no decimal float
//! formatting (it would be the largest part of its formatting code).

use core::fmt;

/// An `f32`, by its bit pattern.
pub struct F32(pub u32);

/// An `f64`, by its bit pattern.
pub struct F64(pub u64);

impl fmt::Display for F32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_float(f, u64::from(self.0), 8, 23)
    }
}

impl fmt::Display for F64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_float(f, self.0, 11, 52)
    }
}

/// Write the float of `bits` with `exp_bits` of exponent and `frac_bits` of fraction.
fn write_float(
    f: &mut fmt::Formatter<'_>,
    bits: u64,
    exp_bits: u32,
    frac_bits: u32,
) -> fmt::Result {
    let fraction = bits & ((1 << frac_bits) - 1);
    let max_exp = (1 << exp_bits) - 1;
    let exp = (bits >> frac_bits) & max_exp;
    if bits >> (frac_bits + exp_bits) & 1 == 1 {
        f.write_str("-")?;
    }
    if exp == max_exp {
        return match fraction {
            0 => f.write_str("inf"),
            quiet if quiet == 1 << (frac_bits - 1) => f.write_str("nan"),
            payload => write!(f, "nan:{payload:#x}"),
        };
    }
    if exp == 0 && fraction == 0 {
        return f.write_str("0x0p+0");
    }
    let bias = (max_exp >> 1) as i64;
    // A subnormal number has the smallest exponent and no implicit leading 1.
    let (lead, power) = match exp {
        0 => (0, 1 - bias),
        _ => (1, exp as i64 - bias),
    };
    write!(f, "0x{lead}")?;
    if fraction != 0 {
        // The fraction in whole hex digits, its trailing zero digits left out.
        let digits = frac_bits.div_ceil(4);
        let mut aligned = fraction << (digits * 4 - frac_bits);
        let mut width = digits as usize;
        while aligned & 0xf == 0 {
            aligned >>= 4;
            width -= 1;
        }
        write!(f, ".{aligned:0width$x}")?;
    }
    write!(f, "p{power:+}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn f32_text(v: f32) -> String {
        F32(v.to_bits()).to_string()
    }

    fn f64_text(v: f64) -> String {
        F64(v.to_bits()).to_string()
    }

    #[test]
    fn values_read_as_in_the_text_format() {
        assert_eq!(f32_text(1.5), "0x1.8p+0");
        assert_eq!(f32_text(1.0), "0x1p+0");
        assert_eq!(f32_text(-0.25), "-0x1p-2");
        assert_eq!(f32_text(0.1), "0x1.99999ap-4");
        assert_eq!(f32_text(f32::MAX), "0x1.fffffep+127");
        assert_eq!(f32_text(f32::MIN_POSITIVE), "0x1p-126");
        assert_eq!(f32_text(f32::from_bits(1)), "0x0.000002p-126");
        assert_eq!(f64_text(0.1), "0x1.999999999999ap-4");
        assert_eq!(f64_text(1024.0), "0x1p+10");
        assert_eq!(f64_text(f64::from_bits(1)), "0x0.0000000000001p-1022");
        assert_eq!(f64_text(f64::MAX), "0x1.fffffffffffffp+1023");
    }

    #[test]
    fn zeros_infinities_and_nans() {
        assert_eq!(f32_text(0.0), "0x0p+0");
        assert_eq!(f32_text(-0.0), "-0x0p+0");
        assert_eq!(f64_text(f64::INFINITY), "inf");
        assert_eq!(f32_text(f32::NEG_INFINITY), "-inf");
        assert_eq!(f32_text(f32::NAN), "nan");
        assert_eq!(F32(0xffc0_0000).to_string(), "-nan");
        assert_eq!(F32(0x7f80_0001).to_string(), "nan:0x1");
        assert_eq!(
            F64(0x7ff4_0000_0000_0000).to_string(),
            "nan:0x4000000000000"
        );
    }

    #[test]
    fn every_text_parses_back_to_its_bits() {
        // Rust's own parser has no hex floats: rebuild the value from the text's parts.
        for bits in [
            0x3fc0_0000u32,
            0x3dcc_cccd,
            0x0000_0001,
            0x007f_ffff,
            0x4b00_0001,
        ] {
            let text = F32(bits).to_string();
            let (mantissa, power) = text.trim_start_matches("0x").split_once('p').unwrap();
            let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
            let digits = u64::from_str_radix(&format!("{int}{frac}"), 16).unwrap();
            let power: i32 = power.parse().unwrap();
            let value = digits as f64 * 2f64.powi(power - 4 * frac.len() as i32);
            assert_eq!((value as f32).to_bits(), bits, "{text}");
        }
    }
}
