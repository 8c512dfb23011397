//! Reading the bearer token from a request header, independent of the HTTP library.

/// What the authorization header holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials<'a> {
    /// No such header.
    Absent,
    /// A header with another scheme (e.g. `Basic`): no bearer credentials.
    OtherScheme,
    /// The configured scheme with not exactly one value, several headers, or bytes that are
    /// not visible ASCII.
    Malformed,
    /// One bearer token.
    Bearer(&'a str),
}

/// Parses the values of the authorization header (all occurrences, in order). The scheme is
/// matched case-insensitively (RFC 7235 §2.1); exactly one token must follow it.
///
/// ```
/// use cognito_auth::web::{Credentials, parse_credentials};
///
/// assert_eq!(parse_credentials(&[b"Bearer abc.def.ghi"], "Bearer"), Credentials::Bearer("abc.def.ghi"));
/// assert_eq!(parse_credentials(&[b"bearer abc"], "Bearer"), Credentials::Bearer("abc"));
/// assert_eq!(parse_credentials(&[b"Basic dXNlcjpwdw=="], "Bearer"), Credentials::OtherScheme);
/// assert_eq!(parse_credentials(&[b"Bearer"], "Bearer"), Credentials::Malformed);
/// assert_eq!(parse_credentials(&[b"Bearer a b"], "Bearer"), Credentials::Malformed);
/// assert_eq!(parse_credentials(&[], "Bearer"), Credentials::Absent);
/// ```
pub fn parse_credentials<'a>(values: &[&'a [u8]], scheme: &str) -> Credentials<'a> {
    let value = match values {
        [] => return Credentials::Absent,
        [one] => *one,
        _ => return Credentials::Malformed,
    };
    // This runs on every request over a ~1 KB header. The two full-length checks are folds
    // without early exit, which the compiler vectorises; the searches below only walk the
    // few bytes at the edges.
    let is_ws = |b: u8| b == b' ' || b == b'\t';
    if has_invalid_byte(value) {
        return Credentials::Malformed;
    }
    let Some(start) = value.iter().position(|&b| !is_ws(b)) else {
        return Credentials::OtherScheme;
    };
    let end = value
        .iter()
        .rposition(|&b| !is_ws(b))
        .map_or(start, |e| e + 1);
    let text = &value[start..end];
    let head_end = text.iter().position(|&b| is_ws(b)).unwrap_or(text.len());
    if !text[..head_end].eq_ignore_ascii_case(scheme.as_bytes()) {
        return Credentials::OtherScheme;
    }
    let rest = &text[head_end..];
    let Some(tok_start) = rest.iter().position(|&b| !is_ws(b)) else {
        return Credentials::Malformed;
    };
    let token = &rest[tok_start..];
    if has_whitespace(token) {
        return Credentials::Malformed;
    }
    // Only visible ASCII is left, so this cannot fail.
    match std::str::from_utf8(token) {
        Ok(t) => Credentials::Bearer(t),
        Err(_) => Credentials::Malformed,
    }
}

/// Any byte other than visible ASCII, space or tab. Branch-free, so it vectorises.
fn has_invalid_byte(v: &[u8]) -> bool {
    let mut acc = 0u8;
    for &b in v {
        acc |= (u8::from(b < 0x20) & u8::from(b != b'\t')) | u8::from(b >= 0x7f);
    }
    acc != 0
}

/// Any space or tab. Branch-free, so it vectorises.
fn has_whitespace(v: &[u8]) -> bool {
    let mut acc = 0u8;
    for &b in v {
        acc |= u8::from(b == b' ') | u8::from(b == b'\t');
    }
    acc != 0
}
