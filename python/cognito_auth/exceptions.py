"""Every exception the package raises.

The hierarchy follows the core's split between "the caller is not authenticated" (401),
"authenticated but not allowed" (403) and "we could not check" (503)::

    CognitoAuthError
    ├── ConfigurationError (also a ValueError)
    ├── TokenError                      .reason (stable code), .status
    │   ├── NotAuthenticated            401
    │   ├── Forbidden                   403
    │   │   ├── InsufficientScope       .token_scopes, .required_scopes, .scope_match
    │   │   └── ClientNotAllowed
    │   └── KeysUnavailable             503
    ├── RequestRefused                  a web request's answer: .status, .body, …
    ├── TokenRequestError               M2M token request: .status_code, .error_code, …
    │   └── ThrottledError              inside a Retry-After pause; nothing was sent
    ├── UserPoolError                   a person's sign-in or account call: .code, .operation
    │   ├── NotAuthorizedError          wrong password, revoked or expired tokens
    │   ├── CodeMismatchError           a wrong code (the challenge can be answered again)
    │   ├── ExpiredCodeError
    │   ├── UserNotFoundError
    │   ├── UserNotConfirmedError
    │   ├── PasswordResetRequiredError
    │   ├── InvalidPasswordError        the password policy refused it
    │   ├── UsernameExistsError
    │   ├── TooManyRequestsError        LimitExceeded, TooManyRequests, TooManyFailedAttempts
    │   ├── SessionExpired              nothing left to renew the tokens with
    │   ├── UserPoolUnreachable         no answer (network, timeout): retrying may help
    │   ├── WrongAnswerError            an answer that does not fit the challenge
    │   └── UnknownChallengeError       a challenge this version does not know: .name
    ├── IdentityPoolError               identity pools: .code, .operation
    │   └── RoleSelectionError          role_suffix matched no role or several: .candidates
    └── HostedUiError                   hosted-UI login: .error, .error_description
        └── LoginTimeout                no callback arrived in time

No message or attribute ever holds a token, a password, a code or a client secret.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ClientNotAllowed",
    "CognitoAuthError",
    "ConfigurationError",
    "Forbidden",
    "InsufficientScope",
    "KeysUnavailable",
    "NotAuthenticated",
    "RequestRefused",
    "ThrottledError",
    "TokenError",
    "TokenRequestError",
    "UserPoolError",
    "NotAuthorizedError",
    "CodeMismatchError",
    "ExpiredCodeError",
    "UserNotFoundError",
    "UserNotConfirmedError",
    "PasswordResetRequiredError",
    "InvalidPasswordError",
    "UsernameExistsError",
    "TooManyRequestsError",
    "SessionExpired",
    "UserPoolUnreachable",
    "WrongAnswerError",
    "UnknownChallengeError",
    "IdentityPoolError",
    "RoleSelectionError",
    "HostedUiError",
    "LoginTimeout",
]


class CognitoAuthError(Exception):
    """Base class of every exception of ``cognito_auth``."""


class ConfigurationError(CognitoAuthError, ValueError):
    """A setting is missing or invalid (detected before any request)."""


class TokenError(CognitoAuthError):
    """A token was not accepted. ``reason`` is the core's stable code (``"expired"``,
    ``"wrong_issuer"``, ``"insufficient_scope"``, …) and ``status`` the HTTP status a server
    answers with."""

    status: int = 401

    def __init__(self, message: str, *, reason: str, status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        if status is not None:
            self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, reason={self.reason!r})"


class NotAuthenticated(TokenError):
    """The token is not a genuine, current token for this server (401)."""

    status = 401


class Forbidden(TokenError):
    """A genuine token that lacks a scope, a group or an allowed client (403)."""

    status = 403


class InsufficientScope(Forbidden):
    """The token lacks required scopes."""

    def __init__(
        self,
        message: str,
        *,
        reason: str = "insufficient_scope",
        status: int | None = None,
        token_scopes: Iterable[str] = (),
        required_scopes: Iterable[str] = (),
        scope_match: str = "all",
    ) -> None:
        super().__init__(message, reason=reason, status=status)
        self.token_scopes: frozenset[str] = frozenset(token_scopes)
        self.required_scopes: frozenset[str] = frozenset(required_scopes)
        self.scope_match = scope_match


class ClientNotAllowed(Forbidden):
    """The token's app client is not on the allowlist."""


class KeysUnavailable(TokenError):
    """The signing keys could not be fetched: nothing was decided (503)."""

    status = 503


