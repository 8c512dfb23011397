//! `cognito_auth._native`: the compiled core of the `cognito-auth` Python package.
//!
//! Every decision (signature, issuer, `token_use`, client, scopes, token caching and refresh,
//! 401 / 403 / 503 with their `WWW-Authenticate` and bodies) is the Rust core's; this crate
//! only converts values and errors. The GIL is released whenever the core may wait (a JWKS
//! or token request) or work (a signature check), and asyncio callers get their answer
//! through a callback that never blocks the event loop.
//!
//! The public Python API is `python/cognito_auth/`; the stubs of this module are
//! `python/cognito_auth/_native.pyi`.

use pyo3::prelude::*;

mod convert;
mod errors;
mod hosted_ui;
mod identity;
mod m2m;
mod runtime;
mod testing;
mod tokens;
mod user;
mod verify;
mod web;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    runtime::install_fork_handler();
    m.add_class::<verify::Verifier>()?;
    m.add_class::<verify::VerifiedToken>()?;
    m.add_class::<m2m::TokenSource>()?;
    m.add_class::<m2m::AccessToken>()?;
    m.add_class::<web::Authenticator>()?;
    m.add_class::<web::Guard>()?;
    m.add_class::<testing::LocalIssuer>()?;
    m.add_class::<user::UserPool>()?;
    m.add_class::<user::Challenge>()?;
    m.add_class::<user::Session>()?;
    m.add_class::<user::DeviceCredentials>()?;
    m.add_class::<user::TotpSetup>()?;
    m.add_class::<hosted_ui::HostedUi>()?;
    m.add_class::<hosted_ui::LoginTokens>()?;
    m.add_class::<identity::IdentityCredentials>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
