"""The admin panel's sign-in session, kept in one signed cookie and read only by /admin and /docs.

The panel signs in through the same machinery as `/auth/v1/token` (auth/sessions.py: a session row,
rotating refresh tokens; auth/tokens.py: the access JWT), with the panel's lifetimes: an access
token of `admin_access_ttl` (5 minutes) and a session of at most `admin_refresh_ttl` (1 day) after
sign-in. The cookie `tenantgrid_admin` (`__Host-tenantgrid_admin` over TLS: cookies.py) carries the
tenant id, the access token and the refresh token, signed (itsdangerous) so that nothing else is
ever looked up for a forged one. An expired access token
is refreshed with the refresh token, which rotates; the new cookie is written by `apply_session_cookie`
(AdminRoute does it for every panel route). Two requests of one browser that refresh at once in one
process share the refresh (a spent refresh token used again would revoke the whole session); refreshes
of different sessions never wait for each other (a lock per refresh token: keyed_lock.py).
Each request checks that the session is not revoked, the tenant still exists and the user is still
an active admin: one control-plane and one tenant query, on panel requests only. A session whose user
is no longer an active admin (demoted or deactivated through another API) is revoked there, and its
/docs key with it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import HTTPException
from itsdangerous import BadSignature
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid import errors
from tenantgrid.admin.cookies import apply_cookies, read_cookie, set_later
from tenantgrid.admin.keyed_lock import KeyedLock
from tenantgrid.admin.signing import cookie_serializer, derive
from tenantgrid.auth.principal import Tenant
from tenantgrid.auth.sessions import AuthFailure, Session, SessionStore
from tenantgrid.auth.tokens import AccessClaims, issue_access_token, refresh_digest, verify_access_token
from tenantgrid.bounded_cache import BoundedCache
from tenantgrid.runtime import Runtime
from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident

COOKIE = "tenantgrid_admin"
COOKIE_SALT = "tenantgrid-admin-session"
CSRF_PURPOSE = "tenantgrid-csrf"
DOCS_KEY_PURPOSE = "tenantgrid-docs-key"
LOGIN_PATH = "/admin/login"
SHARED_REFRESH_S = 30.0
"""How long a refresh's result answers the same old refresh token again (concurrent requests)."""
_STATE = "admin_session"


@dataclass(frozen=True, slots=True)
class AdminSession:
    tenant_id: int
    tenant_name: str
    schema: str
    user_id: str
    email: str
    is_admin: bool
    session_id: str
    csrf_token: str
    docs_key: str = field(repr=False)
    """The plaintext of this session's /docs key; read it through `docs_key.docs_key(session)`."""

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.tenant_id, self.tenant_name, self.schema)


class NotAnAdmin(Exception):
    """The password was right, but the user may not use the panel."""


class LoginRequired(HTTPException):
    """No session: to the login page, coming back to `next` afterwards (htmx follows HX-Redirect)."""

    def __init__(self, next_path: str) -> None:
        location = f"{LOGIN_PATH}?next={quote(next_path, safe='/')}"
        super().__init__(status_code=303, headers={"Location": location, "HX-Redirect": location})


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


_PANEL_SETTINGS: dict[int, tuple[Settings, Settings]] = {}


def panel_settings(settings: Settings) -> Settings:
    """`settings` with the panel's token lifetimes, for SessionStore and issue_access_token."""
    cached = _PANEL_SETTINGS.get(id(settings))
    if cached is None or cached[0] is not settings:
        update = {
            "access_token_ttl": settings.admin_access_ttl,
            "refresh_token_ttl": settings.admin_refresh_ttl,
        }
        cached = _PANEL_SETTINGS[id(settings)] = (settings, settings.model_copy(update=update))
    return cached[1]


async def current_admin(request: Request) -> AdminSession | None:
    """The request's panel session, or None; looked up once per request."""
    found = getattr(request.state, _STATE, False)
    if found is not False:
        return found  # type: ignore[no-any-return]
    session = await _read(request)
    setattr(request.state, _STATE, session)
    return session


