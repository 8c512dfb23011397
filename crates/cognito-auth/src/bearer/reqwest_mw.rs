use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use super::BearerProvider;
use crate::m2m::TokenSource;

/// A [`reqwest_middleware`] middleware adding `Authorization: Bearer …` from a
/// [`BearerProvider`]: an M2M [`TokenSource`] (the default), a
/// [`ScopedSource`](super::ScopedSource), or a person's
/// [`RefreshingTokens`](crate::refresh::RefreshingTokens). On a 401 it tells the provider
/// and retries once, when the provider says a retry may help and the request can be cloned
/// (`reqwest::Request::try_clone`).
///
/// ```no_run
/// use cognito_auth::bearer::BearerMiddleware;
/// use cognito_auth::m2m::{M2mClient, TokenSource};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let tokens = TokenSource::new(M2mClient::from_env()?);
/// let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(BearerMiddleware::new(tokens))
///     .build();
/// # let _ = http; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct BearerMiddleware<P = TokenSource> {
    provider: P,
}

impl<P: BearerProvider> BearerMiddleware<P> {
    /// Tokens from `provider`.
    pub fn new(provider: P) -> Self {
        BearerMiddleware { provider }
    }
}

impl BearerMiddleware<super::ScopedSource> {
    /// Tokens of `source` for `scopes`.
    pub fn with_scopes(source: TokenSource, scopes: impl Into<crate::m2m::Scopes>) -> Self {
        BearerMiddleware {
            provider: super::ScopedSource::new(source, scopes),
        }
    }
}

#[async_trait::async_trait]
impl<P: BearerProvider> Middleware for BearerMiddleware<P> {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let token = self
            .provider
            .bearer()
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        let replay = req.try_clone();
        req.headers_mut()
            .insert(http::header::AUTHORIZATION, token.header().clone());
        let resp = next.clone().run(req, extensions).await?;
        if resp.status() != http::StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let Some(mut again) = replay else {
            return Ok(resp);
        };
        if !self.provider.rejected(&token).await {
            // Within the retry budget: pass the 401 on, no new token request.
            return Ok(resp);
        }
        let fresh = self
            .provider
            .bearer()
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        again
            .headers_mut()
            .insert(http::header::AUTHORIZATION, fresh.header().clone());
        next.run(again, extensions).await
    }
}
