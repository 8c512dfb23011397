//! What deployments need, over real HTTP against test-kit issuers: replicated user pools
//! under both issuer formats, per-pool rules, keys added to a running verifier, and a
//! signed-in person's session authorising outgoing requests.

mod bearer_user;
mod multi_region;
mod pools;
