//! Entry points for the fuzz targets (`fuzz/`), compiled only under `cfg(fuzzing)`: the
//! parsers that are not public API, driven exactly as the library drives them.

#![allow(missing_docs)]

/// The token-endpoint answer parsers: M2M, hosted UI, OAuth2 errors, `Retry-After`.
pub fn token_endpoint(status: u16, retry_after: Option<&str>, body: &[u8]) {
    let mut headers = http::HeaderMap::new();
    if let Some(ra) = retry_after.and_then(|v| http::HeaderValue::from_str(v).ok()) {
        headers.insert(http::header::RETRY_AFTER, ra);
    }
    let resp = crate::transport::HttpResponse {
        status,
        headers,
        body: bytes::Bytes::copy_from_slice(body),
    };
    let now = std::time::Instant::now();
    let _ = crate::m2m::fuzz_parse_token_response(resp, now);
    let _ = crate::oauth2::oauth_error(body);
    #[cfg(feature = "hosted-ui")]
    let _ = crate::hosted_ui::fuzz_parse_tokens(body);
}

/// The AWS JSON answer parsers: error answers, sign-in answers and their challenges,
/// identity-pool credentials.
#[cfg(all(feature = "user", feature = "identity"))]
pub fn aws_json(status: u16, request_id: Option<&str>, body: &[u8]) {
    let mut headers = http::HeaderMap::new();
    if let Some(id) = request_id.and_then(|v| http::HeaderValue::from_str(v).ok()) {
        headers.insert("x-amzn-requestid", id);
    }
    let _ = crate::aws_json::parse_error("Fuzz", status, &headers, body);
    crate::user::fuzz_auth_response(body);
    crate::identity::fuzz_credentials(body);
}

/// The hosted-UI callback's query parser.
#[cfg(feature = "hosted-ui")]
pub fn callback_query(query: &str) {
    let _ = crate::hosted_ui::fuzz_callback_query(query);
}
