//! Route keys in API Gateway's syntax and the guard of each.

use std::fmt;

use cognito_auth::web::{Guard, UnlistedMethod};

/// A route: a method (or `ANY`) and a path template. Segments `{name}` match one path
/// segment; `{name+}` and `*` match the rest of the path (one segment or more).
///
/// ```
/// use cognito_auth_lambda::RouteKey;
///
/// let k = RouteKey::parse("GET /orders/{id}").unwrap();
/// assert!(k.matches("GET", "/orders/42"));
/// assert!(k.matches("GET", "/orders/{id}")); // a REST `resource` template
/// assert!(!k.matches("POST", "/orders/42"));
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
            } else {
                Segment::Literal((*s).to_owned())
            };
            segments.push(seg);
        }
        Ok(RouteKey { method, segments })
    }

    /// Whether a request with `method` on `path` (an actual path, or a template with `{…}`
    /// segments) falls under this route.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if self.method != "ANY" && !self.method.eq_ignore_ascii_case(method) {
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

/// The routes and their guards, in order; the first match applies.
#[derive(Default, Debug)]
pub(crate) struct Routes {
    list: Vec<(RouteKey, Guard)>,
    pub(crate) fallback: Option<Guard>,
}

impl Routes {
    pub(crate) fn add(&mut self, key: RouteKey, guard: Guard) {
        // The route key names the methods; the guard's own per-method rules apply to the
        // methods it lists, and any other method of the route passes them.
        self.list
            .push((key, guard.unlisted_methods(UnlistedMethod::Allow)));
    }

    pub(crate) fn find(&self, method: &str, path: &str) -> Option<&Guard> {
        self.list
            .iter()
            .find(|(k, _)| k.matches(method, path))
            .map(|(_, g)| g)
            .or(self.fallback.as_ref())
    }
}
