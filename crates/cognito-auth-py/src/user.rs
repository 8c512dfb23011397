//! People: `UserPool` (sign-in with SRP and every challenge, account flows), `Challenge`
//! (typed, answered in place: a wrong code keeps it), `Session` (tokens that renew
//! themselves, sign-out, revocation, devices, the signed-in user's account) and
//! `DeviceCredentials`. Every flow is the core's `cognito_auth::user`; this module converts.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use cognito_auth::refresh::{RefreshError, RefreshingTokens, TokenRefresher, UserTokens};
use cognito_auth::secret::{AccessToken, IdToken, Password, RefreshToken};
use cognito_auth::user::{
    self as core, ChallengeAnswer, ChallengeKind, FirstFactor, MfaPreference, MfaType, SignInStep,
    UserError, UserPoolClient,
};
use futures_util::future::BoxFuture;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::utc_datetime;
use crate::errors::{refresh_error, user_error};
use crate::runtime::{awaitable, http_config, wait};
use crate::tokens::{self, Which, secs};

type Converted = PyResult<Py<PyAny>>;

fn nothing(py: Python<'_>, (): ()) -> Converted {
    Ok(py.None())
}

fn none(py: Python<'_>, r: Result<(), UserError>) -> Converted {
    r.map(|()| py.None()).map_err(|e| user_error(py, &e))
}

fn delivery(py: Python<'_>, d: &core::CodeDelivery) -> PyResult<Py<PyAny>> {
    let o = PyDict::new(py);
    o.set_item("destination", d.destination.as_deref())?;
    o.set_item("medium", d.medium.as_deref())?;
    o.set_item("attribute", d.attribute.as_deref())?;
    Ok(o.into_any().unbind())
}

fn mfa_type(name: &str) -> PyResult<MfaType> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "totp" | "software_token_mfa" => MfaType::Totp,
        "sms" | "sms_mfa" => MfaType::Sms,
        "email" | "email_otp" => MfaType::Email,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown MFA method {other:?} (expected \"totp\", \"sms\" or \"email\")"
            )));
        }
    })
}

fn first_factor(name: &str, password: Option<String>) -> PyResult<FirstFactor> {
    let need = |p: Option<String>| {
        p.map(Password::new)
            .ok_or_else(|| PyValueError::new_err(format!("factor {name:?} needs password=")))
    };
    Ok(match name.to_ascii_lowercase().as_str() {
        "choose" => FirstFactor::Choose,
        "password" => FirstFactor::Password(need(password)?),
        "password_srp" => FirstFactor::PasswordSrp(need(password)?),
        "email_otp" => FirstFactor::EmailOtp,
        "sms_otp" => FirstFactor::SmsOtp,
        "web_authn" => FirstFactor::WebAuthn,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown factor {other:?} (choose, password, password_srp, email_otp, sms_otp, web_authn)"
            )));
        }
    })
}

/// What a remembered device needs to skip MFA (`DEVICE_SRP_AUTH`). Keep it with the user's
/// tokens: `to_dict()` / `DeviceCredentials.from_dict()`. `repr()` hides the password.
#[pyclass(frozen, module = "cognito_auth._native")]
pub(crate) struct DeviceCredentials {
    inner: core::DeviceCredentials,
}

#[pymethods]
impl DeviceCredentials {
    #[new]
    fn new(device_key: String, device_group_key: String, device_password: String) -> Self {
        DeviceCredentials {
            inner: core::DeviceCredentials::new(
                device_key,
                device_group_key,
                Password::new(device_password),
            ),
        }
    }
    #[staticmethod]
    fn from_dict(d: BTreeMap<String, String>) -> PyResult<Self> {
        let get = |k: &str| {
            d.get(k)
                .cloned()
                .ok_or_else(|| PyValueError::new_err(format!("device credentials without {k}")))
        };
        Ok(Self::new(
            get("device_key")?,
            get("device_group_key")?,
            get("device_password")?,
        ))
    }
    /// The credentials as a dict (the password included: store it like a password).
    fn to_dict(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("device_key", self.inner.device_key.clone()),
            ("device_group_key", self.inner.device_group_key.clone()),
            (
                "device_password",
                self.inner.device_password.expose().to_owned(),
            ),
        ])
    }
    #[getter]
    fn device_key(&self) -> &str {
        &self.inner.device_key
    }
    #[getter]
    fn device_group_key(&self) -> &str {
        &self.inner.device_group_key
    }
    fn __repr__(&self) -> String {
        format!(
            "DeviceCredentials(device_key={:?}, device_group_key={:?}, device_password=<redacted>)",
            self.inner.device_key, self.inner.device_group_key
        )
    }
}

/// A TOTP secret to put into an authenticator app. `repr()` hides the secret.
#[pyclass(frozen, module = "cognito_auth._native")]
pub(crate) struct TotpSetup {
    #[pyo3(get)]
    secret: String,
    #[pyo3(get)]
    uri: String,
}

#[pymethods]
impl TotpSetup {
    fn __repr__(&self) -> &'static str {
        "TotpSetup(secret=<redacted>, uri=<redacted>)"
    }
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn totp_setup(secret: String, issuer: &str, account: &str) -> TotpSetup {
    let uri = format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}",
        percent(issuer),
        percent(account),
        percent(&secret),
        percent(issuer)
    );
    TotpSetup { secret, uri }
}

/// Renews a session's tokens with its device key (a confirmed device must be named on every
/// refresh, or Cognito tracks the refresh as a new device).
struct Refresher {
    client: UserPoolClient,
    device_key: Mutex<Option<String>>,
}

