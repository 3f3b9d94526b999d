"""Read an API key and a Bearer token from a request's headers, in every form clients send them.

Keys come as `apikey: K`, `Api-Key: K`, `Authorization: ApiKey K`, or as the whole `Authorization`
value, `Authorization: K` (Gainfully's seed sends it so); Supabase clients also send the key itself as
`Authorization: Bearer K` until a user signs in. A Bearer value that is not a key is a user's JWT. Two
different keys (or two different JWTs) in one request are a conflict. Only a value shaped like a key
(`looks_like_key`) counts without a scheme word: any other `Authorization` (a proxy's `Basic ...`, a
scheme word alone) is left to the API, and only noted as `unread_authorization`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tenantgrid.auth.keys import looks_like_key


@dataclass(frozen=True, slots=True)
class Credentials:
    key: str | None
    bearer: str | None
    conflicting_keys: bool = False
    unread_authorization: bool = False
    """An `Authorization` value was sent in none of the forms above (Basic is the CMDB's own)."""


def read_credentials(headers: Mapping[str, str]) -> Credentials:
    keys: list[str] = []
    for name in ("apikey", "api-key"):
        for value in _values(headers, name):
            if value.strip():
                keys.append(value.strip())
    bearers: list[str] = []
    unread = False
    for authorization in _values(headers, "authorization"):
        whole = authorization.strip()
        scheme, _, value = whole.partition(" ")
        value = value.strip()
        if scheme.lower() == "apikey" and value:
            keys.append(value)
        elif scheme.lower() == "bearer" and value:
            if looks_like_key(value):
                keys.append(value)
            else:
                bearers.append(value)
        elif looks_like_key(whole):
            keys.append(whole)
        elif whole:
            unread = True
    return Credentials(
        key=keys[0] if keys else None,
        bearer=bearers[0] if bearers else None,
        # A repeated header counts too: two keys, or two different JWTs, name two callers.
        conflicting_keys=len(set(keys)) > 1 or len(set(bearers)) > 1,
        unread_authorization=unread,
    )


def _values(headers: Mapping[str, str], name: str) -> list[str]:
    """Every value of a header: Starlette's Headers keeps repeats, a plain mapping has one."""
    getlist = getattr(headers, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    value = headers.get(name)
    return [value] if value is not None else []