async def require_admin(request: Request) -> AdminSession:
    """FastAPI dependency: the session, or a 303 to the login page."""
    session = await current_admin(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return session


def apply_session_cookie(request: Request, response: Response) -> None:
    """Write what `current_admin` or a sign-in left pending (a rotated cookie, or its deletion)."""
    apply_cookies(request, response)


async def start_session(request: Request, tenant: Tenant, email: str, password: str) -> AdminSession:
    """Sign in (AuthFailure for any wrong credential, NotAnAdmin after a right one) and set the cookie.

    A session this browser already had is revoked once the new one stands: its cookie is replaced, so
    nothing could end it any more, and its /docs key would live on for a day.
    """
    runtime = runtime_of(request)
    previous = await current_admin(request)
    settings = panel_settings(runtime.settings)
    pool = runtime.pools.for_schema(tenant.schema)
    store = SessionStore(pool, settings)
    session = await store.sign_in(tenant, email, password)
    is_admin = await pool.fetchval(
        f"SELECT is_admin FROM {quote_ident(tenant.schema)}.users WHERE id = $1::uuid", session.user.id
    )
    if not is_admin:
        await store.sign_out(tenant, session.user.id, str(session.id), "local")
        raise NotAnAdmin
    from tenantgrid.admin.docs_key import issue_docs_key

    await issue_docs_key(runtime, tenant.id, session.id)
    if previous is not None:
        await _sign_out(runtime, previous)
    _remember(request, runtime, tenant, session)
    admin = _admin_session(runtime, tenant, session.user.id, session.user.email, str(session.id))
    setattr(request.state, _STATE, admin)
    return admin


async def end_session(request: Request, admin: AdminSession) -> None:
    """Revoke the session (its refresh tokens, and by trigger its /docs key) and drop the cookie."""
    await _sign_out(runtime_of(request), admin)
    forget(request)


async def _sign_out(runtime: Runtime, admin: AdminSession) -> None:
    store = SessionStore(runtime.pools.for_schema(admin.schema), panel_settings(runtime.settings))
    await store.sign_out(admin.tenant, admin.user_id, admin.session_id, "local")


def forget(request: Request) -> None:
    set_later(request, COOKIE, None)
    setattr(request.state, _STATE, None)


def _admin_session(
    runtime: Runtime, tenant: Tenant, user_id: str, email: str, session_id: str
) -> AdminSession:
    secret = runtime.jwt_secret
    return AdminSession(
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        schema=tenant.schema,
        user_id=user_id,
        email=email,
        is_admin=True,
        session_id=session_id,
        csrf_token=derive(secret, CSRF_PURPOSE, session_id),
        docs_key="tg_sk_" + derive(secret, DOCS_KEY_PURPOSE, session_id),
    )


def _remember(request: Request, runtime: Runtime, tenant: Tenant, session: Session) -> str:
    """Issue the access token and leave the cookie to be written; the cookie's value."""
    settings = panel_settings(runtime.settings)
    access, _expires = issue_access_token(
        settings,
        runtime.jwt_secret,
        user_id=session.user.id,
        email=session.user.email,
        role=session.user.role,
        schema=tenant.schema,
        tenant=tenant.name,
        session_id=session.id,
    )
    value = cookie_serializer(runtime.jwt_secret, COOKIE_SALT).dumps(
        {"t": tenant.id, "a": access, "r": session.refresh_token}
    )
    set_later(request, COOKIE, value, settings.admin_refresh_ttl)
    return value


async def _read(request: Request) -> AdminSession | None:
    raw = read_cookie(request, COOKIE)
    if not raw:
        return None
    runtime = runtime_of(request)
    try:
        data = cookie_serializer(runtime.jwt_secret, COOKIE_SALT).loads(raw)
        tenant_id, access, refresh = int(data["t"]), str(data["a"]), str(data["r"])
    except (BadSignature, KeyError, TypeError, ValueError):
        forget(request)
        return None
    claims: AccessClaims | None
    try:
        claims = verify_access_token(panel_settings(runtime.settings), runtime.jwt_secret, access)
    except errors.ApiError:
        claims = None  # expired (the cookie is signed, so it is ours): refresh
    if claims is None:
        claims = await _refresh(request, runtime, tenant_id, refresh)
    session = await _load(runtime, tenant_id, claims) if claims is not None else None
    if session is None:
        forget(request)
    return session


class _Refresher:
    """Per app: one refresh at a time per refresh token, and each result kept briefly for that token."""

    def __init__(self) -> None:
        self.turns: KeyedLock[bytes] = KeyedLock()
        self.recent: BoundedCache[bytes, tuple[float, str, str]] = BoundedCache(10_000)


async def _refresh(request: Request, runtime: Runtime, tenant_id: int, refresh: str) -> AccessClaims | None:
    state = request.app.state
    refresher: _Refresher | None = getattr(state, "admin_refresher", None)
    if refresher is None:
        refresher = state.admin_refresher = _Refresher()
    digest = refresh_digest(refresh)
    settings = panel_settings(runtime.settings)
    async with refresher.turns.hold(digest):
        hit = refresher.recent.get(digest)
        if hit is not None and hit[0] > time.monotonic():
            access, value = hit[1], hit[2]
        else:
            tenant = await _tenant(runtime, tenant_id)
            if tenant is None:
                return None
            store = SessionStore(runtime.pools.for_schema(tenant.schema), settings)
            try:
                session = await store.refresh(tenant, refresh)
            except AuthFailure:
                return None
            value = _remember(request, runtime, tenant, session)
            access = cookie_serializer(runtime.jwt_secret, COOKIE_SALT).loads(value)["a"]
            refresher.recent.put(digest, (time.monotonic() + SHARED_REFRESH_S, access, value))
    set_later(request, COOKIE, value, settings.admin_refresh_ttl)
    return verify_access_token(settings, runtime.jwt_secret, access)


async def _tenant(runtime: Runtime, tenant_id: int) -> Tenant | None:
    c = quote_ident(runtime.settings.control_schema)
    row = await runtime.pools.control.fetchrow(
        f"SELECT id, name, schema_name FROM {c}.tenants WHERE id = $1", tenant_id
    )
    return Tenant(row[0], row[1], row[2]) if row else None


async def _load(runtime: Runtime, tenant_id: int, claims: AccessClaims) -> AdminSession | None:
    try:
        session_id, user_id = uuid.UUID(claims.session_id), uuid.UUID(claims.user_id)
    except ValueError:
        return None
    settings = runtime.settings
    c = quote_ident(settings.control_schema)
    row = await runtime.pools.control.fetchrow(
        f"SELECT t.name, t.schema_name, s.created_at > now() - make_interval(secs => $4) "
        f"FROM {c}.auth_sessions s JOIN {c}.tenants t ON t.id = s.tenant_id "
        "WHERE s.id = $1 AND s.tenant_id = $2 AND s.user_id = $3 AND s.revoked_at IS NULL",
        session_id,
        tenant_id,
        user_id,
        float(settings.admin_refresh_ttl),
    )
    if row is None or row[1] != claims.schema:
        return None
    name, schema, young = row
    tenant = Tenant(tenant_id, name, schema)
    store = SessionStore(runtime.pools.for_schema(schema), panel_settings(settings))
    if not young:  # the panel's session ends admin_refresh_ttl after sign-in, refreshed or not
        await store.sign_out(tenant, str(user_id), str(session_id), "local")
        return None
    user = await runtime.pools.for_schema(schema).fetchrow(
        f"SELECT email, is_admin, active FROM {quote_ident(schema)}.users WHERE id = $1", user_id
    )
    if user is None or not user["active"] or not user["is_admin"]:
        await store.sign_out(tenant, str(user_id), str(session_id), "local")  # and so its /docs key
        return None
    return _admin_session(runtime, tenant, str(user_id), user["email"] or "", str(session_id))
