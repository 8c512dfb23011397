//! The corpus and the property tests run against the fixed verifier.

use super::*;

#[test]
fn corpus_is_rejected_with_expected_reasons() {
    let cases = cognito_auth_testsuite::hostile::corpus(&fixture().issuer);
    assert!(cases.len() >= 40, "corpus has {} cases", cases.len());
    // The corpus must not pass by accident: the base token is accepted.
    assert_eq!(verify(&good().sign()), Ok(()));
    let mut failures = Vec::new();
    for (name, token, kind, reason) in &cases {
        match verify(token) {
            Err((k, r)) if k == *kind && r == *reason => {}
            other => failures.push(format!(
                "{name}: expected {kind:?}/{reason:?}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_reason_code_is_snake_case_and_unique() {
    let mut seen = std::collections::HashSet::new();
    for r in Reason::ALL {
        let s = r.as_str();
        assert!(
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{s}"
        );
        assert!(seen.insert(s), "duplicate {s}");
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, String),
    Truncate(usize),
    SwapSegments,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 1usize..20).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), "[A-Za-z0-9_\\-.=+/ ]{1,8}").prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<usize>().prop_map(Mutation::Truncate),
        Just(Mutation::SwapSegments),
    ]
}

fn apply(token: &str, m: &Mutation) -> String {
    let mut b = token.as_bytes().to_vec();
    let len = b.len();
    if len == 0 {
        return match m {
            Mutation::Insert(_, s) => s.clone(),
            _ => String::new(),
        };
    }
    match m {
        Mutation::Flip(i, x) => {
            let i = i % len;
            const ALPHA: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
            b[i] = ALPHA[*x as usize % ALPHA.len()];
        }
        Mutation::Delete(i, n) => {
            let i = i % len;
            let end = (i + n).min(len);
            b.drain(i..end);
        }
        Mutation::Insert(i, s) => {
            let i = i % (len + 1);
            b.splice(i..i, s.bytes());
        }
        Mutation::Truncate(i) => b.truncate(i % len),
        Mutation::SwapSegments => {
            let mut parts: Vec<&str> = token.split('.').collect();
            if parts.len() >= 2 {
                parts.swap(0, 1);
            }
            return parts.join(".");
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_never_pass(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let s = String::from_utf8_lossy(&bytes);
        prop_assert!(verify(&s).is_err());
    }

    #[test]
    fn random_token_shaped_strings_never_pass(s in "[A-Za-z0-9_\\-]{0,300}\\.[A-Za-z0-9_\\-]{0,600}\\.[A-Za-z0-9_\\-]{0,400}") {
        prop_assert!(verify(&s).is_err());
    }

    #[test]
    fn mutated_valid_tokens_are_never_accepted(which in 0usize..4, muts in proptest::collection::vec(mutation(), 1..4)) {
        let original = &fixture().valid[which];
        let mut t = original.clone();
        for m in &muts {
            t = apply(&t, m);
        }
        if &t != original {
            prop_assert!(verify(&t).is_err(), "mutated token accepted: {:?}", muts);
        }
    }
}
