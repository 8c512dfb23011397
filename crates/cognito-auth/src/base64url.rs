//! Unpadded, canonical base64url (RFC 7515 §2), shared by token and key parsing.
//!
//! Decoding runs on every token that is not in the verified-token cache, so it uses
//! `base64-simd` (vectorised where the CPU allows, strict mode): padding, characters outside
//! the URL-safe alphabet and non-zero trailing bits are refused, exactly as by the `base64`
//! crate's strict engine (a differential test below holds the two to the same verdicts).

/// The input is not unpadded, canonical base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid;

/// Decodes unpadded, canonical base64url.
pub(crate) fn decode(s: &str) -> Result<Vec<u8>, Invalid> {
    base64_simd::URL_SAFE_NO_PAD
        .decode_to_vec(s.as_bytes())
        .map_err(|_| Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

    /// The reference: the `base64` crate, strict.
    const STRICT: GeneralPurpose = GeneralPurpose::new(
        &alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(false),
    );

    fn same_verdict(s: &str) {
        assert_eq!(decode(s).ok(), STRICT.decode(s).ok(), "input {s:?}");
    }

    #[test]
    fn refuses_padding_foreign_characters_and_trailing_bits() {
        assert_eq!(decode("").unwrap(), b"");
        assert_eq!(decode("aGk").unwrap(), b"hi");
        assert_eq!(decode("_-8").unwrap(), [0xff, 0xef]);
        for bad in [
            "aGk=", "aGl", "aGm", "a", "aGk+", "aG/k", "a Gk", "aGk\n", "aGk.", "é",
        ] {
            assert_eq!(decode(bad), Err(Invalid), "{bad:?}");
        }
    }

    #[test]
    fn agrees_with_the_strict_reference_on_every_short_input() {
        // Every string of up to three characters over the alphabet plus the characters a
        // lenient decoder might accept: all lengths, all trailing-bit patterns.
        let chars: Vec<char> = ('A'..='Z')
            .chain('a'..='z')
            .chain('0'..='9')
            .chain(['-', '_', '+', '/', '=', '.', ' ', '\n', '\0', 'é'])
            .collect();
        same_verdict("");
        for &a in &chars {
            same_verdict(&a.to_string());
            for &b in &chars {
                same_verdict(&format!("{a}{b}"));
                for &c in &chars {
                    same_verdict(&format!("{a}{b}{c}"));
                }
            }
        }
    }

    #[test]
    fn agrees_with_the_strict_reference_on_long_inputs() {
        // Long enough for the vectorised paths (32 bytes and more), with one character
        // changed at every position, and every truncation.
        let long = STRICT.encode((0..=255u8).cycle().take(700).collect::<Vec<_>>());
        for cut in 0..long.len() {
            same_verdict(&long[..cut]);
        }
        for i in 0..long.len() {
            for sub in ['=', '+', '/', '.', ' ', 'A', '_'] {
                let mut s = long.clone();
                s.replace_range(i..i + 1, &sub.to_string());
                same_verdict(&s);
            }
        }
    }
}
