"""Hosted-UI login against the test kit's issuer (a real `/oauth2/authorize` and token
endpoint with PKCE checks): the browser is a thread that follows the authorization URL's
redirect to the core's loopback callback server, as a browser would."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from cognito_auth import Verifier, hosted_ui
from cognito_auth.exceptions import ConfigurationError, HostedUiError, LoginTimeout
from cognito_auth.testing import LocalIssuer

REDIRECT = "http://127.0.0.1:0/callback"


@pytest.fixture
def ui_issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer() as iss:
        iss.add_client("spa", None, ["openid", "email"], [REDIRECT])
        iss.set_login_user("alice")
        yield iss


class Browser:
    """Opens the URL in another thread (a browser is another process) and follows the
    redirect to the callback."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.pages: list[str] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)

        def visit() -> None:
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    self.pages.append(r.read().decode(errors="replace"))
            except urllib.error.HTTPError as e:  # the callback page of a failed sign-in
                self.pages.append(f"HTTP {e.code}: {e.read().decode(errors='replace')}")
                e.close()

        t = threading.Thread(target=visit)
        t.start()
        self.threads.append(t)

    def join(self) -> None:
        for t in self.threads:
            t.join(10)


def test_login_with_pkce_then_refresh_and_revoke(ui_issuer: LocalIssuer) -> None:
    browser = Browser()
    tokens = hosted_ui.login(
        ui_issuer.base_url,
        "spa",
        redirect_uri=REDIRECT,
        scopes=["openid", "email"],
        opener=browser,
        print_url=False,
        timeout=20,
    )
    browser.join()
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(browser.urls[0]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0]
    assert query["scope"] == ["openid email"]
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert "code_verifier" not in browser.urls[0]

    verifier = Verifier(
        issuer=ui_issuer.issuer,
        jwks_url=ui_issuer.jwks_url,
        token_use="access",
        allowed_clients=["spa"],
    )
    first = tokens.access_token()
    assert verifier.verify(first).username == "alice"
    assert tokens.id_token()
    assert tokens.refresh_token
    assert first not in repr(tokens)

    # Renewal with rotation: the rotated refresh token replaces the old one.
    ui_issuer.set_refresh_token_rotation(True)
    old_refresh = tokens.refresh_token
    tokens.refresh()
    assert tokens.refresh_token != old_refresh
    assert verifier.verify(tokens.access_token()).username == "alice"

    # A stored refresh token renews on first use.
    ui = hosted_ui.HostedUi(domain=ui_issuer.base_url, client_id="spa", redirect_uri=REDIRECT)
    restored = ui.restore(tokens.refresh_token or "")
    assert verifier.verify(restored.access_token()).username == "alice"
    restored.revoke()


def test_login_prints_the_url(ui_issuer: LocalIssuer, capfd: pytest.CaptureFixture[str]) -> None:
    browser = Browser()
    tokens = hosted_ui.login(ui_issuer.base_url, "spa", redirect_uri=REDIRECT, opener=browser)
    browser.join()
    err = capfd.readouterr().err
    assert browser.urls[0] in err  # printed for a browser on another machine
    assert tokens.access_token() not in err


def test_login_errors(ui_issuer: LocalIssuer) -> None:
    ui_issuer.fail_next_login("access_denied")
    browser = Browser()
    with pytest.raises(HostedUiError) as e:
        hosted_ui.login(
            ui_issuer.base_url, "spa", redirect_uri=REDIRECT, opener=browser, print_url=False
        )
    browser.join()
    assert e.value.error == "access_denied"
    assert browser.pages  # the callback answered the browser too

    with pytest.raises(LoginTimeout):
        hosted_ui.login(
            ui_issuer.base_url,
            "spa",
            redirect_uri=REDIRECT,
            opener=lambda url: None,
            print_url=False,
            timeout=0.3,
        )

    with pytest.raises(ConfigurationError):
        hosted_ui.login(
            ui_issuer.base_url,
            "spa",
            redirect_uri="http://example.com/callback",
            opener=lambda url: None,
            print_url=False,
        )
