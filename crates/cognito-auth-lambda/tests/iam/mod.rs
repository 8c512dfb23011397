//! How API Gateway applies an IAM policy returned by an authorizer (also a cached one) to a
//! request's ARN: denied if a `Deny` statement matches, allowed if an `Allow` matches, denied
//! otherwise; `*` matches any run of characters and `?` one character.

use serde_json::{Value, json};

/// IAM's wildcard match, written independently of the crate's.
fn iam_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| iam_match(rest, &text[i..])),
        Some((c, rest)) => match text.split_first() {
            Some((t, text_rest)) if *c == b'?' || c == t => iam_match(rest, text_rest),
            _ => false,
        },
    }
}

/// What API Gateway decides for `arn` with a (possibly cached) policy.
pub fn evaluate(policy: &Value, arn: &str) -> bool {
    let mut allow = false;
    for st in policy["Statement"].as_array().unwrap() {
        assert_eq!(st["Action"], json!(["execute-api:Invoke"]));
        let hit = st["Resource"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| iam_match(r.as_str().unwrap().as_bytes(), arn.as_bytes()));
        match st["Effect"].as_str().unwrap() {
            "Deny" if hit => return false,
            "Allow" if hit => allow = true,
            _ => {}
        }
    }
    allow
}
