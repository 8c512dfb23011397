"""Admin user and group operations (IAM-signed), on boto3: the operations of the Rust
``cognito-auth-admin`` crate, for scripts and back offices. Needs boto3
(``pip install cognito-auth[boto3]``); signing in and every user flow do not.

Example::

    from cognito_auth import UserPool
    from cognito_auth.admin import UserPoolAdmin

    admin = UserPoolAdmin("eu-west-1_AbC123")            # credentials: boto3's usual chain
    admin.create_user("bob", temporary_password="Temp-Passw0rd!", attributes={"email": "bob@example.com"})
    admin.add_user_to_group("bob", "analysts")
    step = admin.sign_in(UserPool(user_pool_id="eu-west-1_AbC123", client_id="…"), "bob", "Temp-Passw0rd!")
    # step is a Challenge (NEW_PASSWORD_REQUIRED): step.new_password("…")

Errors are botocore's ``ClientError`` for the admin calls; a sign-in continued with
:meth:`UserPool.continue_sign_in` raises this package's ``UserPoolError`` classes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cognito_auth import Challenge, Session, UserPool

__all__ = ["UserPoolAdmin"]


def _attrs(attributes: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in (attributes or {}).items()]


def _user(u: Mapping[str, Any]) -> dict[str, Any]:
    attrs = u.get("Attributes", u.get("UserAttributes", []))
    return {
        "username": u["Username"],
        "attributes": {a["Name"]: a.get("Value", "") for a in attrs},
        "enabled": u.get("Enabled", True),
        "status": u.get("UserStatus"),
    }


class UserPoolAdmin:
    """Admin operations on one user pool. ``client``: a boto3 ``cognito-idp`` client; or
    ``region`` / ``endpoint_url`` / ``session`` (a ``boto3.Session``) to make one."""

    def __init__(
        self,
        user_pool_id: str,
        *,
        client: Any = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        session: Any = None,
    ) -> None:
        if client is None:
            import boto3

            region = region or user_pool_id.split("_", 1)[0]
            client = (session or boto3).client(
                "cognito-idp", region_name=region, endpoint_url=endpoint_url
            )
        self.user_pool_id = user_pool_id
        self.client = client

    def __repr__(self) -> str:
        return f"UserPoolAdmin(user_pool_id={self.user_pool_id!r})"

    def _call(self, op: str, **kw: Any) -> Any:
        return getattr(self.client, op)(UserPoolId=self.user_pool_id, **kw)

    # users -----------------------------------------------------------------------------
    def create_user(
        self,
        username: str,
        *,
        temporary_password: str | None = None,
        attributes: Mapping[str, str] | None = None,
        suppress_message: bool = True,
    ) -> dict[str, Any]:
        """``AdminCreateUser`` (the invitation message suppressed by default)."""
        kw: dict[str, Any] = {"Username": username, "UserAttributes": _attrs(attributes)}
        if temporary_password is not None:
            kw["TemporaryPassword"] = temporary_password
        if suppress_message:
            kw["MessageAction"] = "SUPPRESS"
        return _user(self._call("admin_create_user", **kw)["User"])

    def get_user(self, username: str) -> dict[str, Any]:
        """``AdminGetUser``: ``{"username", "attributes", "enabled", "status"}``."""
        return _user(self._call("admin_get_user", Username=username))

    def list_users(self, filter: str | None = None) -> Iterator[dict[str, Any]]:
        """``ListUsers``, every page (``filter``: Cognito's filter expression)."""
        kw: dict[str, Any] = {"Filter": filter} if filter else {}
        while True:
            page = self._call("list_users", **kw)
            yield from (_user(u) for u in page.get("Users", []))
            token = page.get("PaginationToken")
            if not token:
                return
            kw["PaginationToken"] = token

    def set_password(self, username: str, password: str, *, permanent: bool = True) -> None:
        """``AdminSetUserPassword``."""
        self._call(
            "admin_set_user_password", Username=username, Password=password, Permanent=permanent
        )

    def update_user_attributes(self, username: str, attributes: Mapping[str, str]) -> None:
        """``AdminUpdateUserAttributes``."""
        self._call(
            "admin_update_user_attributes", Username=username, UserAttributes=_attrs(attributes)
        )

    def enable_user(self, username: str) -> None:
        """``AdminEnableUser``."""
        self._call("admin_enable_user", Username=username)

    def disable_user(self, username: str) -> None:
        """``AdminDisableUser``."""
        self._call("admin_disable_user", Username=username)

    def delete_user(self, username: str) -> None:
        """``AdminDeleteUser``."""
        self._call("admin_delete_user", Username=username)

    def reset_password(self, username: str) -> None:
        """``AdminResetUserPassword``."""
        self._call("admin_reset_user_password", Username=username)

    def confirm_sign_up(self, username: str) -> None:
        """``AdminConfirmSignUp``."""
        self._call("admin_confirm_sign_up", Username=username)

    def global_sign_out(self, username: str) -> None:
        """``AdminUserGlobalSignOut``: every token of the user stops working."""
        self._call("admin_user_global_sign_out", Username=username)

    # groups ----------------------------------------------------------------------------
    def create_group(
        self,
        name: str,
        *,
        description: str | None = None,
        role_arn: str | None = None,
        precedence: int | None = None,
    ) -> None:
        """``CreateGroup``."""
        kw: dict[str, Any] = {"GroupName": name}
        if description is not None:
            kw["Description"] = description
        if role_arn is not None:
            kw["RoleArn"] = role_arn
        if precedence is not None:
            kw["Precedence"] = precedence
        self._call("create_group", **kw)

    def get_group(self, name: str) -> dict[str, Any]:
        """``GetGroup``: the group as Cognito describes it."""
        group: dict[str, Any] = self._call("get_group", GroupName=name)["Group"]
        return group

    def delete_group(self, name: str) -> None:
        """``DeleteGroup``."""
        self._call("delete_group", GroupName=name)

    def list_groups(self) -> list[str]:
        """``ListGroups``: the group names, every page."""
        names: list[str] = []
        kw: dict[str, Any] = {}
        while True:
            page = self._call("list_groups", **kw)
            names += [g["GroupName"] for g in page.get("Groups", [])]
            if not page.get("NextToken"):
                return names
            kw["NextToken"] = page["NextToken"]

    def add_user_to_group(self, username: str, group: str) -> None:
        """``AdminAddUserToGroup``."""
        self._call("admin_add_user_to_group", Username=username, GroupName=group)

    def remove_user_from_group(self, username: str, group: str) -> None:
        """``AdminRemoveUserFromGroup``."""
        self._call("admin_remove_user_from_group", Username=username, GroupName=group)

    def list_groups_for_user(self, username: str) -> list[str]:
        """``AdminListGroupsForUser``: the group names."""
        page = self._call("admin_list_groups_for_user", Username=username)
        return [g["GroupName"] for g in page.get("Groups", [])]

    def list_users_in_group(self, group: str) -> list[str]:
        """``ListUsersInGroup``: the user names."""
        page = self._call("list_users_in_group", GroupName=group)
        return [u["Username"] for u in page.get("Users", [])]

    # sign-in ---------------------------------------------------------------------------
    def sign_in(self, pool: UserPool, username: str, password: str) -> Session | Challenge:
        """``AdminInitiateAuth`` (``ADMIN_USER_PASSWORD_AUTH``, with ``SECRET_HASH`` when the
        client has a secret), continued by ``pool``: a :class:`~cognito_auth.Session` or a
        :class:`~cognito_auth.Challenge` to answer as after :meth:`UserPool.sign_in`."""
        params = {"USERNAME": username, "PASSWORD": password}
        secret_hash = pool.secret_hash(username)
        if secret_hash is not None:
            params["SECRET_HASH"] = secret_hash
        response = self._call(
            "admin_initiate_auth",
            ClientId=pool.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters=params,
        )
        response.pop("ResponseMetadata", None)
        return pool.continue_sign_in(response, username)