impl TokenRefresher for Refresher {
    fn refresh<'a>(&'a self, t: &'a UserTokens) -> BoxFuture<'a, Result<UserTokens, RefreshError>> {
        Box::pin(async move {
            if t.refresh_token.is_none() {
                return Err(RefreshError::NoRefreshToken);
            }
            let mut s = core::Session::from_tokens(
                t.username.clone().unwrap_or_default(),
                t.access_token.clone(),
                t.id_token.clone(),
                t.refresh_token.clone(),
                t.expires_at,
            );
            s.device_key = self
                .device_key
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            let fresh = self.client.refresh(&s).await.map_err(|e| {
                if e.is_unreachable() {
                    RefreshError::Unreachable(Arc::new(e))
                } else {
                    RefreshError::Rejected(Arc::new(e))
                }
            })?;
            Ok(UserTokens::from(fresh))
        })
    }
}

/// A signed-in person's tokens, renewed ahead of expiry (`access_token()`), with what the
/// signed-in user can do. Thread-safe; concurrent callers share one renewal. `repr()` never
/// shows a token.
#[pyclass(frozen, module = "cognito_auth._native")]
pub(crate) struct Session {
    pub(crate) client: UserPoolClient,
    pub(crate) tokens: RefreshingTokens,
    refresher: Arc<Refresher>,
    new_device: Mutex<Option<core::NewDeviceMetadata>>,
    /// The `issuer` label of TOTP set-up URIs (the pool id).
    totp_issuer: String,
}

impl Session {
    pub(crate) fn create(
        client: UserPoolClient,
        s: core::Session,
        margin: Duration,
        totp_issuer: String,
    ) -> Session {
        let refresher = Arc::new(Refresher {
            client: client.clone(),
            device_key: Mutex::new(s.device_key.clone()),
        });
        let new_device = Mutex::new(s.new_device.clone());
        let tokens = RefreshingTokens::new(
            UserTokens::from(s),
            Some(refresher.clone() as Arc<dyn TokenRefresher>),
            margin,
        );
        Session {
            client,
            tokens,
            refresher,
            new_device,
            totp_issuer,
        }
    }

    fn device_key(&self) -> Option<String> {
        self.refresher
            .device_key
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The current access token, renewed first when it is within the margin of expiry.
    fn fresh_access(
        &self,
    ) -> impl Future<Output = Result<AccessToken, RefreshError>> + Send + 'static {
        let tokens = self.tokens.clone();
        async move { tokens.current().await.map(|t| t.access_token) }
    }

    /// Runs `op(client, access token)` with a fresh access token, sync or as a coroutine.
    fn with_access<'py, T, F, Fut, C>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        op: F,
        convert: C,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        F: FnOnce(UserPoolClient, AccessToken) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, UserError>> + Send + 'static,
        T: Send + 'static,
        C: for<'a> FnOnce(Python<'a>, T) -> Converted + Send + 'static,
    {
        /// Why a call with the session's access token failed.
        enum Failed {
            /// Renewing the tokens first failed.
            Renewal(RefreshError),
            /// The call itself failed.
            Call(UserError),
        }
        let access = self.fresh_access();
        let client = self.client.clone();
        let fut = async move {
            let token = access.await.map_err(Failed::Renewal)?;
            op(client, token).await.map_err(Failed::Call)
        };
        let finish = move |py: Python<'_>, r: Result<T, Failed>| match r {
            Ok(v) => convert(py, v),
            Err(Failed::Call(e)) => Err(user_error(py, &e)),
            Err(Failed::Renewal(e)) => Err(refresh_error(py, &e)),
        };
        if asynchronous {
            awaitable(py, fut, finish)
        } else {
            Ok(wait(py, fut, finish)?.into_bound(py))
        }
    }
}

