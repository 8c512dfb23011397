//! Route keys in API Gateway's syntax, the guard of each, and the request paths they are
//! matched against (normalised the same way for every event kind).

use std::borrow::Cow;
use std::fmt;

use cognito_auth::web::{Guard, UnlistedMethod};

/// A route: a method (or `ANY`) and a path template. Segments `{name}` match one path
/// segment; `{name+}` and `*` match the rest of the path (one segment or more).
///
/// Routes are matched against real request paths (`/orders/42`), after
/// [`normalize_path`] (percent-decoding, dot segments, empty segments).
///
/// ```
/// use cognito_auth_lambda::RouteKey;
///
/// let k = RouteKey::parse("GET /orders/{id}").unwrap();
/// assert!(k.matches("GET", "/orders/42"));
/// assert!(!k.matches("POST", "/orders/42"));
/// assert!(!k.matches("GET", "/orders/42/lines"));
/// assert!(RouteKey::parse("ANY /admin/{proxy+}").unwrap().matches("DELETE", "/admin/a/b"));
/// assert!(RouteKey::parse("orders").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RouteKey {
    method: String,
    segments: Vec<Segment>,
}

#[derive(Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    One,
    Rest,
}

/// The methods an `ANY` route is evaluated for when its policy statements are written.
pub(crate) const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

impl RouteKey {
    /// Parses `"METHOD /path"`.
    pub fn parse(key: &str) -> Result<RouteKey, String> {
        let (method, path) = key
            .trim()
            .split_once(' ')
            .ok_or_else(|| format!("`{key}`: expected `METHOD /path`"))?;
        let method = method.trim().to_ascii_uppercase();
        let path = path.trim();
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!("`{key}`: `{method}` is not an HTTP method or ANY"));
        }
        if !path.starts_with('/') {
            return Err(format!("`{key}`: the path must start with /"));
        }
        let mut segments = Vec::new();
        let parts: Vec<&str> = path[1..].split('/').filter(|s| !s.is_empty()).collect();
        for (i, s) in parts.iter().enumerate() {
            let seg = if *s == "*" || (s.starts_with('{') && s.ends_with("+}")) {
                if i + 1 != parts.len() {
                    return Err(format!("`{key}`: `{s}` must be the last segment"));
                }
                Segment::Rest
            } else if s.starts_with('{') && s.ends_with('}') {
                Segment::One
            } else if s.contains(['*', '?', '{', '}']) {
                return Err(format!(
                    "`{key}`: `{s}` mixes a literal with a parameter or wildcard"
                ));
            } else {
                Segment::Literal((*s).to_owned())
            };
            segments.push(seg);
        }
        Ok(RouteKey { method, segments })
    }

    /// Whether a request with `method` on `path` (a real request path; normalise it first
    /// with [`normalize_path`]) falls under this route.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if !self.is_any() && !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut i = 0;
        for seg in &self.segments {
            match seg {
                Segment::Rest => return i < parts.len(),
                Segment::One => {
                    if i >= parts.len() {
                        return false;
                    }
                }
                Segment::Literal(l) => {
                    if parts.get(i) != Some(&l.as_str()) {
                        return false;
                    }
                }
            }
            i += 1;
        }
        i == parts.len()
    }

    /// `ANY` route.
    pub(crate) fn is_any(&self) -> bool {
        self.method == "ANY"
    }

    /// The route's method (`ANY` for any).
    pub(crate) fn method(&self) -> &str {
        &self.method
    }

    /// The `METHOD/path` tail of an IAM resource for this route with `method` (`*` for
    /// any): parameters and `{proxy+}` become `*`.
    pub(crate) fn resource_tail(&self, method: &str) -> String {
        let mut s = String::from(method);
        s.push('/');
        let parts: Vec<&str> = self
            .segments
            .iter()
            .map(|seg| match seg {
                Segment::Literal(l) => l.as_str(),
                Segment::One | Segment::Rest => "*",
            })
            .collect();
        s.push_str(&parts.join("/"));
        s
    }
}

impl RouteKey {
    /// The paths that [`RouteKey::resource_tail`]'s pattern admits beyond this route: IAM's
    /// `*` also spans `/`, so `GET/orders/*` (for `GET /orders/{id}`) admits `/orders/1/x`.
    /// One pattern per `{param}` segment, that segment widened to `*/*`; none of them admits
    /// a path of this route.
    pub(crate) fn overreach_tails(&self, method: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (k, seg) in self.segments.iter().enumerate() {
            if *seg != Segment::One {
                continue;
            }
            let parts: Vec<&str> = self
                .segments
                .iter()
                .enumerate()
                .map(|(i, seg)| match seg {
                    _ if i == k => "*/*",
                    Segment::Literal(l) => l.as_str(),
                    Segment::One | Segment::Rest => "*",
                })
                .collect();
            out.push(format!("{method}/{}", parts.join("/")));
        }
        out
    }
}

