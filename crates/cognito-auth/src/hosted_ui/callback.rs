//! The single-shot loopback callback server (RFC 8252).

use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;

use super::{AuthorizationRequest, HostedUiError};
use crate::secret::{SecretString, ct_eq};

/// The addresses a loopback redirect URI's host names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LoopbackHost {
    /// `127.0.0.1`.
    V4,
    /// `[::1]`.
    V6,
    /// `localhost`: both, since either may be what the browser resolves it to.
    Both,
}

/// The host kind and port of a loopback redirect URI; refuses other hosts and schemes.
pub(super) fn loopback_port(
    redirect_uri: &str,
) -> Result<(LoopbackHost, u16, String), HostedUiError> {
    let u = url::Url::parse(redirect_uri)
        .map_err(|e| HostedUiError::Config(format!("redirect URI: {e}")))?;
    if u.scheme() != "http" {
        return Err(HostedUiError::Config(
            "a loopback redirect URI uses http".into(),
        ));
    }
    let host = match u.host() {
        Some(url::Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST => LoopbackHost::V4,
        Some(url::Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => LoopbackHost::V6,
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => LoopbackHost::Both,
        _ => {
            return Err(HostedUiError::NonLoopback(
                u.host_str().unwrap_or("").to_owned(),
            ));
        }
    };
    Ok((host, u.port().unwrap_or(80), u.path().to_owned()))
}

/// The single-shot loopback server that receives the authorization redirect.
///
/// Binds the loopback address of the redirect URI (`127.0.0.1`, `[::1]`, or both for
/// `localhost`), answers the browser with a short page, checks `state` in constant time, and
/// stops after the callback of this login or on timeout. Requests without the right `state`
/// (a stray request, a page probing the port) get an error page and do not end the login.
pub struct CallbackServer {
    listeners: Vec<tokio::net::TcpListener>,
    path: String,
    redirect_uri: String,
}

impl fmt::Debug for CallbackServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackServer")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

type Outcome = Result<String, HostedUiError>;

fn page(status: u16, title: &str, text: &str) -> http::Response<Full<Bytes>> {
    let html = format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body>"
    );
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(Full::new(Bytes::from(html)))
        .unwrap_or_default()
}

fn html_escape(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            '"' => "&quot;".into(),
            c => c.to_string(),
        })
        .collect()
}

impl CallbackServer {
    /// Binds the redirect URI's loopback address at its port (0: a free port): `127.0.0.1`,
    /// `[::1]`, or, for `localhost`, both (where the machine has IPv6), so no other local
    /// program can receive the redirect on the other one. Refuses non-loopback redirect URIs;
    /// reports a taken port as [`HostedUiError::PortInUse`].
    pub async fn bind(redirect_uri: &str) -> Result<CallbackServer, HostedUiError> {
        let (host, port, path) = loopback_port(redirect_uri)?;
        let listeners = match host {
            LoopbackHost::V4 => vec![bind_one(IpAddr::V4(Ipv4Addr::LOCALHOST), port).await?],
            LoopbackHost::V6 => vec![bind_one(IpAddr::V6(Ipv6Addr::LOCALHOST), port).await?],
            LoopbackHost::Both => bind_both(port).await?,
        };
        let actual = listeners[0]
            .local_addr()
            .map_err(|e| HostedUiError::Io(Arc::new(e)))?
            .port();
        let mut u =
            url::Url::parse(redirect_uri).map_err(|e| HostedUiError::Config(e.to_string()))?;
        let _ = u.set_port(Some(actual));
        Ok(CallbackServer {
            listeners,
            path: if path.is_empty() { "/".into() } else { path },
            redirect_uri: u.into(),
        })
    }

    /// The local addresses the server listens on.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// The redirect URI with the real port.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the callback of `request`; returns the authorization code.
    pub async fn wait(
        self,
        request: &AuthorizationRequest,
        timeout: Duration,
    ) -> Result<String, HostedUiError> {
        let (tx, rx) = tokio::sync::oneshot::channel::<Outcome>();
        let tx = Arc::new(Mutex::new(Some(tx)));
        let expected = request.state.clone();
        let mut accepts = Vec::new();
        for listener in self.listeners {
            let tx = Arc::clone(&tx);
            let expected = expected.clone();
            let path = self.path.clone();
            accepts.push(tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        break;
                    };
                    let tx = Arc::clone(&tx);
                    let expected = expected.clone();
                    let path = path.clone();
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(
                            move |req: http::Request<hyper::body::Incoming>| {
                                let resp = handle_callback(&req, &path, &expected, &tx);
                                async move { Ok::<_, Infallible>(resp) }
                            },
                        );
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let _ = hyper::server::conn::http1::Builder::new()
                            .keep_alive(false)
                            .serve_connection(io, svc)
                            .await;
                    });
                }
            }));
        }
        let result = tokio::time::timeout(timeout, rx).await;
        // Give the browser its page before the listener goes away.
        tokio::time::sleep(Duration::from_millis(50)).await;
        for a in accepts {
            a.abort();
        }
        match result {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(HostedUiError::Io(Arc::new(std::io::Error::other(
                "the callback server stopped",
            )))),
            Err(_) => Err(HostedUiError::Timeout(timeout)),
        }
    }
}

