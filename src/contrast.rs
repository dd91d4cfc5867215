//! Readable text on any brand colour: the WCAG 2 contrast ratio, and the text colour a host's
//! accent gets (black or white, whichever contrasts more; one of the two always reaches AA's
//! 4.5:1). Pure arithmetic, tested natively.

/// WCAG AA for normal text.
pub const AA: f64 = 4.5;

/// The relative luminance of a `#rgb` or `#rrggbb` colour, or `None` if it is neither.
pub fn luminance(colour: &str) -> Option<f64> {
    let hex = colour.strip_prefix('#')?;
    let digits: Vec<u8> = hex.chars().map(|c| c.to_digit(16).map(|d| d as u8)).collect::<Option<_>>()?;
    let channels: [u8; 3] = match digits[..] {
        [r, g, b] => [r * 17, g * 17, b * 17],
        [r1, r0, g1, g0, b1, b0] => [r1 * 16 + r0, g1 * 16 + g0, b1 * 16 + b0],
        _ => return None,
    };
    let [r, g, b] = channels.map(linear);
    Some(0.2126 * r + 0.7152 * g + 0.0722 * b)
}

/// An sRGB channel as linear light: WCAG's `((c + 0.055) / 1.055) ^ 2.4`.
fn linear(channel: u8) -> f64 {
    let c = f64::from(channel) / 255.0;
    if c <= 0.04045 {
        return c / 12.92;
    }
    let x = (c + 0.055) / 1.055;
    x * x * pow_two_fifths(x)
}

/// `x ^ 0.4` from square roots, one wasm instruction each, where `powf` would ship a libm
/// routine to every visitor: 0.4 is 0.0110 0110 0110… in binary, and each root halves the
/// exponent, so multiplying the roots of the one bits gives `x ^ 0.39990`, 0.01 % off for any
/// channel.
fn pow_two_fifths(x: f64) -> f64 {
    let (mut root, mut power) = (x, 1.0);
    for bit in [false, true, true, false, false, true, true, false, false, true, true, false] {
        root = root.sqrt();
        if bit {
            power *= root;
        }
    }
    power
}

/// The contrast ratio between two luminances, from 1 to 21.
pub fn ratio(a: f64, b: f64) -> f64 {
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// The text colour for `accent`: white unless black contrasts more.
pub fn text_on(accent: &str) -> &'static str {
    match luminance(accent) {
        Some(l) if ratio(l, 0.0) > ratio(l, 1.0) => "#000",
        _ => "#fff",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() / expected < 0.005
    }

    #[test]
    fn the_power_from_square_roots_matches_powf() {
        for step in 1..=100 {
            let x = f64::from(step) / 100.0;
            assert!((pow_two_fifths(x) / x.powf(0.4) - 1.0).abs() < 0.0005, "{x}");
        }
    }

    #[test]
    fn ratios_match_wcags_reference_values() {
        let white = luminance("#fff").unwrap_or_default();
        for (colour, expected) in [("#000000", 21.0), ("#767676", 4.54), ("#f2c94c", 1.59), ("#3b2f8f", 10.6)]
        {
            let l = luminance(colour).unwrap_or_default();
            assert!(close(ratio(l, white), expected), "{colour}: {} not {expected}", ratio(l, white));
        }
        assert_eq!(luminance("#abc"), luminance("#aabbcc"));
        assert_eq!(luminance("#12345g"), None);
        assert_eq!(luminance("red"), None);
    }

    #[test]
    fn every_accent_gets_text_that_passes_aa() {
        assert_eq!(text_on("#f2c94c"), "#000", "black on the light yellow of issue 16");
        assert_eq!(text_on("#3b2f8f"), "#fff");
        for grey in 0..=255_u8 {
            for colour in [format!("#{grey:02x}{grey:02x}{grey:02x}"), format!("#{grey:02x}8000")] {
                let l = luminance(&colour).unwrap_or_default();
                let text = luminance(text_on(&colour)).unwrap_or_default();
                assert!(ratio(l, text) >= AA, "{colour} with {} gives {}", text_on(&colour), ratio(l, text));
            }
        }
    }
}
