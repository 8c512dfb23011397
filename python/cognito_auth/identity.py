"""Identity pools: a signed-in person's tokens turned into AWS credentials that refresh
themselves, as a ``boto3.Session``.

Both layers are kept fresh by the Rust core (``CognitoCredentials``): when botocore asks
for new credentials, the user-pool tokens are renewed first if they are within their
margin of expiry (``REFRESH_TOKEN_AUTH``, or the hosted UI's token endpoint), then
``GetId`` and ``GetCredentialsForIdentity`` run with the fresh ID token. Worker threads
share the session: botocore serialises its refresh and the core shares one request.

Example::

    from cognito_auth import UserPool
    from cognito_auth.identity import refreshing_session

    session = UserPool(user_pool_id=..., client_id=...).sign_in("alice", password)
    aws = refreshing_session("eu-west-1:1a2b…", tokens=session, role_suffix="/Analyst")
    s3 = aws.client("s3")          # keeps working past the credentials' hour

boto3 is needed (``pip install cognito-auth[boto3]``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from cognito_auth._native import IdentityCredentials, LoginTokens, Session

if TYPE_CHECKING:
    import boto3

__all__ = ["IdentityCredentials", "refreshing_session"]


def refreshing_session(
    identity_pool_id: str,
    *,
    tokens: Session | LoginTokens,
    role_suffix: str | None = None,
    role_arn: str | None = None,
    user_pool_id: str | None = None,
    region: str | None = None,
    account_id: str | None = None,
    endpoint_url: str | None = None,
    margin: float = 300.0,
    botocore_session: Any = None,
) -> boto3.Session:
    """A ``boto3.Session`` whose credentials are botocore ``RefreshableCredentials`` fed by
    the core's identity client.

    - ``tokens``: a :class:`~cognito_auth.Session` or hosted-UI
      :class:`~cognito_auth.hosted_ui.LoginTokens` (then ``user_pool_id=`` names the
      ``Logins`` provider).
    - The role: the identity pool's default, ``role_arn=``, or ``role_suffix=``: exactly one
      role of the ID token's ``cognito:roles`` must end with it, otherwise
      ``RoleSelectionError`` lists the candidates. The first credentials are fetched here,
      so a wrong role or pool fails at once, not at the first AWS call.
    - ``margin``: seconds before expiry at which botocore asks for new credentials (must be
      shorter than the credentials' lifetime, an hour on AWS); it is also the AWS-credential
      layer's margin in the core.
    - ``region``: the identity pool's region (default: the id's prefix), also the session's
      default region. ``endpoint_url``: Cognito Identity's endpoint (emulators).
    """
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    creds = IdentityCredentials(
        identity_pool_id,
        tokens=tokens,
        user_pool_id=user_pool_id,
        region=region,
        role_suffix=role_suffix,
        role_arn=role_arn,
        account_id=account_id,
        endpoint=endpoint_url,
        margin=margin,
    )
    refreshes = _Counter()

    def refresh() -> dict[str, Any]:
        meta: dict[str, Any] = creds.credentials(margin)
        refreshes.add()
        return {k: meta[k] for k in ("access_key", "secret_key", "token", "expiry_time")}

    refreshable = RefreshableCredentials.create_from_metadata(
        metadata=refresh(), refresh_using=refresh, method="cognito-identity"
    )
    # botocore asks for new credentials this long before expiry (advisory: one caller
    # refreshes while the others go on; mandatory: everyone waits for the refresh).
    refreshable._advisory_refresh_timeout = margin
    refreshable._mandatory_refresh_timeout = margin / 2
    bc = botocore_session or botocore.session.get_session()
    bc._credentials = refreshable
    pool_region = region or identity_pool_id.split(":", 1)[0]
    if bc.get_config_variable("region") is None:
        bc.set_config_variable("region", pool_region)
    session = boto3.Session(botocore_session=bc)
    # For tests and monitoring: how many times the credentials were fetched.
    session.cognito_refreshes = refreshes
    session.cognito_credentials = creds
    return session


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1
