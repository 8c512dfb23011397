//! Secret random bytes (SRP private values, device passwords, PKCE verifiers, `state`,
//! lease fencing values, nonces) from the operating system's generator (`getrandom`).
//!
//! Not aws-lc's DRBG: it seeds itself with CPU-jitter entropy on its first draw in every
//! process (about 300 million instructions, 60 ms here), which each CLI run and each Python
//! process that signs a person in would pay once. The OS generator is the source a DRBG is
//! seeded from in the first place.

/// Fills `buf`; an error only when the operating system's generator fails.
pub(crate) fn fill(buf: &mut [u8]) -> Result<(), getrandom::Error> {
    getrandom::fill(buf)
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_differ() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        super::fill(&mut a).unwrap();
        super::fill(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }
}
