//! The HTTP endpoints of the local issuer.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::{ClientSpec, CodeGrant, Fault, RefreshGrant, State, lock};
use crate::keys::{jwks_json, random_id, random_uuid};
use crate::mint::{Kind, TokenBuilder};

async fn apply_fault(fault: Option<Fault>) -> Option<Response> {
    let fault = fault?;
    Some(match fault {
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            return None;
        }
        Fault::Status {
            status,
            body,
            retry_after,
        } => {
            let mut resp = (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
        Fault::Raw {
            status,
            content_type,
            body,
        } => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [(header::CONTENT_TYPE, content_type)],
            body,
        )
            .into_response(),
        Fault::Oversized { bytes, chunked } => {
            let body = if chunked {
                let chunk = bytes::Bytes::from(vec![b' '; 8192]);
                let n = bytes.div_ceil(8192);
                Body::from_stream(futures_util::stream::iter(
                    (0..n).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
                ))
            } else {
                Body::from(vec![b' '; bytes])
            };
            Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .expect("response")
        }
    })
}

pub(super) async fn jwks(AxState(state): AxState<Arc<State>>) -> Response {
    state.jwks_requests.fetch_add(1, Ordering::SeqCst);
    let fault = lock(&state.jwks_fault).clone();
    if let Some(resp) = apply_fault(fault).await {
        return resp;
    }
    let body = {
        let keys = state.keys.read().unwrap_or_else(|p| p.into_inner());
        jwks_json(&keys.published)
    };
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub(super) async fn openid_configuration(AxState(state): AxState<Arc<State>>) -> Response {
    let b = &state.base_url;
    axum::Json(json!({
        "issuer": state.issuer,
        "jwks_uri": format!("{b}/.well-known/jwks.json"),
        "token_endpoint": format!("{b}/oauth2/token"),
        "authorization_endpoint": format!("{b}/oauth2/authorize"),
        "revocation_endpoint": format!("{b}/oauth2/revoke"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
    .into_response()
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "error": code, "error_description": description }).to_string(),
    )
        .into_response()
}

/// Authenticates the client from Basic credentials or the form body.
fn client_auth(
    state: &State,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<ClientSpec, Box<Response>> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        });
    let (id, secret) = if let Some(b64) = basic {
        if form.contains_key("client_secret") {
            return Err(Box::new(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "client authenticated twice",
            )));
        }
        let decoded = STANDARD
            .decode(b64)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| {
                oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_client",
                    "bad Basic header",
                )
            })?;
        let (id, secret) = decoded.split_once(':').ok_or_else(|| {
            oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "bad Basic header",
            )
        })?;
        let dec = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        (dec(id), Some(dec(secret)))
    } else {
        let id = form.get("client_id").cloned().ok_or_else(|| {
            Box::new(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "no client_id",
            ))
        })?;
        (id, form.get("client_secret").cloned())
    };
    let clients = state.clients.read().unwrap_or_else(|p| p.into_inner());
    let client = clients
        .get(&id)
        .cloned()
        .ok_or_else(|| oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "unknown client"))?;
    match (&client.secret, secret) {
        (Some(expected), Some(given))
            if ct_eq(expected.as_bytes(), given.as_bytes())
                || client
                    .second_secret
                    .as_ref()
                    .is_some_and(|s| ct_eq(s.as_bytes(), given.as_bytes())) =>
        {
            Ok(client)
        }
        (None, None) => Ok(client),
        _ => Err(Box::new(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "client authentication failed",
        ))),
    }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(super) async fn token(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    let fault = lock(&state.token_faults).pop_front();
    if let Some(resp) = apply_fault(fault).await {
        return resp;
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        );
    }
    let mut form: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        if form
            .insert(k.clone().into_owned(), v.into_owned())
            .is_some()
        {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "repeated parameter",
            );
        }
    }
    let client = match client_auth(&state, &headers, &form) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => client_credentials(&state, &client, &form),
        Some("authorization_code") => authorization_code(&state, &client, &form),
        Some("refresh_token") => refresh_token(&state, &client, &form),
        Some(_) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "unsupported grant",
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type missing",
        ),
    }
}

fn client_credentials(
    state: &State,
    client: &ClientSpec,
    form: &HashMap<String, String>,
) -> Response {
    if client.secret.is_none() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "public clients cannot use client_credentials",
        );
    }
    let requested: Vec<String> = match form.get("scope") {
        Some(s) => s
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        None => client.scopes.clone(),
    };
    if requested.is_empty() || requested.iter().any(|s| !client.scopes.contains(s)) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "scope not allowed for this client",
        );
    }
    let lifetime = state.token_lifetime.load(Ordering::SeqCst);
    let key = state
        .keys
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .current
        .clone();
    let token = TokenBuilder::new(Kind::Access, &state.issuer, &key)
        .client_id(&client.client_id)
        .scopes(&requested)
        .expires_in(lifetime)
        .sign();
    axum::Json(json!({
        "access_token": token,
        "expires_in": lifetime,
        "token_type": "Bearer",
    }))
    .into_response()
}

