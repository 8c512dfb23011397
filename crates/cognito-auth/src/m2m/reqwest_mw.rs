use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use super::{Scopes, TokenSource};

/// A [`reqwest_middleware`] middleware adding `Authorization: Bearer …` from a
/// [`TokenSource`]; on a 401 it drops the refused token and retries once with a fresh one
/// when the request can be cloned (`reqwest::Request::try_clone`), within the 401 retry
/// budget of [`TokenSource::token_rejected`].
///
/// ```no_run
/// use cognito_auth::m2m::{BearerMiddleware, M2mClient, TokenSource};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let tokens = TokenSource::new(M2mClient::from_env()?);
/// let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(BearerMiddleware::new(tokens))
///     .build();
/// # let _ = http; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct BearerMiddleware {
    source: TokenSource,
    scopes: Option<Scopes>,
}

impl BearerMiddleware {
    /// Tokens for the source's default scopes.
    pub fn new(source: TokenSource) -> Self {
        BearerMiddleware {
            source,
            scopes: None,
        }
    }
    /// Tokens for `scopes`.
    pub fn with_scopes(source: TokenSource, scopes: impl Into<Scopes>) -> Self {
        BearerMiddleware {
            source,
            scopes: Some(scopes.into()),
        }
    }

    async fn token(&self) -> reqwest_middleware::Result<super::M2mToken> {
        let r = match &self.scopes {
            Some(s) => self.source.token_for(s.clone()).await,
            None => self.source.token().await,
        };
        r.map_err(reqwest_middleware::Error::middleware)
    }
}

#[async_trait::async_trait]
impl Middleware for BearerMiddleware {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let token = self.token().await?;
        let replay = req.try_clone();
        req.headers_mut()
            .insert(http::header::AUTHORIZATION, token.authorization_header());
        let resp = next.clone().run(req, extensions).await?;
        if resp.status() != http::StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let Some(mut again) = replay else {
            return Ok(resp);
        };
        if !self.source.token_rejected(&token) {
            // Within the 401 retry budget: pass the 401 on, no new token request.
            return Ok(resp);
        }
        let fresh = self.token().await?;
        again
            .headers_mut()
            .insert(http::header::AUTHORIZATION, fresh.authorization_header());
        next.run(again, extensions).await
    }
}
