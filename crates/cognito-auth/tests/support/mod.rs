//! Shared test support.
pub mod moto;
