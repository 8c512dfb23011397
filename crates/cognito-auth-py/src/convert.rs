//! Values between Rust and Python.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFrozenSet, PyList};
use serde_json::Value;

/// A JSON value as the Python value `json.loads` would give.
pub(crate) fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for item in a {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(o) => {
            let dict = PyDict::new(py);
            for (k, item) in o {
                dict.set_item(k, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A frozenset of strings.
pub(crate) fn frozenset<'py, 'a>(
    py: Python<'py>,
    items: impl IntoIterator<Item = &'a str>,
) -> PyResult<Bound<'py, PyFrozenSet>> {
    let items: Vec<&str> = items.into_iter().collect();
    PyFrozenSet::new(py, &items)
}

static FROM_TIMESTAMP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)`.
pub(crate) fn utc_datetime<'py>(py: Python<'py>, secs: f64) -> PyResult<Bound<'py, PyAny>> {
    let from = FROM_TIMESTAMP.get_or_try_init(py, || -> PyResult<_> {
        Ok(py
            .import("datetime")?
            .getattr("datetime")?
            .getattr("fromtimestamp")?
            .unbind())
    })?;
    let utc = UTC.get_or_try_init(py, || -> PyResult<_> {
        Ok(py
            .import("datetime")?
            .getattr("timezone")?
            .getattr("utc")?
            .unbind())
    })?;
    from.bind(py).call1((secs, utc.bind(py)))
}

/// A list of strings from `None`, one string (space- or comma-separated) or an iterable.
pub(crate) fn string_list(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
    let Some(v) = value else { return Ok(None) };
    if v.is_none() {
        return Ok(None);
    }
    if let Ok(s) = v.extract::<String>() {
        return Ok(Some(
            s.split([' ', ','])
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        ));
    }
    let mut out = Vec::new();
    for item in v.try_iter()? {
        out.push(item?.extract::<String>()?);
    }
    Ok(Some(out))
}

/// The scopes, sorted, for a `repr()`.
pub(crate) fn sorted_scopes(scopes: &cognito_auth::verify::ScopeSet) -> Vec<&str> {
    let mut v: Vec<&str> = scopes.iter().collect();
    v.sort_unstable();
    v
}

/// A `__hash__` of a token's text (equal tokens, equal hashes).
pub(crate) fn hash_text(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}