fn user_tokens(
    state: &State,
    client_id: &str,
    username: &str,
    scope: &str,
) -> (String, String, i64) {
    let lifetime = state.token_lifetime.load(Ordering::SeqCst);
    let key = state
        .keys
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .current
        .clone();
    let sub = format!("sub-{username}");
    let access = TokenBuilder::new(Kind::Access, &state.issuer, &key)
        .user(username)
        .client_id(client_id)
        .subject(&sub)
        .claim("scope", scope)
        .expires_in(lifetime)
        .sign();
    let id = TokenBuilder::new(Kind::Id, &state.issuer, &key)
        .user(username)
        .client_id(client_id)
        .subject(&sub)
        .expires_in(lifetime)
        .sign();
    (access, id, lifetime)
}

fn authorization_code(
    state: &State,
    client: &ClientSpec,
    form: &HashMap<String, String>,
) -> Response {
    let Some(code) = form.get("code") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code missing");
    };
    let Some(grant) = lock(&state.codes).remove(code) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "unknown or used code",
        );
    };
    if grant.client_id != client.client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code issued to another client",
        );
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri mismatch",
        );
    }
    if let Some(challenge) = &grant.challenge {
        let Some(verifier) = form.get("code_verifier") else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "code_verifier missing",
            );
        };
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
        if !ct_eq(computed.as_bytes(), challenge.as_bytes()) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "PKCE verification failed",
            );
        }
    } else if client.secret.is_none() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "public clients must use PKCE",
        );
    }
    let (access, id, lifetime) =
        user_tokens(state, &client.client_id, &grant.username, &grant.scope);
    let refresh = format!("rt-{}", random_id(40));
    lock(&state.refresh_tokens).insert(
        refresh.clone(),
        RefreshGrant {
            client_id: client.client_id.clone(),
            scope: grant.scope,
            username: grant.username,
        },
    );
    axum::Json(json!({
        "access_token": access,
        "id_token": id,
        "refresh_token": refresh,
        "expires_in": lifetime,
        "token_type": "Bearer",
    }))
    .into_response()
}

fn refresh_token(state: &State, client: &ClientSpec, form: &HashMap<String, String>) -> Response {
    let Some(rt) = form.get("refresh_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token missing",
        );
    };
    let grant = lock(&state.refresh_tokens).get(rt).cloned();
    let Some(grant) = grant else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "refresh token revoked or unknown",
        );
    };
    if grant.client_id != client.client_id {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "refresh token of another client",
        );
    }
    let (access, id, lifetime) =
        user_tokens(state, &client.client_id, &grant.username, &grant.scope);
    let mut body = json!({
        "access_token": access,
        "id_token": id,
        "expires_in": lifetime,
        "token_type": "Bearer",
    });
    if state.rotate_refresh_tokens.load(Ordering::SeqCst) {
        let new = format!("rt-{}", random_id(40));
        let mut map = lock(&state.refresh_tokens);
        map.remove(rt);
        map.insert(new.clone(), grant);
        body["refresh_token"] = json!(new);
    }
    axum::Json(body).into_response()
}

fn redirect_matches(registered: &str, given: &str) -> bool {
    if registered == given {
        return true;
    }
    // A registered loopback URI with port 0 accepts any port (RFC 8252 §7.3).
    let (Ok(r), Ok(g)) = (url::Url::parse(registered), url::Url::parse(given)) else {
        return false;
    };
    r.port() == Some(0)
        && r.scheme() == g.scheme()
        && r.host_str() == g.host_str()
        && matches!(g.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
        && r.path() == g.path()
}

pub(super) async fn authorize(
    AxState(state): AxState<Arc<State>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let client = q.get("client_id").and_then(|id| {
        state
            .clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    });
    let Some(client) = client else {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    };
    let Some(redirect_uri) = q.get("redirect_uri") else {
        return (StatusCode::BAD_REQUEST, "redirect_uri missing").into_response();
    };
    if !client
        .callback_urls
        .iter()
        .any(|r| redirect_matches(r, redirect_uri))
    {
        return (StatusCode::BAD_REQUEST, "redirect_mismatch").into_response();
    }
    let Ok(mut target) = url::Url::parse(redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "bad redirect_uri").into_response();
    };
    {
        let mut pairs = target.query_pairs_mut();
        if q.get("response_type").map(String::as_str) != Some("code") {
            pairs.append_pair("error", "unsupported_response_type");
        } else if let Some(err) = lock(&state.login_error).take() {
            pairs.append_pair("error", &err);
            pairs.append_pair("error_description", "login failed (injected)");
        } else if q.contains_key("code_challenge")
            && q.get("code_challenge_method").map(String::as_str) != Some("S256")
        {
            pairs.append_pair("error", "invalid_request");
            pairs.append_pair("error_description", "only S256 is supported");
        } else {
            let scope = q.get("scope").cloned().unwrap_or_else(|| "openid".into());
            let code = random_uuid();
            lock(&state.codes).insert(
                code.clone(),
                CodeGrant {
                    client_id: client.client_id.clone(),
                    redirect_uri: redirect_uri.clone(),
                    challenge: q.get("code_challenge").cloned(),
                    scope,
                    username: lock(&state.login_user).clone(),
                },
            );
            pairs.append_pair("code", &code);
        }
        if let Some(s) = q.get("state") {
            pairs.append_pair("state", s);
        }
    }
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, target.as_str())
        .body(Body::empty())
        .expect("response")
}

pub(super) async fn revoke(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let client = match client_auth(&state, &headers, &form) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Some(token) = form.get("token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "token missing");
    };
    let mut map = lock(&state.refresh_tokens);
    if map
        .get(token)
        .is_some_and(|g| g.client_id == client.client_id)
    {
        map.remove(token);
    }
    StatusCode::OK.into_response()
}