#[pymethods]
impl Session {
    /// The internal user name (`cognito:username`).
    #[getter]
    fn username(&self) -> Option<String> {
        self.tokens.tokens().username
    }
    /// When the current access and ID tokens expire (aware UTC datetime).
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::expires_at(py, &self.tokens)
    }
    /// The device Cognito created at sign-in and asks the app to confirm
    /// (`(device_key, device_group_key)`), when device tracking is on.
    #[getter]
    fn new_device(&self) -> Option<(String, String)> {
        self.new_device
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|d| (d.device_key.clone(), d.device_group_key.clone()))
    }
    /// The confirmed or remembered device this session's refreshes name.
    #[getter(device_key)]
    fn get_device_key(&self) -> Option<String> {
        self.device_key()
    }
    /// The refresh token, if one was issued (a secret: store it like a password).
    #[getter]
    fn refresh_token(&self) -> Option<String> {
        tokens::refresh_token(&self.tokens)
    }

    /// The access token, renewed first when less than the margin is left.
    fn access_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::current(py, &self.tokens, Which::Access, false)
    }
    /// `await` form of `access_token()`.
    fn aaccess_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::current(py, &self.tokens, Which::Access, true)
    }
    /// The ID token (renewed like the access token), if the sign-in included `openid`.
    fn id_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::current(py, &self.tokens, Which::Id, false)
    }
    /// `await` form of `id_token()`.
    fn aid_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::current(py, &self.tokens, Which::Id, true)
    }

    /// Renews the tokens now (`REFRESH_TOKEN_AUTH`). The refresh token is kept unless
    /// Cognito rotates it; a rotated one replaces it.
    fn refresh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::renew(py, &self.tokens, false)
    }
    /// `await` form of `refresh()`.
    fn arefresh<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        tokens::renew(py, &self.tokens, true)
    }

    /// pycognito's `check_token`: whether the access token has expired; with `renew=True`
    /// (the default) an expired one is renewed first. Returns `True` when it had expired.
    #[pyo3(signature = (renew=true))]
    fn check_token(&self, py: Python<'_>, renew: bool) -> PyResult<bool> {
        if !self.tokens.tokens().expires_within(Duration::ZERO) {
            return Ok(false);
        }
        if renew {
            self.refresh(py)?;
        }
        Ok(true)
    }

    /// Signs the user out everywhere (`GlobalSignOut`): every access and refresh token of the
    /// user stops working.
    fn sign_out<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            |c, t| async move { c.global_sign_out(&t).await },
            nothing,
        )
    }
    /// `await` form of `sign_out()`.
    fn asign_out<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            true,
            |c, t| async move { c.global_sign_out(&t).await },
            nothing,
        )
    }

    /// Revokes the refresh token (and the access tokens issued from it).
    fn revoke(&self, py: Python<'_>) -> Converted {
        let Some(rt) = self.tokens.tokens().refresh_token else {
            return Err(user_error(py, &UserError::NoRefreshToken));
        };
        let client = self.client.clone();
        wait(py, async move { client.revoke_token(&rt).await }, none)
    }
    /// `await` form of `revoke()`.
    fn arevoke<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let Some(rt) = self.tokens.tokens().refresh_token else {
            return Err(user_error(py, &UserError::NoRefreshToken));
        };
        let client = self.client.clone();
        awaitable(py, async move { client.revoke_token(&rt).await }, none)
    }

    /// Confirms the device Cognito created at sign-in (`ConfirmDevice`, with a fresh device
    /// verifier). Returns `(DeviceCredentials, user_confirmation_necessary)`; from then on
    /// this session's refreshes name the device.
    fn confirm_device(
        &self,
        py: Python<'_>,
        device_name: String,
    ) -> PyResult<(DeviceCredentials, bool)> {
        let meta = self
            .new_device
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| user_error(py, &UserError::NoNewDevice))?;
        let t = self.tokens.tokens();
        let mut s = core::Session::from_tokens(
            t.username.unwrap_or_default(),
            t.access_token,
            t.id_token,
            t.refresh_token,
            t.expires_at,
        );
        s.new_device = Some(meta);
        let client = self.client.clone();
        let (s, r) = crate::runtime::block_on(py, move || async move {
            let r = client.confirm_device(&mut s, &device_name).await;
            (s, r)
        })?;
        let (creds, necessary) = r.map_err(|e| user_error(py, &e))?;
        *self
            .refresher
            .device_key
            .lock()
            .unwrap_or_else(|p| p.into_inner()) =
            s.device_key.clone().or(Some(creds.device_key.clone()));
        *self.new_device.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok((DeviceCredentials { inner: creds }, necessary))
    }

    /// Marks a device (this session's by default) remembered or not.
    #[pyo3(signature = (remembered=true, device_key=None))]
    fn remember_device<'py>(
        &self,
        py: Python<'py>,
        remembered: bool,
        device_key: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = self.device_or(py, device_key)?;
        self.with_access(
            py,
            false,
            move |c, t| async move { c.remember_device(&t, &key, remembered).await },
            nothing,
        )
    }
    /// Forgets a device (this session's by default).
    #[pyo3(signature = (device_key=None))]
    fn forget_device<'py>(
        &self,
        py: Python<'py>,
        device_key: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = self.device_or(py, device_key)?;
        self.with_access(
            py,
            false,
            move |c, t| async move { c.forget_device(&t, &key).await },
            nothing,
        )
    }
    /// The user's devices: `[{"device_key": …, "attributes": {…}}]`.
    fn list_devices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            |c, t| async move { c.list_devices(&t).await },
            |py, devices| {
                let out = PyList::empty(py);
                for d in devices {
                    let o = PyDict::new(py);
                    o.set_item("device_key", d.device_key)?;
                    o.set_item("attributes", d.attributes)?;
                    out.append(o)?;
                }
                Ok(out.into_any().unbind())
            },
        )
    }

    /// `GetUser`: `{"username", "attributes", "preferred_mfa", "mfa_settings"}`.
    fn get_user<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            |c, t| async move { c.get_user(&t).await },
            |py, u| {
                let o = PyDict::new(py);
                o.set_item("username", u.username)?;
                o.set_item("attributes", u.attributes)?;
                o.set_item("preferred_mfa", u.preferred_mfa)?;
                o.set_item("mfa_settings", u.mfa_settings)?;
                Ok(o.into_any().unbind())
            },
        )
    }
    /// Updates attributes; returns where verification codes went (attributes that need one).
    fn update_attributes<'py>(
        &self,
        py: Python<'py>,
        attributes: BTreeMap<String, String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            move |c, t| async move { c.update_user_attributes(&t, &attributes).await },
            |py, ds| {
                let out = PyList::empty(py);
                for d in &ds {
                    out.append(delivery(py, d)?)?;
                }
                Ok(out.into_any().unbind())
            },
        )
    }
    /// Sends a verification code for an attribute (e.g. `email`); returns where it went.
    fn send_attribute_code<'py>(
        &self,
        py: Python<'py>,
        attribute: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            move |c, t| async move { c.get_user_attribute_verification_code(&t, &attribute).await },
            |py, d| delivery(py, &d),
        )
    }
    /// Verifies an attribute with the code sent to it.
    fn verify_attribute<'py>(
        &self,
        py: Python<'py>,
        attribute: String,
        code: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            move |c, t| async move { c.verify_user_attribute(&t, &attribute, &code).await },
            nothing,
        )
    }
    /// Changes the password.
    fn change_password<'py>(
        &self,
        py: Python<'py>,
        old: String,
        new: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (old, new) = (Password::new(old), Password::new(new));
        self.with_access(
            py,
            false,
            move |c, t| async move { c.change_password(&t, &old, &new).await },
            nothing,
        )
    }
    /// Deletes the user (self-service `DeleteUser`).
    fn delete_user<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            |c, t| async move { c.delete_user(&t).await },
            nothing,
        )
    }
    /// Starts TOTP enrolment for the signed-in user (`AssociateSoftwareToken`): the secret and
    /// its `otpauth://` URI. Then `verify_totp(code)` and `set_mfa_preference(totp="preferred")`.
    #[pyo3(signature = (issuer=None))]
    fn associate_totp<'py>(
        &self,
        py: Python<'py>,
        issuer: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let issuer = issuer.unwrap_or_else(|| self.totp_issuer.clone());
        let account = self.tokens.tokens().username.unwrap_or_default();
        self.with_access(
            py,
            false,
            |c, t| async move { c.associate_software_token(&t).await },
            move |py, secret| Ok(Py::new(py, totp_setup(secret, &issuer, &account))?.into_any()),
        )
    }
    /// Completes TOTP enrolment with a first code.
    #[pyo3(signature = (code, friendly_name=None))]
    fn verify_totp<'py>(
        &self,
        py: Python<'py>,
        code: String,
        friendly_name: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            move |c, t| async move {
                c.verify_software_token(&t, &code, friendly_name.as_deref())
                    .await
            },
            nothing,
        )
    }
    /// Sets MFA preferences: each of `totp`, `sms`, `email` is `"preferred"`, `"enabled"`,
    /// `"disabled"` or `None` (unchanged).
    #[pyo3(signature = (*, totp=None, sms=None, email=None))]
    fn set_mfa_preference<'py>(
        &self,
        py: Python<'py>,
        totp: Option<String>,
        sms: Option<String>,
        email: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let pref = |v: Option<String>| -> PyResult<Option<MfaPreference>> {
            Ok(match v.as_deref() {
                None => None,
                Some("preferred") => Some(MfaPreference {
                    enabled: true,
                    preferred: true,
                }),
                Some("enabled") => Some(MfaPreference {
                    enabled: true,
                    preferred: false,
                }),
                Some("disabled") => Some(MfaPreference {
                    enabled: false,
                    preferred: false,
                }),
                Some(other) => {
                    return Err(PyValueError::new_err(format!(
                        "MFA preference {other:?}: expected \"preferred\", \"enabled\" or \"disabled\""
                    )));
                }
            })
        };
        let (totp, sms, email) = (pref(totp)?, pref(sms)?, pref(email)?);
        self.with_access(
            py,
            false,
            move |c, t| async move { c.set_user_mfa_preference(&t, totp, sms, email).await },
            nothing,
        )
    }

    /// Starts registering a passkey for the signed-in user: the WebAuthn
    /// `PublicKeyCredentialCreationOptions` as JSON, for `navigator.credentials.create`.
    fn start_passkey_registration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            |c, t| async move { c.start_passkey_registration(&t).await },
            |py, r| {
                Ok(r.credential_creation_options
                    .to_string()
                    .into_pyobject(py)?
                    .into_any()
                    .unbind())
            },
        )
    }
    /// Completes a passkey registration with the authenticator's `PublicKeyCredential` JSON.
    fn complete_passkey_registration<'py>(
        &self,
        py: Python<'py>,
        credential: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let credential: serde_json::Value = serde_json::from_str(credential)
            .map_err(|e| PyValueError::new_err(format!("credential: not JSON ({e})")))?;
        self.with_access(
            py,
            false,
            move |c, t| async move { c.complete_passkey_registration(&t, &credential).await },
            nothing,
        )
    }
    /// The user's passkeys: `[{"credential_id", "name", "relying_party_id", "attachment",
    /// "transports", "created_at"}]`.
    fn list_passkeys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            |c, t| async move { c.list_passkeys(&t).await },
            |py, keys| {
                let out = PyList::empty(py);
                for k in keys {
                    let o = PyDict::new(py);
                    o.set_item("credential_id", k.credential_id)?;
                    o.set_item("name", k.name)?;
                    o.set_item("relying_party_id", k.relying_party_id)?;
                    o.set_item("attachment", k.attachment)?;
                    o.set_item("transports", k.transports)?;
                    o.set_item(
                        "created_at",
                        k.created_at
                            .map(|t| utc_datetime(py, secs(t)))
                            .transpose()?,
                    )?;
                    out.append(o)?;
                }
                Ok(out.into_any().unbind())
            },
        )
    }
    /// Deletes a passkey.
    fn delete_passkey<'py>(
        &self,
        py: Python<'py>,
        credential_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.with_access(
            py,
            false,
            move |c, t| async move { c.delete_passkey(&t, &credential_id).await },
            nothing,
        )
    }

    /// The tokens as a dict for a token store (`UserPool.restore_session` reads it back). It
    /// holds secrets: store it like a password.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let o = tokens::to_dict(py, &self.tokens)?;
        o.set_item("device_key", self.device_key())?;
        Ok(o)
    }

    fn __repr__(&self) -> String {
        let t = self.tokens.tokens();
        format!(
            "Session(username={:?}, expires_at={}, access_token=<redacted>, refresh_token={})",
            t.username.unwrap_or_default(),
            secs(t.expires_at) as u64,
            if t.refresh_token.is_some() {
                "<redacted>"
            } else {
                "None"
            }
        )
    }
}

