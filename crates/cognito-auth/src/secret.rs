//! Redacting newtypes for secrets and tokens.
//!
//! Every credential that passes through this crate (client secrets, access, ID and refresh
//! tokens, passwords, AWS secret keys) is wrapped in a type whose `Debug` and `Display` print
//! nothing secret, whose memory is zeroised on drop, and whose equality is constant-time.
//! Reading the value is always explicit: [`SecretString::expose`]; so is writing it with
//! serde (see [`expose`]: secret types do not implement `Serialize`).
//!
//! ```
//! use cognito_auth::secret::ClientSecret;
//!
//! let secret = ClientSecret::new("s3cr3t");
//! assert_eq!(format!("{secret:?}"), "ClientSecret(<redacted>)");
//! assert_eq!(secret.expose(), "s3cr3t");
//! ```

use std::fmt;
use std::sync::Arc;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// A string that must never be printed. Cheap to clone (shared, immutable).
///
/// `Debug` prints `<redacted>`; the bytes are zeroised when the last clone is dropped;
/// `==` compares in constant time (for equal lengths).
#[derive(Clone)]
pub struct SecretString(Arc<SecretBox>);

struct SecretBox(Box<str>);

impl Drop for SecretBox {
    fn drop(&mut self) {
        // SAFETY-free zeroising: we own the box exclusively here.
        let mut s = std::mem::take(&mut self.0).into_string();
        s.zeroize();
    }
}

impl SecretString {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(Arc::new(SecretBox(value.into().into_boxed_str())))
    }

    /// The secret value. Call only where it is sent or compared.
    pub fn expose(&self) -> &str {
        &self.0.0
    }

    /// Length in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.0.len()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.0.is_empty()
    }

    /// Constant-time comparison against a candidate value.
    pub fn ct_eq(&self, other: &str) -> bool {
        ct_eq(self.expose().as_bytes(), other.as_bytes())
    }
}

/// Constant-time byte comparison (the length is not hidden).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other.expose())
    }
}
impl Eq for SecretString {}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString::new(value)
    }
}
impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        SecretString::new(value)
    }
}

/// A secret whose value can be read on purpose. Implemented by every secret type here; used
/// by the [`expose`] and [`expose_option`] serde helpers.
pub trait ExposeSecret {
    /// The secret value.
    fn expose_secret(&self) -> &str;
}

impl ExposeSecret for SecretString {
    fn expose_secret(&self) -> &str {
        self.expose()
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

/// Serde helpers that write a secret's real value: the explicit opt-in.
///
/// Secret types implement `Deserialize` but not `Serialize`, so a `#[derive(Serialize)]`
/// struct holding a token does not compile until the field says, in the source, that
/// writing the secret is intended:
///
/// ```
/// use cognito_auth::secret::{AccessToken, RefreshToken};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Stored {
///     #[serde(with = "cognito_auth::secret::expose")]
///     access_token: AccessToken,
///     #[serde(with = "cognito_auth::secret::expose_option")]
///     refresh_token: Option<RefreshToken>,
/// }
/// let s = Stored { access_token: AccessToken::new("a.b.c"), refresh_token: None };
/// assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"access_token":"a.b.c","refresh_token":null}"#);
/// ```
///
/// Without the opt-in, serialising does not compile:
///
/// ```compile_fail
/// #[derive(serde::Serialize)]
/// struct Leaky {
///     token: cognito_auth::secret::AccessToken,
/// }
/// ```
pub mod expose {
    use super::ExposeSecret;

    /// Writes the secret's value.
    pub fn serialize<T: ExposeSecret, S: serde::Serializer>(
        v: &T,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.expose_secret())
    }

    /// Reads a secret (the same as its `Deserialize`).
    pub fn deserialize<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        T::deserialize(d)
    }
}

/// [`expose`] for optional secrets.
pub mod expose_option {
    use super::ExposeSecret;

    /// Writes the secret's value, or `null`.
    pub fn serialize<T: ExposeSecret, S: serde::Serializer>(
        v: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(v.expose_secret()),
            None => s.serialize_none(),
        }
    }

    /// Reads an optional secret.
    pub fn deserialize<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        <Option<T> as serde::Deserialize>::deserialize(d)
    }
}

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(SecretString::new(value))
            }
            /// The secret value. Call only where it is sent or compared.
            pub fn expose(&self) -> &str {
                self.0.expose()
            }
            /// Constant-time comparison against a candidate value.
            pub fn ct_eq(&self, other: &str) -> bool {
                self.0.ct_eq(other)
            }
            /// Whether the value is empty.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name::new(value)
            }
        }
        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name::new(value)
            }
        }

        impl ExposeSecret for $name {
            fn expose_secret(&self) -> &str {
                self.expose()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($name::new)
            }
        }
    };
}

secret_type!(
    /// An OAuth2 app client secret.
    ClientSecret
);
secret_type!(
    /// An OAuth2 / Cognito access token (a JWT), redacted in `Debug`.
    AccessToken
);
secret_type!(
    /// A Cognito ID token (a JWT), redacted in `Debug`.
    IdToken
);
secret_type!(
    /// A Cognito refresh token (opaque), redacted in `Debug`.
    RefreshToken
);
secret_type!(
    /// A user's password, redacted in `Debug`.
    Password
);
secret_type!(
    /// An AWS secret access key or session token, redacted in `Debug`.
    AwsSecret
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let t = AccessToken::new("eyJhbGciOi.secret.sig");
        assert_eq!(format!("{t:?}"), "AccessToken(<redacted>)");
        let s = SecretString::new("hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert!(!format!("{:?}", Password::new("hunter2")).contains("hunter2"));
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(ClientSecret::new("a"), ClientSecret::new("a"));
        assert_ne!(ClientSecret::new("a"), ClientSecret::new("b"));
        assert_ne!(ClientSecret::new("a"), ClientSecret::new("ab"));
        assert!(ClientSecret::new("abc").ct_eq("abc"));
        assert!(!ClientSecret::new("abc").ct_eq("abd"));
    }
}
