//! One OAuth2 token-endpoint exchange for every client of this crate (M2M client
//! credentials, the hosted UI's code exchange, refresh and revocation): client
//! authentication per RFC 6749 §2.3.1, a form body that is zeroised after sending, and the
//! `error` / `error_description` of refusals.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::secret::ClientSecret;
use crate::transport::{Http, HttpResponse, TransportError};

/// How the client authenticates at the endpoint.
#[derive(Clone, Copy)]
pub(crate) enum ClientAuthentication<'a> {
    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))`.
    Basic(&'a str, &'a ClientSecret),
    /// `client_id` and `client_secret` in the form body.
    Body(&'a str, &'a ClientSecret),
    /// A public client: `client_id` in the form body only.
    #[cfg_attr(not(feature = "hosted-ui"), allow(dead_code))]
    Public(&'a str),
}

/// RFC 6749 §2.3.1: form-urlencode id and secret, then base64 `id:secret`. The header value
/// is marked sensitive (never logged by the HTTP stack).
pub(crate) fn basic_auth(id: &str, secret: &ClientSecret) -> http::HeaderValue {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut creds = zeroize::Zeroizing::new(format!("{}:{}", enc(id), enc(secret.expose())));
    let value = zeroize::Zeroizing::new(format!("Basic {}", STANDARD.encode(creds.as_bytes())));
    zeroize::Zeroize::zeroize(&mut *creds);
    let mut v = http::HeaderValue::from_str(&value)
        .unwrap_or_else(|_| http::HeaderValue::from_static("Basic"));
    v.set_sensitive(true);
    v
}

/// POSTs `form` (plus the client's credentials) to `url` and reads the capped response.
pub(crate) async fn post_form(
    http: &Http,
    url: &str,
    form: &[(&str, &str)],
    auth: ClientAuthentication<'_>,
) -> Result<HttpResponse, TransportError> {
    let mut req = http
        .post(url)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json");
    let body = {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in form {
            ser.append_pair(k, v);
        }
        match auth {
            ClientAuthentication::Basic(id, secret) => {
                req = req.header(http::header::AUTHORIZATION, basic_auth(id, secret));
            }
            ClientAuthentication::Body(id, secret) => {
                ser.append_pair("client_id", id);
                ser.append_pair("client_secret", secret.expose());
            }
            ClientAuthentication::Public(id) => {
                ser.append_pair("client_id", id);
            }
        }
        crate::transport::zeroizing_body(ser.finish().into_bytes())
    };
    http.send(url, req.body(body)).await
}

/// The `error` and `error_description` of a refusal (RFC 6749 §5.2), when the body is JSON.
pub(crate) fn oauth_error(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(serde::Deserialize)]
    struct E {
        error: Option<serde_json::Value>,
        error_description: Option<serde_json::Value>,
    }
    let short = |v: Option<serde_json::Value>| {
        v.and_then(|v| v.as_str().map(|s| s.chars().take(256).collect::<String>()))
    };
    match serde_json::from_slice::<E>(body) {
        Ok(e) => (short(e.error), short(e.error_description)),
        Err(_) => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_encodes_per_rfc6749() {
        let v = basic_auth("my client", &ClientSecret::new("p:w"));
        let b64 = v.to_str().unwrap().strip_prefix("Basic ").unwrap();
        assert_eq!(STANDARD.decode(b64).unwrap(), b"my+client:p%3Aw");
        assert!(v.is_sensitive());
    }

    #[test]
    fn oauth_errors_are_read_when_present() {
        assert_eq!(
            oauth_error(br#"{"error":"invalid_grant","error_description":"bad"}"#),
            (Some("invalid_grant".into()), Some("bad".into()))
        );
        assert_eq!(oauth_error(b"<html>"), (None, None));
        assert_eq!(oauth_error(br#"{"error":7}"#), (None, None));
    }
}