impl Session {
    fn device_or(&self, py: Python<'_>, key: Option<String>) -> PyResult<String> {
        key.or_else(|| self.device_key()).ok_or_else(|| {
            user_error(
                py,
                &UserError::Config("no device_key given and the session has no device".into()),
            )
        })
    }
}

/// A step of a sign-in Cognito asks the user to complete. `name` is Cognito's
/// `ChallengeName`; answer with `answer(...)` (or `new_password`, `select_mfa`, `choose`,
/// `setup_totp` first for `MFA_SETUP`). A wrong code raises `CodeMismatchError` and leaves
/// the challenge as it was: answer it again. `repr()` never shows the session.
#[pyclass(frozen, module = "cognito_auth._native")]
pub(crate) struct Challenge {
    pool: Py<UserPool>,
    client: UserPoolClient,
    inner: Mutex<core::Challenge>,
}

fn step_to_py(
    py: Python<'_>,
    pool: Py<UserPool>,
    client: UserPoolClient,
    step: SignInStep,
) -> Converted {
    let margin = pool.get().margin;
    let totp_issuer = pool.get().totp_issuer.clone();
    match step {
        SignInStep::Done(s) => {
            Ok(Py::new(py, Session::create(client, s, margin, totp_issuer))?.into_any())
        }
        SignInStep::Challenge(c) => Ok(Py::new(
            py,
            Challenge {
                pool,
                client,
                inner: Mutex::new(c),
            },
        )?
        .into_any()),
        _ => Err(user_error(
            py,
            &UserError::Config("a sign-in step this version does not know".into()),
        )),
    }
}

