//! The unsigned AWS JSON 1.1 calls Cognito serves without SigV4: user-pool operations
//! (`AWSCognitoIdentityProviderService.<Op>`) and identity-pool operations
//! (`AWSCognitoIdentityService.<Op>`). A POST of `application/x-amz-json-1.1` with
//! `X-Amz-Target`; errors come back as `{"__type": "...Exception", "message": "..."}`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::transport::{Http, HttpConfig, TransportError};

/// An error answer from a Cognito JSON API, or a failure to get one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallError {
    /// A typed error: `__type` without namespace, and the message.
    Service {
        status: u16,
        type_name: String,
        message: String,
    },
    /// Not JSON (e.g. an emulator's HTML 500 page).
    Unparsable { status: u16 },
    /// The request did not complete.
    Transport(TransportError),
    /// A 2xx answer that does not match the expected shape.
    Shape(String),
}

#[derive(Clone, Debug)]
pub(crate) struct AwsJson {
    http: Http,
    endpoint: String,
    service: &'static str,
}

impl AwsJson {
    pub fn new(
        endpoint: String,
        service: &'static str,
        http: HttpConfig,
    ) -> Result<Self, TransportError> {
        Ok(AwsJson {
            http: Http::new(http)?,
            endpoint,
            service,
        })
    }

    #[cfg_attr(not(feature = "user"), allow(dead_code))]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Calls `op` and returns the response headers too (emulators put test data there).
    pub async fn call_with_headers<Req, Resp>(
        &self,
        op: &str,
        body: &Req,
    ) -> Result<(Resp, http::HeaderMap), CallError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        // Request bodies may carry passwords, codes and tokens: the buffer is zeroised when
        // the last reference to it (ours or the HTTP stack's) is dropped.
        let json = serde_json::to_vec(body).map_err(|e| CallError::Shape(e.to_string()))?;
        let json = bytes::Bytes::from_owner(ZeroizingBuf(json));
        let req = self
            .http
            .post(&self.endpoint)
            .header(http::header::CONTENT_TYPE, "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{}.{op}", self.service))
            .header(http::header::ACCEPT, "application/json")
            .body(json);
        let resp = self.http.send(req).await.map_err(CallError::Transport)?;
        if !(200..300).contains(&resp.status) {
            return Err(parse_error(resp.status, &resp.body));
        }
        let body: &[u8] = if resp.body.is_empty() {
            b"{}"
        } else {
            &resp.body
        };
        let value = serde_json::from_slice(body)
            .map_err(|e| CallError::Shape(format!("{op}: unexpected response shape: {e}")))?;
        Ok((value, resp.headers))
    }

    pub async fn call<Req, Resp>(&self, op: &str, body: &Req) -> Result<Resp, CallError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        self.call_with_headers(op, body).await.map(|(r, _)| r)
    }
}

/// A buffer zeroised on drop, owned by a `Bytes`.
struct ZeroizingBuf(Vec<u8>);

impl AsRef<[u8]> for ZeroizingBuf {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for ZeroizingBuf {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

fn parse_error(status: u16, body: &[u8]) -> CallError {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return CallError::Unparsable { status };
    };
    let raw_type = v
        .get("__type")
        .or_else(|| v.get("code"))
        .and_then(|t| t.as_str())
        .unwrap_or("UnknownError");
    // "com.amazonaws.cognito.identity.idp.model#NotAuthorizedException:http://..." → NotAuthorizedException
    let type_name = raw_type
        .rsplit('#')
        .next()
        .unwrap_or(raw_type)
        .split(':')
        .next()
        .unwrap_or(raw_type)
        .to_owned();
    let message = v
        .get("message")
        .or_else(|| v.get("Message"))
        .and_then(|m| m.as_str())
        .unwrap_or("")
        .chars()
        .take(512)
        .collect();
    CallError::Service {
        status,
        type_name,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_are_normalised() {
        let e = parse_error(400, br#"{"__type":"com.amazonaws.cognito.identity.idp.model#NotAuthorizedException:http://x","message":"Incorrect username or password."}"#);
        assert_eq!(
            e,
            CallError::Service {
                status: 400,
                type_name: "NotAuthorizedException".into(),
                message: "Incorrect username or password.".into()
            }
        );
        assert_eq!(
            parse_error(500, b"<html>"),
            CallError::Unparsable { status: 500 }
        );
    }
}
