//! The unsigned AWS JSON 1.1 calls Cognito serves without SigV4: user-pool operations
//! (`AWSCognitoIdentityProviderService.<Op>`) and identity-pool operations
//! (`AWSCognitoIdentityService.<Op>`). A POST of `application/x-amz-json-1.1` with
//! `X-Amz-Target`; errors come back as `{"__type": "...Exception", "message": "..."}`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::service::{CognitoErrorKind, ServiceError};
use crate::transport::{Http, HttpConfig, TransportError};

/// An error answer from a Cognito JSON API, or a failure to get one.
#[derive(Debug, Clone)]
pub(crate) enum CallError {
    /// A typed error answer (or an unparsable one, as `Internal` / `Other("HTTP n")`).
    Service(ServiceError),
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
        op: &'static str,
        body: &Req,
    ) -> Result<(Resp, http::HeaderMap), CallError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        // Request bodies may carry passwords, codes and tokens: the buffer is zeroised when
        // the last reference to it (ours or the HTTP stack's) is dropped.
        let json = serde_json::to_vec(body).map_err(|e| CallError::Shape(e.to_string()))?;
        let json = crate::transport::zeroizing_body(json);
        let req = self
            .http
            .post(&self.endpoint)
            .header(http::header::CONTENT_TYPE, "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{}.{op}", self.service))
            .header(http::header::ACCEPT, "application/json")
            .body(json);
        let resp = self
            .http
            .send(&self.endpoint, req)
            .await
            .map_err(CallError::Transport)?;
        if !(200..300).contains(&resp.status) {
            return Err(CallError::Service(parse_error(
                op,
                resp.status,
                &resp.headers,
                &resp.body,
            )));
        }
        let value = parse_success(op, &resp.body)?;
        Ok((value, resp.headers))
    }

    pub async fn call<Req, Resp>(&self, op: &'static str, body: &Req) -> Result<Resp, CallError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        self.call_with_headers(op, body).await.map(|(r, _)| r)
    }
}

/// A 2xx body as `Resp` (an empty body reads as `{}`).
pub(crate) fn parse_success<Resp: DeserializeOwned>(
    op: &'static str,
    body: &[u8],
) -> Result<Resp, CallError> {
    let body: &[u8] = if body.is_empty() { b"{}" } else { body };
    serde_json::from_slice(body)
        .map_err(|e| CallError::Shape(format!("{op}: unexpected response shape: {e}")))
}

/// An error answer as a [`ServiceError`]: `__type` without its namespace, the message
/// (at most 512 characters), the request id.
pub(crate) fn parse_error(
    op: &'static str,
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
) -> ServiceError {
    let request_id = headers
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 128)
        .map(str::to_owned);
    let parsed = serde_json::from_slice::<serde_json::Value>(body).ok();
    let (kind, message) = match parsed.as_ref().filter(|v| v.is_object()) {
        None => (
            if status >= 500 {
                CognitoErrorKind::Internal
            } else {
                CognitoErrorKind::Other(format!("HTTP {status}"))
            },
            format!("HTTP {status} with a body that is not JSON"),
        ),
        Some(v) => {
            let raw_type = v
                .get("__type")
                .or_else(|| v.get("code"))
                .and_then(|t| t.as_str())
                .unwrap_or("UnknownError");
            // "com.amazonaws...#NotAuthorizedException:http://..." → NotAuthorizedException
            let type_name = raw_type
                .rsplit('#')
                .next()
                .unwrap_or(raw_type)
                .split(':')
                .next()
                .unwrap_or(raw_type);
            let type_name: String = type_name.chars().take(128).collect();
            let message = v
                .get("message")
                .or_else(|| v.get("Message"))
                .and_then(|m| m.as_str())
                .unwrap_or("")
                .chars()
                .take(512)
                .collect::<String>();
            (CognitoErrorKind::from_type(&type_name), message)
        }
    };
    ServiceError::new(op, kind, message)
        .with_request_id(request_id)
        .with_status(Some(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types_are_normalised() {
        let mut h = http::HeaderMap::new();
        h.insert("x-amzn-requestid", "req-1".parse().unwrap());
        let e = parse_error(
            "InitiateAuth",
            400,
            &h,
            br#"{"__type":"com.amazonaws.cognito.identity.idp.model#NotAuthorizedException:http://x","message":"Incorrect username or password."}"#,
        );
        assert_eq!(e.kind, CognitoErrorKind::NotAuthorized);
        assert_eq!(e.message, "Incorrect username or password.");
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        assert_eq!(e.status, Some(400));
        let e = parse_error("X", 500, &http::HeaderMap::new(), b"<html>");
        assert_eq!(e.kind, CognitoErrorKind::Internal);
        let e = parse_error("X", 418, &http::HeaderMap::new(), b"[1]");
        assert_eq!(e.kind, CognitoErrorKind::Other("HTTP 418".into()));
    }
}