impl Challenge {
    fn current(&self) -> core::Challenge {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn respond<'py>(
        &self,
        py: Python<'py>,
        answer: ChallengeAnswer,
        asynchronous: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let challenge = self.current();
        let client = self.client.clone();
        let pool = self.pool.clone_ref(py);
        let c2 = client.clone();
        let fut = async move { c2.respond(&challenge, answer).await };
        let convert = move |py: Python<'_>, r: Result<SignInStep, UserError>| match r {
            Ok(step) => step_to_py(py, pool, client, step),
            Err(e) => Err(user_error(py, &e)),
        };
        if asynchronous {
            awaitable(py, fut, convert)
        } else {
            Ok(wait(py, fut, convert)?.into_bound(py))
        }
    }

    fn answer_for(
        &self,
        value: String,
        attributes: Option<BTreeMap<String, String>>,
        password: Option<String>,
    ) -> PyResult<ChallengeAnswer> {
        let kind = self.current().kind;
        Ok(match kind {
            ChallengeKind::NewPasswordRequired { .. } => ChallengeAnswer::NewPassword {
                password: Password::new(value),
                attributes: attributes.unwrap_or_default(),
            },
            ChallengeKind::SelectMfaType { .. } => ChallengeAnswer::SelectMfa(mfa_type(&value)?),
            ChallengeKind::SelectChallenge { .. } => {
                ChallengeAnswer::Choose(first_factor(&value, password)?)
            }
            ChallengeKind::WebAuthn { .. } => ChallengeAnswer::WebAuthnCredential(value),
            ChallengeKind::CustomChallenge => ChallengeAnswer::Custom(value),
            _ => ChallengeAnswer::Code(value),
        })
    }
}

#[pymethods]
impl Challenge {
    /// Cognito's `ChallengeName` (`SOFTWARE_TOKEN_MFA`, `NEW_PASSWORD_REQUIRED`, …).
    #[getter]
    fn name(&self) -> String {
        self.current().name
    }
    /// The user name Cognito uses for this sign-in.
    #[getter]
    fn username(&self) -> String {
        self.current().username().to_owned()
    }
    /// `ChallengeParameters` as Cognito sent them (public values only).
    #[getter]
    fn parameters(&self) -> BTreeMap<String, String> {
        self.current().parameters
    }
    /// Where a code was sent (masked), for `SMS_MFA`, `EMAIL_OTP` and `SMS_OTP`.
    #[getter]
    fn destination(&self) -> Option<String> {
        match self.current().kind {
            ChallengeKind::SmsMfa { destination }
            | ChallengeKind::EmailOtp { destination }
            | ChallengeKind::SmsOtp { destination } => destination,
            _ => None,
        }
    }
    /// The MFA methods to choose from (`SELECT_MFA_TYPE`) or set up (`MFA_SETUP`):
    /// `"totp"`, `"sms"`, `"email"`.
    #[getter]
    fn options(&self) -> Vec<&'static str> {
        let name = |t: &MfaType| match t {
            MfaType::Totp => "totp",
            MfaType::Sms => "sms",
            _ => "email",
        };
        match self.current().kind {
            ChallengeKind::SelectMfaType { options } | ChallengeKind::MfaSetup { options } => {
                options.iter().map(name).collect()
            }
            _ => Vec::new(),
        }
    }
    /// The first factors this user may choose (`SELECT_CHALLENGE`), lower-case:
    /// `"password"`, `"password_srp"`, `"email_otp"`, `"sms_otp"`, `"web_authn"`.
    #[getter]
    fn available(&self) -> Vec<String> {
        match self.current().kind {
            ChallengeKind::SelectChallenge { available } => available
                .iter()
                .map(|f| f.as_str().to_ascii_lowercase())
                .collect(),
            _ => Vec::new(),
        }
    }
    /// Attributes a `NEW_PASSWORD_REQUIRED` answer must supply.
    #[getter]
    fn required_attributes(&self) -> Vec<String> {
        match self.current().kind {
            ChallengeKind::NewPasswordRequired {
                required_attributes,
                ..
            } => required_attributes,
            _ => Vec::new(),
        }
    }
    /// The user's current attributes (`NEW_PASSWORD_REQUIRED`).
    #[getter]
    fn user_attributes(&self) -> BTreeMap<String, String> {
        match self.current().kind {
            ChallengeKind::NewPasswordRequired {
                user_attributes, ..
            } => user_attributes,
            _ => BTreeMap::new(),
        }
    }
    /// `WEB_AUTHN`: the `PublicKeyCredentialRequestOptions` JSON for the authenticator.
    #[getter]
    fn credential_request_options(&self) -> Option<String> {
        match self.current().kind {
            ChallengeKind::WebAuthn {
                credential_request_options,
            } => Some(credential_request_options),
            _ => None,
        }
    }

    /// Answers the challenge and returns the next step (`Session` or `Challenge`): a code
    /// (TOTP, SMS, e-mail, passwordless, or `MFA_SETUP` after `setup_totp()`), the new
    /// password (`NEW_PASSWORD_REQUIRED`, with `attributes=`), an MFA method
    /// (`SELECT_MFA_TYPE`), a factor (`SELECT_CHALLENGE`, with `password=` for password
    /// factors), a custom answer, or a passkey assertion JSON (`WEB_AUTHN`).
    #[pyo3(signature = (value, *, attributes=None, password=None))]
    fn answer<'py>(
        &self,
        py: Python<'py>,
        value: String,
        attributes: Option<BTreeMap<String, String>>,
        password: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = self.answer_for(value, attributes, password)?;
        self.respond(py, a, false)
    }
    /// `await` form of `answer()`.
    #[pyo3(signature = (value, *, attributes=None, password=None))]
    fn aanswer<'py>(
        &self,
        py: Python<'py>,
        value: String,
        attributes: Option<BTreeMap<String, String>>,
        password: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = self.answer_for(value, attributes, password)?;
        self.respond(py, a, true)
    }
    /// `NEW_PASSWORD_REQUIRED`: sets the new password (and required attributes).
    #[pyo3(signature = (password, attributes=None))]
    fn new_password<'py>(
        &self,
        py: Python<'py>,
        password: String,
        attributes: Option<BTreeMap<String, String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = ChallengeAnswer::NewPassword {
            password: Password::new(password),
            attributes: attributes.unwrap_or_default(),
        };
        self.respond(py, a, false)
    }
    /// `SELECT_MFA_TYPE`: `"totp"`, `"sms"` or `"email"`.
    fn select_mfa<'py>(&self, py: Python<'py>, method: &str) -> PyResult<Bound<'py, PyAny>> {
        let a = ChallengeAnswer::SelectMfa(mfa_type(method)?);
        self.respond(py, a, false)
    }
    /// `SELECT_CHALLENGE`: one of `available` (`password=` for `"password"` and
    /// `"password_srp"`).
    #[pyo3(signature = (factor, password=None))]
    fn choose<'py>(
        &self,
        py: Python<'py>,
        factor: &str,
        password: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let a = ChallengeAnswer::Choose(first_factor(factor, password)?);
        self.respond(py, a, false)
    }
    /// `MFA_SETUP`: associates a TOTP secret with this sign-in and returns it with its
    /// `otpauth://` URI (`issuer` defaults to the pool id); then answer with the app's code.
    #[pyo3(signature = (issuer=None))]
    fn setup_totp(&self, py: Python<'_>, issuer: Option<String>) -> PyResult<TotpSetup> {
        let mut challenge = self.current();
        let client = self.client.clone();
        let (challenge, r) = crate::runtime::block_on(py, move || async move {
            let r = client.setup_totp(&mut challenge).await;
            (challenge, r)
        })?;
        let secret = r.map_err(|e| user_error(py, &e))?;
        let account = challenge.username().to_owned();
        *self.inner.lock().unwrap_or_else(|p| p.into_inner()) = challenge;
        let issuer = issuer.unwrap_or_else(|| self.pool.get().totp_issuer.clone());
        Ok(totp_setup(secret, &issuer, &account))
    }

    fn __repr__(&self) -> String {
        let c = self.current();
        format!(
            "Challenge(name={:?}, username={:?}, session=<redacted>)",
            c.name,
            c.username()
        )
    }
}

