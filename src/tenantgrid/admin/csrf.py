"""CSRF tokens for every state-changing panel request.

Signed in, the token is HMAC(server secret, auth session id) (`AdminSession.csrf_token`); before
sign-in (the login and sign-up forms) it is HMAC of the nonce in a signed pre-session cookie,
`tenantgrid_pre`, set by the page that shows the form. A request carries it in the form field
`csrf_token` or the header `X-CSRF-Token` (htmx sends the header: base.html sets `hx-headers`).
Either way a cross-site page cannot know it; SameSite=Lax cookies are a second fence.
With a session, only the session's token counts: a pre-session token is no proof of anything (anyone
gets one with a fresh pre-session cookie, and a cookie can be planted from a sibling host or over
plain HTTP), so accepting it then would let a planted cookie stand in for the session's secret.
"""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature
from starlette.requests import Request

from tenantgrid.admin.cookies import read_cookie, set_later
from tenantgrid.admin.session import current_admin, runtime_of
from tenantgrid.admin.signing import cookie_serializer, derive, same

FIELD = "csrf_token"
HEADER = "x-csrf-token"
PRE_COOKIE = "tenantgrid_pre"
PRE_SALT = "tenantgrid-admin-pre-session"
PRE_PURPOSE = "tenantgrid-csrf-pre"
PRE_MAX_AGE = 86400
_NONCE = "admin_pre_nonce"


def _pre_nonce(request: Request) -> str | None:
    nonce: str | None = getattr(request.state, _NONCE, None)
    if nonce is not None:
        return nonce
    raw = read_cookie(request, PRE_COOKIE)
    if not raw:
        return None
    try:
        value = cookie_serializer(runtime_of(request).jwt_secret, PRE_SALT).loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def pre_session_token(request: Request) -> str:
    """The token for forms shown before sign-in; makes the pre-session cookie when there is none."""
    secret = runtime_of(request).jwt_secret
    nonce = _pre_nonce(request)
    if nonce is None:
        nonce = secrets.token_urlsafe(24)
        set_later(request, PRE_COOKIE, cookie_serializer(secret, PRE_SALT).dumps(nonce), PRE_MAX_AGE)
    setattr(request.state, _NONCE, nonce)
    return derive(secret, PRE_PURPOSE, nonce)


async def form_token(request: Request) -> str:
    """The token this request's forms carry: the session's, or the pre-session one."""
    admin = await current_admin(request)
    return admin.csrf_token if admin is not None else pre_session_token(request)


async def sent_token(request: Request) -> str | None:
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(FIELD)
        return value if isinstance(value, str) else None
    return None


async def csrf_ok(request: Request) -> bool:
    """Whether the request carries the token of its session, or of its pre-session cookie."""
    sent = await sent_token(request)
    if not sent:
        return False
    admin = await current_admin(request)
    if admin is not None:
        return same(sent, admin.csrf_token)
    nonce = _pre_nonce(request)
    return nonce is not None and same(sent, derive(runtime_of(request).jwt_secret, PRE_PURPOSE, nonce))
