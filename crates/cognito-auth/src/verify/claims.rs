//! The claim checks of a genuine token.

use std::sync::{Arc, OnceLock};

use super::token::TokenData;
use super::{Inner, IssuerEntry, PoolRules, Reason, ScopeSet, TokenUse, VerifyError, jose};

/// The claim checks of a genuine token from `issuer`: `exp`/`nbf`/`iat` with leeway,
/// `token_use`, `sub`, `aud` / `client_id`, `scope`, `cognito:groups`.
pub(super) fn check(
    c: jose::RawClaims<'_>,
    issuer: &IssuerEntry,
    rules: &PoolRules,
    inner: &Inner,
    raw: Arc<str>,
    now: i64,
) -> Result<TokenData, VerifyError> {
    let leeway = inner.leeway;
    let exp = jose::required(c.exp, "exp")?.into_date("exp")?;
    if now > exp.saturating_add(leeway) {
        return Err(expired());
    }
    let nbf = c.nbf.map(|v| v.into_date("nbf")).transpose()?;
    if let Some(nbf) = nbf
        && nbf > now.saturating_add(leeway)
    {
        return Err(VerifyError::new(
            Reason::NotYetValid,
            "token is not valid yet (nbf)",
        ));
    }
    let iat = c.iat.map(|v| v.into_date("iat")).transpose()?;
    if let Some(iat) = iat
        && iat > now.saturating_add(leeway)
    {
        return Err(VerifyError::new(
            Reason::IssuedInFuture,
            "token was issued in the future (iat)",
        ));
    }
    let token_use = match &*jose::required(c.token_use, "token_use")?.into_str("token_use")? {
        "access" => TokenUse::Access,
        "id" => TokenUse::Id,
        _ => {
            return Err(VerifyError::new(
                Reason::InvalidClaim,
                "claim `token_use` must be `access` or `id`",
            ));
        }
    };
    if !rules.token_use.accepts(token_use) {
        return Err(VerifyError::new(
            Reason::WrongTokenUse,
            format!("{token_use} tokens are not accepted here"),
        ));
    }
    let sub = jose::required(c.sub, "sub")?.into_str("sub")?;
    let audience: Vec<String> = match c.aud {
        None => Vec::new(),
        Some(jose::Loose::Str(s)) => vec![s.into_owned()],
        Some(jose::Loose::StrArray(v)) => v.into_iter().map(|s| s.into_owned()).collect(),
        Some(_) => {
            return Err(VerifyError::new(
                Reason::InvalidClaim,
                "claim `aud` must be a string or an array of strings",
            ));
        }
    };
    let (client_id, username) = match token_use {
        TokenUse::Access => {
            let client_id = jose::required(c.client_id, "client_id")?.into_str("client_id")?;
            if let Some(expected) = &inner.access_audience
                && !audience.is_empty()
                && !audience.iter().any(|a| expected.contains(a))
            {
                return Err(VerifyError::new(
                    Reason::WrongAudience,
                    "the token's audience is not accepted here",
                ));
            }
            let username = c.username.map(|u| u.into_str("username")).transpose()?;
            (client_id.into_owned(), username)
        }
        TokenUse::Id => {
            if audience.is_empty() {
                return Err(VerifyError::new(
                    Reason::MissingClaim,
                    "claim `aud` is missing",
                ));
            }
            if audience.len() != 1 {
                return Err(VerifyError::new(
                    Reason::InvalidClaim,
                    "claim `aud` of an ID token must name exactly one app client",
                ));
            }
            let username = c
                .cognito_username
                .map(|u| u.into_str("cognito:username"))
                .transpose()?;
            (audience[0].clone(), username)
        }
    };
    let scopes = match c.scope {
        None => ScopeSet::default(),
        Some(v) => {
            let s = v.into_str("scope")?;
            ScopeSet::parse(&s).ok_or_else(|| {
                VerifyError::new(
                    Reason::InvalidClaim,
                    "claim `scope` contains characters not allowed in a scope",
                )
            })?
        }
    };
    let groups = match c.groups {
        None => Vec::new(),
        Some(jose::Loose::StrArray(v)) => v.into_iter().map(|s| s.into_owned()).collect(),
        Some(_) => {
            return Err(VerifyError::new(
                Reason::InvalidClaim,
                "claim `cognito:groups` must be an array of strings",
            ));
        }
    };
    Ok(TokenData {
        raw,
        issuer: Arc::clone(&issuer.issuer),
        pool: issuer.pool,
        token_use,
        sub: sub.into_owned().into_boxed_str(),
        client_id: client_id.into_boxed_str(),
        username: username.map(|u| u.into_owned().into_boxed_str()),
        audience,
        scopes,
        groups,
        exp,
        iat,
        nbf,
        payload: Box::default(),
        claims: OnceLock::new(),
    })
}

pub(super) fn expired() -> VerifyError {
    VerifyError::new(Reason::Expired, "token has expired")
}