/// A user-pool app client for people: sign-in (SRP by default) with every challenge, and
/// the account flows that need no sign-in. Thread-safe and cheap to share.
#[pyclass(frozen, subclass, module = "cognito_auth._native")]
pub(crate) struct UserPool {
    client: UserPoolClient,
    margin: Duration,
    /// The `issuer` label of TOTP set-up URIs (the pool id).
    totp_issuer: String,
}

fn session_from_parts(
    username: Option<String>,
    access_token: String,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_at: f64,
) -> PyResult<core::Session> {
    let at = Duration::try_from_secs_f64(expires_at)
        .ok()
        .and_then(|d| UNIX_EPOCH.checked_add(d))
        .ok_or_else(|| PyValueError::new_err("expires_at: seconds since the Unix epoch"))?;
    Ok(core::Session::from_tokens(
        username.unwrap_or_default(),
        AccessToken::new(access_token),
        id_token.map(IdToken::new),
        refresh_token.map(RefreshToken::new),
        at,
    ))
}

impl UserPool {
    fn run<'py, T, Fut, C>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        fut: Fut,
        convert: C,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        Fut: Future<Output = Result<T, UserError>> + Send + 'static,
        T: Send + 'static,
        C: for<'a> FnOnce(Python<'a>, T) -> Converted + Send + 'static,
    {
        let finish = move |py: Python<'_>, r: Result<T, UserError>| match r {
            Ok(v) => convert(py, v),
            Err(e) => Err(user_error(py, &e)),
        };
        if asynchronous {
            awaitable(py, fut, finish)
        } else {
            Ok(wait(py, fut, finish)?.into_bound(py))
        }
    }

    // The account calls (sync, or a coroutine with `asynchronous`).
    fn sign_up_call<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        username: String,
        password: String,
        attributes: Option<BTreeMap<String, String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client.clone();
        let (password, attributes) = (Password::new(password), attributes.unwrap_or_default());
        self.run(
            py,
            asynchronous,
            async move { c.sign_up(&username, &password, &attributes).await },
            |py, r| {
                let o = PyDict::new(py);
                o.set_item("user_confirmed", r.user_confirmed)?;
                o.set_item("user_sub", r.user_sub)?;
                o.set_item(
                    "code_delivery",
                    r.code_delivery
                        .as_ref()
                        .map(|d| delivery(py, d))
                        .transpose()?,
                )?;
                Ok(o.into_any().unbind())
            },
        )
    }
    fn confirm_sign_up_call<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        username: String,
        code: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client.clone();
        self.run(
            py,
            asynchronous,
            async move { c.confirm_sign_up(&username, &code).await },
            nothing,
        )
    }
    fn resend_confirmation_code_call<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        username: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client.clone();
        self.run(
            py,
            asynchronous,
            async move { c.resend_confirmation_code(&username).await },
            |py, d| delivery(py, &d),
        )
    }
    fn forgot_password_call<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        username: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client.clone();
        self.run(
            py,
            asynchronous,
            async move { c.forgot_password(&username).await },
            |py, d| delivery(py, &d),
        )
    }
    fn confirm_forgot_password_call<'py>(
        &self,
        py: Python<'py>,
        asynchronous: bool,
        username: String,
        code: String,
        new_password: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.client.clone();
        let new_password = Password::new(new_password);
        self.run(
            py,
            asynchronous,
            async move {
                c.confirm_forgot_password(&username, &code, &new_password)
                    .await
            },
            nothing,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn start<'py>(
        slf: &Bound<'py, Self>,
        username: String,
        password: Option<String>,
        flow: &str,
        factor: Option<String>,
        device: Option<core::DeviceCredentials>,
        asynchronous: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let client = this.client.clone();
        let need = |p: Option<String>| {
            p.ok_or_else(|| PyValueError::new_err(format!("flow {flow:?} needs a password")))
        };
        let c = client.clone();
        let fut: BoxFuture<'static, Result<SignInStep, UserError>> = match flow {
            "srp" => {
                let password = need(password)?;
                match device {
                    Some(d) => Box::pin(async move {
                        c.sign_in_srp_with_device(&username, &password, &d).await
                    }),
                    None => Box::pin(async move { c.sign_in_srp(&username, &password).await }),
                }
            }
            "password" => {
                let password = need(password)?;
                Box::pin(async move { c.sign_in_password(&username, &password).await })
            }
            "user_auth" => {
                let f = match factor.as_deref() {
                    Some(f) => first_factor(f, password)?,
                    None => match password {
                        Some(p) => FirstFactor::PasswordSrp(Password::new(p)),
                        None => FirstFactor::Choose,
                    },
                };
                Box::pin(async move { c.sign_in_user_auth(&username, f).await })
            }
            "custom" => {
                Box::pin(async move { c.sign_in_custom(&username, password.as_deref()).await })
            }
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown flow {other:?} (\"srp\", \"password\", \"user_auth\" or \"custom\")"
                )));
            }
        };
        let pool: Py<UserPool> = slf.clone().unbind();
        this.run(py, asynchronous, fut, move |py, step| {
            step_to_py(py, pool, client, step)
        })
    }
}

