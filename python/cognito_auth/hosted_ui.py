"""Hosted-UI login for people at a terminal or desktop app: authorization code with PKCE
(S256) through a one-shot loopback callback server (RFC 8252), then tokens that renew
themselves at the domain's token endpoint. Everything runs in the Rust core.

Example::

    from cognito_auth import hosted_ui

    tokens = hosted_ui.login(
        "https://example.auth.eu-west-1.amazoncognito.com",
        "4mw9nqflq0example",
        scopes=["openid", "email"],
    )  # prints the URL, opens the browser, waits for the redirect
    print(tokens.expires_at)
    headers = {"Authorization": f"Bearer {tokens.access_token()}"}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from cognito_auth._native import HostedUi, LoginTokens

__all__ = ["DEFAULT_REDIRECT_URI", "HostedUi", "LoginTokens", "login"]

#: The loopback IP literal, not ``localhost`` (RFC 8252 §7.3, §8.3).
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"


def login(
    domain: str,
    client_id: str,
    *,
    client_secret: str | None = None,
    redirect_uri: str = DEFAULT_REDIRECT_URI,
    scopes: Iterable[str] = ("openid",),
    timeout: float = 300.0,
    open_browser: bool = True,
    opener: Callable[[str], object] | None = None,
    print_url: bool = True,
    identity_provider: str | None = None,
    login_hint: str | None = None,
    prompt: Literal["login", "none"] | None = None,
    refresh_margin: float = 300.0,
) -> LoginTokens:
    """Signs a person in through the hosted UI and returns their tokens.

    The authorization URL is printed (``print_url``) and opened with ``opener(url)`` or
    the default browser (``open_browser``); the callback must arrive at ``redirect_uri``
    (a loopback URI registered on the app client) within ``timeout`` seconds. ``state``
    and the PKCE verifier are checked by the core. Raises ``HostedUiError`` (the server's
    ``error``), ``LoginTimeout``, or ``ConfigurationError`` (e.g. a non-loopback redirect).
    """
    ui = HostedUi(
        domain=domain,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        scopes=list(scopes),
        refresh_margin=refresh_margin,
    )
    return ui.login(
        timeout=timeout,
        open_browser=open_browser,
        opener=opener,
        print_url=print_url,
        identity_provider=identity_provider,
        login_hint=login_hint,
        prompt=prompt,
    )
