"""A FastAPI resource server protected by cognito-auth (run: uvicorn fastapi_app:app).

Settings come from the environment: COGNITO_USER_POOL_ID, COGNITO_TOKEN_USE=access,
COGNITO_CLIENT_IDS.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI, Security

from cognito_auth import ServicePrincipal
from cognito_auth.fastapi import CognitoAuth

auth = CognitoAuth.from_env()
app = FastAPI()


@app.get("/orders")
async def orders(
    principal: ServicePrincipal = Security(auth, scopes=["orders/read"]),
) -> dict[str, str]:
    return {"client": principal.client_id}


@app.get("/whoami")
async def whoami(principal: ServicePrincipal | None = Depends(auth.optional)) -> dict[str, str]:
    return {"client": principal.client_id if principal is not None else "anonymous"}