#[pymethods]
impl UserPool {
    /// See `cognito_auth.UserPool` for the arguments.
    #[new]
    #[pyo3(signature = (*, user_pool_id=None, client_id=None, client_secret=None, region=None, endpoint=None, verify_tokens=false, jwks_url=None, client_metadata=None, refresh_margin=300.0, _from_env=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        user_pool_id: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
        region: Option<String>,
        endpoint: Option<String>,
        verify_tokens: bool,
        jwks_url: Option<String>,
        client_metadata: Option<BTreeMap<String, String>>,
        refresh_margin: f64,
        _from_env: bool,
        py: Python<'_>,
    ) -> PyResult<Self> {
        let mut b = if _from_env {
            core::UserPoolClientBuilder::from_env()
        } else {
            core::UserPoolClient::builder()
        };
        if let Some(v) = user_pool_id {
            b = b.user_pool(v);
        }
        if let Some(v) = client_id {
            b = b.client_id(v);
        }
        if let Some(v) = client_secret {
            b = b.client_secret(v);
        }
        if let Some(v) = region {
            b = b.region(v);
        }
        if let Some(v) = endpoint {
            b = b.endpoint(v);
        }
        if let Some(v) = jwks_url {
            b = b.jwks_url(v);
        }
        let margin = Duration::try_from_secs_f64(refresh_margin)
            .map_err(|_| PyValueError::new_err("refresh_margin: seconds, not negative"))?;
        let mut client = b
            .http_config(http_config()?)
            .verify_tokens(verify_tokens)
            .build()
            .map_err(|e| user_error(py, &e))?;
        if let Some(m) = client_metadata {
            client = client.with_client_metadata(m);
        }
        let totp_issuer = client.pool_id().to_owned();
        Ok(UserPool {
            client,
            margin,
            totp_issuer,
        })
    }

    /// The user pool id.
    #[getter]
    fn user_pool_id(&self) -> &str {
        self.client.pool_id()
    }
    /// The app client id.
    #[getter]
    fn client_id(&self) -> &str {
        self.client.client_id()
    }
    /// The region.
    #[getter]
    fn region(&self) -> &str {
        self.client.region()
    }

    /// Signs in: `flow="srp"` (the default: the password never leaves the process),
    /// `"password"` (`USER_PASSWORD_AUTH`), `"user_auth"` (choice-based: `factor=` one of
    /// `choose`, `password`, `password_srp`, `email_otp`, `sms_otp`, `web_authn`) or
    /// `"custom"` (`CUSTOM_AUTH`, SRP first when a password is given). `device=` answers
    /// `DEVICE_SRP_AUTH` with remembered-device credentials. Returns a `Session` or a
    /// `Challenge`.
    #[pyo3(signature = (username, password=None, *, flow="srp", factor=None, device=None))]
    fn sign_in<'py>(
        slf: &Bound<'py, Self>,
        username: String,
        password: Option<String>,
        flow: &str,
        factor: Option<String>,
        device: Option<PyRef<'py, DeviceCredentials>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let device = device.map(|d| d.inner.clone());
        Self::start(slf, username, password, flow, factor, device, false)
    }
    /// `await` form of `sign_in()`.
    #[pyo3(signature = (username, password=None, *, flow="srp", factor=None, device=None))]
    fn asign_in<'py>(
        slf: &Bound<'py, Self>,
        username: String,
        password: Option<String>,
        flow: &str,
        factor: Option<String>,
        device: Option<PyRef<'py, DeviceCredentials>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let device = device.map(|d| d.inner.clone());
        Self::start(slf, username, password, flow, factor, device, true)
    }

    /// A session from stored tokens (`Session.to_dict()`), renewed like a fresh one.
    #[pyo3(signature = (*, access_token, refresh_token=None, id_token=None, username=None, expires_at=0.0, device_key=None))]
    #[allow(clippy::too_many_arguments)]
    fn restore_session(
        &self,
        access_token: String,
        refresh_token: Option<String>,
        id_token: Option<String>,
        username: Option<String>,
        expires_at: f64,
        device_key: Option<String>,
    ) -> PyResult<Session> {
        let mut s =
            session_from_parts(username, access_token, id_token, refresh_token, expires_at)?;
        s.device_key = device_key;
        Ok(Session::create(
            self.client.clone(),
            s,
            self.margin,
            self.totp_issuer.clone(),
        ))
    }

    /// Registers a user; returns `{"user_confirmed", "user_sub", "code_delivery"}`.
    #[pyo3(signature = (username, password, attributes=None))]
    fn sign_up<'py>(
        &self,
        py: Python<'py>,
        username: String,
        password: String,
        attributes: Option<BTreeMap<String, String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.sign_up_call(py, false, username, password, attributes)
    }
    /// `await` form of `sign_up()`.
    #[pyo3(signature = (username, password, attributes=None))]
    fn asign_up<'py>(
        &self,
        py: Python<'py>,
        username: String,
        password: String,
        attributes: Option<BTreeMap<String, String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.sign_up_call(py, true, username, password, attributes)
    }
    /// Confirms a sign-up with the code sent to the user.
    fn confirm_sign_up<'py>(
        &self,
        py: Python<'py>,
        username: String,
        code: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.confirm_sign_up_call(py, false, username, code)
    }
    /// `await` form of `confirm_sign_up()`.
    fn aconfirm_sign_up<'py>(
        &self,
        py: Python<'py>,
        username: String,
        code: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.confirm_sign_up_call(py, true, username, code)
    }
    /// Sends the sign-up code again; returns where it went.
    fn resend_confirmation_code<'py>(
        &self,
        py: Python<'py>,
        username: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.resend_confirmation_code_call(py, false, username)
    }
    /// `await` form of `resend_confirmation_code()`.
    fn aresend_confirmation_code<'py>(
        &self,
        py: Python<'py>,
        username: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.resend_confirmation_code_call(py, true, username)
    }
    /// Starts a password reset; returns where the code went.
    fn forgot_password<'py>(
        &self,
        py: Python<'py>,
        username: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.forgot_password_call(py, false, username)
    }
    /// `await` form of `forgot_password()`.
    fn aforgot_password<'py>(
        &self,
        py: Python<'py>,
        username: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.forgot_password_call(py, true, username)
    }
    /// Completes a password reset with the code.
    fn confirm_forgot_password<'py>(
        &self,
        py: Python<'py>,
        username: String,
        code: String,
        new_password: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.confirm_forgot_password_call(py, false, username, code, new_password)
    }
    /// `await` form of `confirm_forgot_password()`.
    fn aconfirm_forgot_password<'py>(
        &self,
        py: Python<'py>,
        username: String,
        code: String,
        new_password: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.confirm_forgot_password_call(py, true, username, code, new_password)
    }

    /// `SECRET_HASH` for a user name (for calls made outside this client, e.g. boto3 admin
    /// flows); `None` without a client secret.
    fn secret_hash(&self, username: &str) -> Option<String> {
        self.client.secret_hash(username)
    }

    /// Continues a sign-in started elsewhere (e.g. `AdminInitiateAuth` through boto3): its
    /// response dict (`AuthenticationResult` or `ChallengeName`/`Session`/
    /// `ChallengeParameters`) becomes a `Session` or `Challenge`.
    fn continue_sign_in<'py>(
        slf: &Bound<'py, Self>,
        response: &Bound<'py, PyDict>,
        username: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let text = py
            .import("json")?
            .getattr("dumps")?
            .call1((response,))?
            .extract::<String>()?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| PyValueError::new_err(e.to_string()))?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        let outcome = if let Some(r) = v.get("AuthenticationResult").filter(|r| !r.is_null()) {
            let rs = |k: &str| r.get(k).and_then(|x| x.as_str()).map(str::to_owned);
            let device = r.get("NewDeviceMetadata").and_then(|d| {
                Some(core::NewDeviceMetadata::new(
                    d.get("DeviceKey")?.as_str()?,
                    d.get("DeviceGroupKey")?.as_str()?,
                ))
            });
            core::AuthOutcome::signed_in(
                core::AuthTokens::new(
                    rs("AccessToken"),
                    rs("IdToken"),
                    rs("RefreshToken"),
                    r.get("ExpiresIn").and_then(|x| x.as_u64()),
                    rs("TokenType"),
                )
                .new_device(device),
            )
        } else {
            let params: BTreeMap<String, String> = v
                .get("ChallengeParameters")
                .and_then(|p| p.as_object())
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, x)| Some((k.clone(), x.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            core::AuthOutcome::challenge(
                s("ChallengeName").unwrap_or_default(),
                s("Session"),
                params,
            )
        };
        let client = this.client.clone();
        let c = client.clone();
        let pool: Py<UserPool> = slf.clone().unbind();
        this.run(
            py,
            false,
            async move {
                c.continue_sign_in(outcome, &username, "AdminInitiateAuth")
                    .await
            },
            move |py, step| step_to_py(py, pool, client, step),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "UserPool(user_pool_id={:?}, client_id={:?})",
            self.client.pool_id(),
            self.client.client_id()
        )
    }
}
