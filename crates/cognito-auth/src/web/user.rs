//! Mapping a [`ServicePrincipal`] to the application's own user.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::{AuthError, ServicePrincipal};

/// A boxed error from a user lookup.
pub type LookupError = Box<dyn std::error::Error + Send + Sync>;

/// The result of a user lookup.
///
/// Deliberately closed: a lookup finds one user, none, or several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<U> {
    /// Exactly one user.
    Found(U),
    /// No user: the request is not authenticated as anyone.
    NotFound,
    /// Several users match: a configuration error, never resolved by guessing.
    Ambiguous(usize),
}

impl<U> Lookup<U> {
    /// From a list of candidates: none, one, or ambiguous.
    pub fn from_candidates(mut v: Vec<U>) -> Self {
        match v.len() {
            0 => Lookup::NotFound,
            1 => Lookup::Found(v.remove(0)),
            n => Lookup::Ambiguous(n),
        }
    }
}

/// Maps principals to application users. Implement it, or use a ready strategy:
/// [`ByClientId`], [`ByClaim`], [`FromFn`], [`ProxyUsers`].
pub trait UserMapper: Send + Sync + 'static {
    /// The application's user type.
    type User: Clone + Send + Sync + 'static;
    /// Looks the principal up.
    fn lookup<'a>(
        &'a self,
        principal: &'a ServicePrincipal,
    ) -> BoxFuture<'a, Result<Lookup<Self::User>, LookupError>>;
}

/// Runs `mapper` and turns every outcome other than exactly one user into an [`AuthError`]:
/// not found → 401; ambiguous or a failing lookup → 500 with a generic body (logged).
pub async fn map_user<M: UserMapper + ?Sized>(
    mapper: &M,
    principal: &ServicePrincipal,
) -> Result<M::User, AuthError> {
    match mapper.lookup(principal).await {
        Ok(Lookup::Found(u)) => Ok(u),
        Ok(Lookup::NotFound) => Err(AuthError::UserNotFound),
        Ok(Lookup::Ambiguous(n)) => {
            tracing::error!(
                client_id = principal.client_id(),
                candidates = n,
                "ambiguous user mapping"
            );
            Err(AuthError::Internal(format!(
                "{n} users match client {}",
                principal.client_id()
            )))
        }
        Err(e) => {
            tracing::error!(client_id = principal.client_id(), error = %e, "user lookup failed");
            Err(AuthError::Internal("user lookup failed".into()))
        }
    }
}

/// Looks users up by the principal's client id: `lookup(client_id)` returns the candidates.
pub struct ByClientId<F>(F);

impl<F> ByClientId<F> {
    /// A strategy over `lookup`.
    pub fn new(lookup: F) -> Self {
        ByClientId(lookup)
    }
}

impl<F, Fut, U> UserMapper for ByClientId<F>
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<U>, LookupError>> + Send + 'static,
    U: Clone + Send + Sync + 'static,
{
    type User = U;
    fn lookup<'a>(
        &'a self,
        p: &'a ServicePrincipal,
    ) -> BoxFuture<'a, Result<Lookup<U>, LookupError>> {
        let fut = (self.0)(p.client_id().to_owned());
        Box::pin(async move { fut.await.map(Lookup::from_candidates) })
    }
}

/// Looks users up by the string value of a claim (e.g. `custom:user_id` or `sub`). A missing
/// or non-string claim is "not found".
///
/// Claim values are unique only within one user pool: the same `username` may exist in two
/// pools. When the verifier trusts several pools, restrict each mapper to one issuer with
/// [`ByClaim::issuer`] (tokens of other issuers then map to nobody, a 401), or put the
/// issuer into the lookup with [`FromFn`]. With a single trusted pool there is nothing to
/// confuse.
pub struct ByClaim<F> {
    claim: String,
    issuer: Option<String>,
    lookup: F,
}

impl<F> ByClaim<F> {
    /// A strategy reading `claim` and calling `lookup(value)`.
    pub fn new(claim: impl Into<String>, lookup: F) -> Self {
        ByClaim {
            claim: claim.into(),
            issuer: None,
            lookup,
        }
    }
    /// Maps only principals whose token was issued by `issuer` (the pool's issuer URL);
    /// others are "not found".
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }
}

