//! Test tables and tools shared by the workspace's integration crates (not published):
//!
//! - [`hostile`]: the corpus of malformed and forged tokens with the reason each is refused for;
//! - [`web_matrix`]: one table of web-integration cases (status, `WWW-Authenticate`, body)
//!   every framework crate runs against its own build of the same standard app;
//! - [`moto`]: moto's Cognito emulator as the test command starts it;
//! - [`peer`]: a Cognito-shaped user-pool peer for the flows moto cannot serve (strict SRP,
//!   devices, choice-based, passwordless, passkey and custom sign-in, recorded fixtures),
//!   used by the library's and the CLI's tests;
//! - `web_matrix` and `hostile_tokens`: the matrix and the corpus for other languages;
//! - binaries for `scripts/bench.sh`: `axum_bench_server` and `actix_bench_server` (the auth
//!   layer measured from another process) and `mint_tokens` (batch input).

pub mod hostile;
pub mod moto;
pub mod peer;
pub mod web_matrix;

/// The README's examples, compiled as doctests so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
