//! Reading `COGNITO_*` settings: one rule for every `from_env_with` in the crate.

/// The variable's value, trimmed; an unset or blank variable is `None`.
pub(crate) fn value<F: Fn(&str) -> Option<String>>(get: &F, name: &str) -> Option<String> {
    get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A variable name and the builder setter it feeds.
pub(crate) type Setter<'a, B> = (&'a str, fn(B, String) -> B);

/// Applies each variable that is set to `builder` with its setter, in order.
pub(crate) fn apply<B, F: Fn(&str) -> Option<String>, const N: usize>(
    get: &F,
    builder: B,
    setters: [Setter<'_, B>; N],
) -> B {
    setters
        .into_iter()
        .fold(builder, |b, (name, set)| match value(get, name) {
            Some(v) => set(b, v),
            None => b,
        })
}

/// A comma- or space-separated list; an unset or blank variable is `None` (never an empty
/// list, which would mean "allow nothing" for an allowlist).
pub(crate) fn list<F: Fn(&str) -> Option<String>>(get: &F, name: &str) -> Option<Vec<String>> {
    value(get, name).map(|v| {
        v.split([',', ' ', '\t'])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
}
