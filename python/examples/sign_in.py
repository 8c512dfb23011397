"""A person signs in at a terminal: SRP (the password never leaves the process), every
challenge Cognito may ask for answered at the prompt, then tokens that renew themselves and
AWS credentials from an identity pool as a boto3 session.

    COGNITO_USER_POOL_ID=eu-west-1_AbC123 COGNITO_CLIENT_ID=4mw9nqflq0example \\
        python python/examples/sign_in.py alice [eu-west-1:<identity pool uuid>]

(`COGNITO_CLIENT_SECRET` for a client with a secret; `COGNITO_IDP_ENDPOINT` for an
emulator.) The tests run the same calls against moto and the strict peer
(python/tests/test_user*.py).
"""

from __future__ import annotations

import getpass
import sys

from cognito_auth import Challenge, CodeMismatchError, Session, UserPool


def answer(step: Challenge) -> Session | Challenge:
    """One answer at the prompt for whatever Cognito asked."""
    if step.name == "NEW_PASSWORD_REQUIRED":
        return step.new_password(getpass.getpass("new password: "))
    if step.name == "MFA_SETUP":
        setup = step.setup_totp(issuer="cognito-auth example")
        print(f"add this to your authenticator app: {setup.uri}")
        return step.answer(input("first code: "))
    if step.name == "SELECT_MFA_TYPE":
        return step.select_mfa(input(f"MFA method {step.options}: "))
    if step.name == "SELECT_CHALLENGE":
        factor = input(f"sign in with {step.available}: ")
        password = getpass.getpass() if factor.startswith("password") else None
        return step.choose(factor, password)
    where = f" (sent to {step.destination})" if step.destination else ""
    return step.answer(input(f"{step.name} code{where}: "))


def main() -> None:
    username = sys.argv[1]
    pool = UserPool.from_env()
    step = pool.sign_in(username, getpass.getpass())
    while isinstance(step, Challenge):
        try:
            step = answer(step)
        except CodeMismatchError:
            print("wrong code, try again")  # the challenge keeps its session
    session = step
    print(f"signed in as {session.username}; tokens valid until {session.expires_at}")
    print(f"access token: {session.access_token()[:12]}… (renewed ahead of expiry)")

    if len(sys.argv) > 2:
        from cognito_auth.identity import refreshing_session

        aws = refreshing_session(sys.argv[2], tokens=session)
        print(aws.client("sts").get_caller_identity()["Arn"])


if __name__ == "__main__":
    main()