impl<F, Fut, U> UserMapper for ByClaim<F>
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<U>, LookupError>> + Send + 'static,
    U: Clone + Send + Sync + 'static,
{
    type User = U;
    fn lookup<'a>(
        &'a self,
        p: &'a ServicePrincipal,
    ) -> BoxFuture<'a, Result<Lookup<U>, LookupError>> {
        let same_pool = self.issuer.as_deref().is_none_or(|iss| iss == p.issuer());
        let value = same_pool
            .then(|| p.claims().get(&self.claim).and_then(|v| v.as_str()))
            .flatten()
            .map(str::to_owned);
        Box::pin(async move {
            match value {
                Some(v) => (self.lookup)(v).await.map(Lookup::from_candidates),
                None => Ok(Lookup::NotFound),
            }
        })
    }
}

/// Any closure from the principal to a [`Lookup`].
pub struct FromFn<F>(F);

impl<F> FromFn<F> {
    /// A strategy over `f`.
    pub fn new(f: F) -> Self {
        FromFn(f)
    }
}

impl<F, Fut, U> UserMapper for FromFn<F>
where
    F: Fn(ServicePrincipal) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Lookup<U>, LookupError>> + Send + 'static,
    U: Clone + Send + Sync + 'static,
{
    type User = U;
    fn lookup<'a>(
        &'a self,
        p: &'a ServicePrincipal,
    ) -> BoxFuture<'a, Result<Lookup<U>, LookupError>> {
        Box::pin((self.0)(p.clone()))
    }
}

/// A user that exists only for the request: authenticated, named after the client id, with
/// no database row (a "proxy user").
#[derive(Clone)]
pub struct ProxyUser {
    username: Arc<str>,
    principal: ServicePrincipal,
}

impl ProxyUser {
    /// The client id.
    pub fn username(&self) -> &str {
        &self.username
    }
    /// Always true.
    pub fn is_authenticated(&self) -> bool {
        true
    }
    /// The principal behind it.
    pub fn principal(&self) -> &ServicePrincipal {
        &self.principal
    }
}

impl fmt::Debug for ProxyUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyUser")
            .field("username", &self.username)
            .finish()
    }
}

/// Maps every principal to a [`ProxyUser`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ProxyUsers;

impl UserMapper for ProxyUsers {
    type User = ProxyUser;
    fn lookup<'a>(
        &'a self,
        p: &'a ServicePrincipal,
    ) -> BoxFuture<'a, Result<Lookup<ProxyUser>, LookupError>> {
        let user = ProxyUser {
            username: p.client_id().into(),
            principal: p.clone(),
        };
        Box::pin(async move { Ok(Lookup::Found(user)) })
    }
}

impl<M: UserMapper + ?Sized> UserMapper for Arc<M> {
    type User = M::User;
    fn lookup<'a>(
        &'a self,
        p: &'a ServicePrincipal,
    ) -> BoxFuture<'a, Result<Lookup<M::User>, LookupError>> {
        (**self).lookup(p)
    }
}

/// A user mapper chosen by [`super::UserMappingConfig`]: the code supplies the lookup; `proxy` maps
/// to `U::from(ProxyUser)`; `none` finds nobody.
pub struct ConfiguredMapper<F>(Strategy<F>);

enum Strategy<F> {
    None,
    Proxy,
    ClientId(ByClientId<F>),
    Claim(ByClaim<F>),
}

impl<F> ConfiguredMapper<F> {
    /// The strategy `setting` over `lookup(value)` (value: client id or claim).
    pub fn new(setting: super::UserMappingConfig, lookup: F) -> Self {
        ConfiguredMapper(match setting {
            super::UserMappingConfig::None => Strategy::None,
            super::UserMappingConfig::Proxy => Strategy::Proxy,
            super::UserMappingConfig::ClientId => Strategy::ClientId(ByClientId::new(lookup)),
            super::UserMappingConfig::Claim { claim } => {
                Strategy::Claim(ByClaim::new(claim, lookup))
            }
        })
    }
}

impl<F, Fut, U> UserMapper for ConfiguredMapper<F>
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Vec<U>, LookupError>> + Send + 'static,
    U: From<ProxyUser> + Clone + Send + Sync + 'static,
{
    type User = U;
    fn lookup<'a>(
        &'a self,
        p: &'a ServicePrincipal,
    ) -> futures_util::future::BoxFuture<'a, Result<Lookup<U>, LookupError>> {
        match &self.0 {
            Strategy::None => Box::pin(async { Ok(Lookup::NotFound) }),
            Strategy::Proxy => Box::pin(async move {
                Ok(match ProxyUsers.lookup(p).await? {
                    Lookup::Found(u) => Lookup::Found(U::from(u)),
                    _ => Lookup::NotFound,
                })
            }),
            Strategy::ClientId(s) => s.lookup(p),
            Strategy::Claim(s) => s.lookup(p),
        }
    }
}
