//! Reading the bearer token from a request header, independent of the HTTP library.

/// What the authorization header holds.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    let Ok(text) = std::str::from_utf8(value) else {
        return Credentials::Malformed;
    };
    if !text
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
    {
        return Credentials::Malformed;
    }
    let text = text.trim_matches([' ', '\t']);
    let (head, rest) = match text.find([' ', '\t']) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    if !head.eq_ignore_ascii_case(scheme) {
        return Credentials::OtherScheme;
    }
    let mut parts = rest.split([' ', '\t']).filter(|p| !p.is_empty());
    match (parts.next(), parts.next()) {
        (Some(token), None) => Credentials::Bearer(token),
        _ => Credentials::Malformed,
    }
}
