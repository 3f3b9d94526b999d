"""`POST /rest/auth/login {user_name, password}`: DATAGERRY's sign-in, answering
`{user, token, token_issued_at, token_expire}` (epoch seconds).

The token is the access token `/auth/v1/token` issues (same claims, same secret, a recorded
session), so one user signs in either way and uses the token on either API. The tenant comes
from an API key (publishable is enough) or from the URL, `/tenants/{schema}/rest/auth/login`.
"""

from __future__ import annotations

import time
import uuid

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb import body as keys
from tenantgrid.apis.cmdb import schemas
from tenantgrid.apis.cmdb.auth import cmdb_auth
from tenantgrid.apis.cmdb.context import json_object
from tenantgrid.apis.cmdb.listing import documents_sql, fetch_documents
from tenantgrid.apis.cmdb.render import json_response
from tenantgrid.apis.cmdb.routes import Endpoint, Operation
from tenantgrid.apis.cmdb.users import USERS
from tenantgrid.auth.tokens import issue_access_token
from tenantgrid.ratelimit.guard import guard_login
from tenantgrid.tenancy.names import quote_ident


async def login(request: Request) -> Response:
    auth = cmdb_auth(request)
    tenant, _kind = await auth.request_tenant(request)
    request.scope.setdefault("state", {})["tenant"] = tenant.name
    body = await json_object(request)
    user_name = keys.text(body, "user_name", nullable=False, required=True)
    password = keys.text(body, "password", nullable=False, required=True)
    await guard_login(request, tenant.name, user_name)
    user = await auth.verify_password(tenant, user_name.lower(), password)
    runtime = auth.runtime
    session_id = uuid.uuid4()
    await auth.record_session(tenant, user, session_id)
    s = quote_ident(tenant.schema)
    document = (
        await fetch_documents(
            runtime,
            USERS,
            documents_sql(USERS, f"{s}.users t WHERE t.public_id = $1"),
            user.public_id,
            pool=auth.pool(tenant),
        )
    )[0]
    email, role = await auth.pool(tenant).fetchrow(
        f"SELECT email, role FROM {s}.users WHERE public_id = $1", user.public_id
    )
    issued = int(time.time())
    token, expires = issue_access_token(
        runtime.settings,
        runtime.jwt_secret,
        user_id=user.uuid,
        email=email or "",
        role=role or "authenticated",
        schema=tenant.schema,
        tenant=tenant.name,
        session_id=session_id,
        now=issued,
    )
    answer = {"user": document, "token": token, "token_issued_at": issued, "token_expire": expires}
    return json_response(request, answer)


LOGIN_BODY = {
    "type": "object",
    "required": ["user_name", "password"],
    "properties": {"user_name": {"type": "string"}, "password": {"type": "string"}},
}
LOGIN_ANSWER = {
    "type": "object",
    "properties": {
        "user": schemas.ref(schemas.USER),
        "token": {"type": "string", "description": "send as Authorization: Bearer <token>"},
        "token_issued_at": {"type": "integer"},
        "token_expire": {"type": "integer"},
    },
}
ENDPOINTS = [
    Endpoint(
        "/auth/login",
        {
            "POST": Operation(
                login,
                "Sign in with user_name and password (tenant from an API key or /tenants/{schema}/)",
                body=LOGIN_BODY,
                response=LOGIN_ANSWER,
                public=True,
            )
        },
    )
]
