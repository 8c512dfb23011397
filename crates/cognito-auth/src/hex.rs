//! Lowercase hex, written straight into one buffer (no temporary per byte).

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends the lowercase hex of `bytes` to `out`.
pub(crate) fn lower_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

/// The lowercase hex of `bytes`.
pub(crate) fn lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    lower_into(bytes, &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_byte_value() {
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(super::lower(&all), expected);
        let mut s = String::from("x:");
        super::lower_into(&[0x0f, 0xa0], &mut s);
        assert_eq!(s, "x:0fa0");
    }
}
