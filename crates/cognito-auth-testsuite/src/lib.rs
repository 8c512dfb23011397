//! Test tables and tools shared by the workspace's integration crates (not published):
//!
//! - [`web_matrix`]: one table of web-integration cases (status, `WWW-Authenticate`, body)
//!   every framework crate runs against its own build of the same standard app;
//! - [`load`]: a bounded loopback HTTP load generator for the load benchmarks;
//! - [`moto`]: moto's Cognito emulator as the test command starts it.

pub mod load;
pub mod moto;
pub mod web_matrix;