impl fmt::Debug for RouteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} /", self.method)?;
        let parts: Vec<&str> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => l.as_str(),
                Segment::One => "{…}",
                Segment::Rest => "{…+}",
            })
            .collect();
        f.write_str(&parts.join("/"))
    }
}

/// A request path as routes see it: percent-decoded (an encoded `/` separates segments, as
/// it does for a back end that decodes), without empty or `.` segments, `..` removing the
/// segment before it (never above the root). `/%61dmin//x/../users` becomes `/admin/users`.
///
/// ```
/// use cognito_auth_lambda::normalize_path;
///
/// assert_eq!(normalize_path("/%61dmin//x/../users/"), "/admin/users");
/// assert_eq!(normalize_path("/orders/urn:x:42"), "/orders/urn:x:42");
/// assert_eq!(normalize_path("/../.."), "/");
/// ```
pub fn normalize_path(raw: &str) -> String {
    let decoded: Cow<'_, str> = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let mut out: Vec<&str> = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut path = String::with_capacity(decoded.len() + 1);
    for s in &out {
        path.push('/');
        path.push_str(s);
    }
    if path.is_empty() {
        path.push('/');
    }
    path
}

/// The routes and their guards, in order; the first match applies.
#[derive(Default, Debug)]
pub(crate) struct Routes {
    pub(crate) list: Vec<(RouteKey, Guard)>,
    pub(crate) fallback: Option<Guard>,
}

impl Routes {
    pub(crate) fn add(&mut self, key: RouteKey, guard: Guard) {
        // The route key names the methods; the guard's own per-method rules apply to the
        // methods it lists, and any other method of the route passes them.
        self.list
            .push((key, guard.unlisted_methods(UnlistedMethod::Allow)));
    }

    /// The guard of the first route matching a normalised request.
    pub(crate) fn find(&self, method: &str, path: &str) -> Option<&Guard> {
        self.list
            .iter()
            .find(|(k, _)| k.matches(method, path))
            .map(|(_, g)| g)
            .or(self.fallback.as_ref())
    }

    /// Whether every route (and the fallback, if any) has the same requirement, so a
    /// decision cached by token alone is right for every route.
    pub(crate) fn uniform(&self) -> bool {
        // Routes are stored with unlisted methods allowed (their key names the methods).
        let fallback = self
            .fallback
            .clone()
            .map(|g| g.unlisted_methods(UnlistedMethod::Allow));
        let first = self.list.first().map(|(_, g)| g).or(fallback.as_ref());
        // A route without requirement is refused: a missing fallback differs from any guard.
        self.list.iter().all(|(_, g)| Some(g) == first)
            && fallback.as_ref() == first
            && first.is_none_or(|g| g.listed_methods().next().is_none())
    }
}

/// IAM's wildcard match of an ARN against a resource pattern: `*` matches any run of
/// characters (`/` included), `?` any one character.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether some string matches both IAM patterns (`*` and `?` wildcards).
pub(crate) fn globs_intersect(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // reach[i][j]: some string takes a[..i] and b[..j] to the same point.
    let w = b.len() + 1;
    let mut reach = vec![false; (a.len() + 1) * w];
    reach[0] = true;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            if !reach[i * w + j] {
                continue;
            }
            let ca = a.get(i).copied();
            let cb = b.get(j).copied();
            // A star may match nothing.
            if ca == Some(b'*') {
                reach[(i + 1) * w + j] = true;
            }
            if cb == Some(b'*') {
                reach[i * w + j + 1] = true;
            }
            // One character of the string, consumed by both sides.
            if let (Some(x), Some(y)) = (ca, cb) {
                let (next_i, next_j) = (
                    if x == b'*' { i } else { i + 1 },
                    if y == b'*' { j } else { j + 1 },
                );
                let same = x == b'*' || y == b'*' || x == b'?' || y == b'?' || x == y;
                if same && (next_i, next_j) != (i, j) {
                    reach[next_i * w + next_j] = true;
                }
            }
        }
    }
    reach[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("a/*/c", "a/b/x/c"));
        assert!(glob_match("a/GET/*", "a/GET/orders/1"));
        assert!(!glob_match("a/GET/*", "a/POST/orders"));
        assert!(glob_match("a/?ET/x", "a/GET/x"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a/GET/orders", "a/GET/orders/1"));
        assert!(globs_intersect("a/GET/orders/*", "a/*/orders/*/lines"));
        assert!(globs_intersect("a/*/*", "a/DELETE/admin"));
        assert!(!globs_intersect("a/GET/orders", "a/GET/admin/*"));
        assert!(!globs_intersect("a/GET/*", "a/POST/*"));
        assert!(globs_intersect("a/G?T/x", "a/*T/x"));
        assert!(!globs_intersect("a/GET/orders/*", "a/GET/orders"));
    }
}