/// The parameters of an authorization callback's query string. A parameter given twice, or
/// a query longer than 16 KiB, is refused rather than guessed at.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct CallbackQuery {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl CallbackQuery {
    pub(crate) fn parse(query: &str) -> Result<CallbackQuery, &'static str> {
        if query.len() > 16 * 1024 {
            return Err("query too long");
        }
        let mut q = CallbackQuery::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*k {
                "state" => &mut q.state,
                "code" => &mut q.code,
                "error" => &mut q.error,
                "error_description" => &mut q.error_description,
                _ => continue,
            };
            if slot.is_some() {
                return Err("parameter repeated");
            }
            *slot = Some(v.into_owned());
        }
        Ok(q)
    }
}

async fn bind_one(ip: IpAddr, port: u16) -> Result<tokio::net::TcpListener, HostedUiError> {
    tokio::net::TcpListener::bind(SocketAddr::new(ip, port))
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => HostedUiError::PortInUse(port),
            _ => HostedUiError::Io(Arc::new(e)),
        })
}

/// `127.0.0.1` and `[::1]` at one port (for `localhost`). A machine without IPv6 loopback
/// gets the IPv4 listener alone; a port taken on either address is refused. With port 0, a
/// few free ports are tried until one is free on both.
async fn bind_both(port: u16) -> Result<Vec<tokio::net::TcpListener>, HostedUiError> {
    for _ in 0..8 {
        let v4 = bind_one(IpAddr::V4(Ipv4Addr::LOCALHOST), port).await?;
        let actual = v4
            .local_addr()
            .map_err(|e| HostedUiError::Io(Arc::new(e)))?
            .port();
        match tokio::net::TcpListener::bind(SocketAddr::new(
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            actual,
        ))
        .await
        {
            Ok(v6) => return Ok(vec![v4, v6]),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                if port != 0 {
                    return Err(HostedUiError::PortInUse(port));
                }
                // Another program holds this port on [::1]: try another one.
            }
            // No IPv6 loopback here: nobody can listen on [::1] either.
            Err(_) => return Ok(vec![v4]),
        }
    }
    Err(HostedUiError::Io(Arc::new(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        "no port free on both 127.0.0.1 and [::1]",
    ))))
}

fn handle_callback(
    req: &http::Request<hyper::body::Incoming>,
    path: &str,
    expected_state: &SecretString,
    tx: &Arc<Mutex<Option<tokio::sync::oneshot::Sender<Outcome>>>>,
) -> http::Response<Full<Bytes>> {
    if req.uri().path() != path || req.method() != http::Method::GET {
        return page(
            404,
            "Not found",
            "This is the sign-in callback; nothing else lives here.",
        );
    }
    let q = match CallbackQuery::parse(req.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(_) => {
            return page(400, "Sign-in refused", "The callback is not well formed.");
        }
    };
    // `state` first: a request that does not carry this login's state (a stray request, a
    // web page probing the port) is answered and ignored; the login keeps waiting.
    if !q
        .state
        .as_deref()
        .is_some_and(|s| ct_eq(s.as_bytes(), expected_state.expose().as_bytes()))
    {
        return page(
            400,
            "Sign-in refused",
            "The request did not come from this login. Finish the sign-in in the browser              window the terminal opened.",
        );
    }
    let mut slot = tx.lock().unwrap_or_else(|p| p.into_inner());
    let Some(sender) = slot.take() else {
        return page(
            409,
            "Already handled",
            "This sign-in has already been completed.",
        );
    };
    let (outcome, resp) = if let Some(error) = &q.error {
        let description = q.error_description.clone();
        let text = format!(
            "{}{}",
            html_escape(error),
            description
                .as_deref()
                .map(|d| format!(": {}", html_escape(d)))
                .unwrap_or_default()
        );
        (
            Err(HostedUiError::Authorization {
                error: error.clone(),
                description,
            }),
            page(400, "Sign-in failed", &text),
        )
    } else if let Some(code) = q.code.as_ref().filter(|c| !c.is_empty()) {
        (
            Ok(code.clone()),
            page(
                200,
                "Signed in",
                "You can close this window and return to the terminal.",
            ),
        )
    } else {
        (
            Err(HostedUiError::InvalidResponse(
                "callback without code or error".into(),
            )),
            page(400, "Sign-in failed", "The callback carried no code."),
        )
    };
    let _ = sender.send(outcome);
    resp
}