class RequestRefused(CognitoAuthError):
    """A web request that may not pass, with the exact response the core rendered:
    ``status``, ``www_authenticate`` (or ``None``), ``content_type`` and ``body``."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        reason: str,
        www_authenticate: str | None,
        content_type: str,
        body: bytes,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.www_authenticate = www_authenticate
        self.content_type = content_type
        self.body = body

    @property
    def headers(self) -> dict[str, str]:
        """The headers to send (``Content-Type`` and, when set, ``WWW-Authenticate``)."""
        h = {"Content-Type": self.content_type}
        if self.www_authenticate is not None:
            h["WWW-Authenticate"] = self.www_authenticate
        return h

    def __repr__(self) -> str:
        return f"RequestRefused(status={self.status}, reason={self.reason!r})"


class TokenRequestError(CognitoAuthError):
    """A client-credentials token could not be obtained. ``status_code``, ``error_code``
    (OAuth2 ``error``), ``error_description`` and ``response_body`` (truncated) are set when
    the endpoint answered; ``retry_after`` (seconds) when it asked to wait; ``retryable``
    says whether trying again may help."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        error_description: str | None = None,
        response_body: str | None = None,
        retry_after: float | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_code = error_code
        self.error_description = error_description
        self.response_body = response_body
        self.retry_after = retry_after
        self.retryable = retryable


class ThrottledError(TokenRequestError):
    """The endpoint asked for a pause (``Retry-After``) that has not passed; no request was
    sent."""


class UserPoolError(CognitoAuthError):
    """A user-pool operation failed. ``code`` is Cognito's error type (e.g.
    ``"NotAuthorizedException"``) when Cognito answered, ``operation`` the API call,
    ``request_id`` Cognito's request id, ``status`` the HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        operation: str | None = None,
        request_id: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.operation = operation
        self.request_id = request_id
        self.status = status


class NotAuthorizedError(UserPoolError):
    """Wrong user name or password, or revoked / expired tokens (``NotAuthorizedException``)."""


class CodeMismatchError(UserPoolError):
    """A wrong code. A challenge keeps its session: answer it again with the right code."""


class ExpiredCodeError(UserPoolError):
    """The code expired; ask for a new one."""


class UserNotFoundError(UserPoolError):
    """No such user (pools that reveal it)."""


class UserNotConfirmedError(UserPoolError):
    """The user signed up but has not confirmed yet."""


class PasswordResetRequiredError(UserPoolError):
    """An administrator reset the password: use ``forgot_password``."""


class InvalidPasswordError(UserPoolError):
    """The pool's password policy refused the password."""


class UsernameExistsError(UserPoolError):
    """The user name (or an alias) is taken."""


class TooManyRequestsError(UserPoolError):
    """Cognito throttled the call or locked the user after failed attempts."""


class SessionExpired(UserPoolError):
    """The tokens expired and there is no refresh token to renew them with: sign in again."""


class UserPoolUnreachable(UserPoolError):
    """Cognito could not be reached (network, timeout): retrying later may help."""


class WrongAnswerError(UserPoolError, ValueError):
    """The answer does not fit the challenge (e.g. a code for a new-password challenge)."""

    def __init__(self, message: str, *, challenge: str | None = None) -> None:
        super().__init__(message)
        self.challenge = challenge


class UnknownChallengeError(UserPoolError):
    """Cognito asked for a challenge this version does not know; ``name`` and
    ``parameters`` are kept."""

    def __init__(
        self, message: str, *, name: str, parameters: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.name = name
        self.parameters = dict(parameters or {})


_BY_CODE: dict[str, type[UserPoolError]] = {
    "NotAuthorizedException": NotAuthorizedError,
    "CodeMismatchException": CodeMismatchError,
    "ExpiredCodeException": ExpiredCodeError,
    "UserNotFoundException": UserNotFoundError,
    "UserNotConfirmedException": UserNotConfirmedError,
    "PasswordResetRequiredException": PasswordResetRequiredError,
    "InvalidPasswordException": InvalidPasswordError,
    "UsernameExistsException": UsernameExistsError,
    "AliasExistsException": UsernameExistsError,
    "LimitExceededException": TooManyRequestsError,
    "TooManyRequestsException": TooManyRequestsError,
    "TooManyFailedAttemptsException": TooManyRequestsError,
}


def _service_error(
    message: str,
    *,
    code: str,
    operation: str | None = None,
    request_id: str | None = None,
    status: int | None = None,
) -> UserPoolError:
    """The exception for Cognito's answer ``code`` (used by the compiled module)."""
    cls = _BY_CODE.get(code, UserPoolError)
    return cls(message, code=code, operation=operation, request_id=request_id, status=status)


class IdentityPoolError(CognitoAuthError):
    """An identity-pool call failed; ``code`` is Cognito Identity's error type when it
    answered."""

    def __init__(
        self, message: str, *, code: str | None = None, operation: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.operation = operation


class RoleSelectionError(IdentityPoolError, LookupError):
    """``role_suffix`` matched no role of the ID token's ``cognito:roles``, or several.
    ``candidates`` lists the roles to choose from."""

    def __init__(self, message: str, *, suffix: str, candidates: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.suffix = suffix
        self.candidates = list(candidates)


class HostedUiError(CognitoAuthError):
    """A hosted-UI step failed: the authorization server redirected back with ``error``, or
    the token endpoint refused (``status_code``)."""

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        error_description: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.error = error
        self.error_description = error_description
        self.status_code = status_code


class LoginTimeout(HostedUiError):
    """No sign-in callback arrived in time."""
