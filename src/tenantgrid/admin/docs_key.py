"""The secret key `/docs` sends for a signed-in panel user, bound to the panel's auth session.

Its plaintext is HMAC(server secret, session id): the server computes it again whenever it needs it,
so it is stored nowhere in clear (not in the cookie, not in the database). The control plane holds
its digest as an ordinary secret key of the tenant, with `session_id` and `expires_at` (sign-in +
admin_refresh_ttl): the Authenticator refuses it after that time, and revoking the session (logout,
refresh-token reuse, the user deactivated) revokes it by trigger (control migration c0005), seen by
every process within auth_cache_ttl.
"""

from __future__ import annotations

import uuid

from tenantgrid.admin.session import DOCS_KEY_PURPOSE, AdminSession
from tenantgrid.admin.signing import derive
from tenantgrid.auth.keys import KeyKind, display_prefix, key_digest
from tenantgrid.runtime import Runtime
from tenantgrid.tenancy.names import quote_ident


def docs_key(session: AdminSession) -> str:
    return session.docs_key


async def issue_docs_key(runtime: Runtime, tenant_id: int, session_id: uuid.UUID) -> None:
    key = "tg_sk_" + derive(runtime.jwt_secret, DOCS_KEY_PURPOSE, str(session_id))
    c = quote_ident(runtime.settings.control_schema)
    await runtime.pools.control.execute(
        f"INSERT INTO {c}.api_keys (tenant_id, kind, prefix, key_hash, session_id, expires_at) "
        f"SELECT $1, $2, $3, $4, s.id, s.created_at + make_interval(secs => $5) "
        f"FROM {c}.auth_sessions s WHERE s.id = $6 AND s.tenant_id = $1",
        tenant_id,
        KeyKind.SECRET.value,
        display_prefix(key),
        key_digest(key),
        float(runtime.settings.admin_refresh_ttl),
        session_id,
    )
