"""Read an API key and a Bearer token from a request's headers, in every form clients send them.

Keys come as `apikey: K`, `Api-Key: K` or `Authorization: ApiKey K`; Supabase clients also send
the key itself as `Authorization: Bearer K` until a user signs in. A Bearer value that is not a
key is a user's JWT.
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


def read_credentials(headers: Mapping[str, str]) -> Credentials:
    keys: list[str] = []
    for name in ("apikey", "api-key"):
        value = headers.get(name)
        if value:
            keys.append(value.strip())
    bearer: str | None = None
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "apikey" and value:
            keys.append(value)
        elif scheme.lower() == "bearer" and value:
            if looks_like_key(value):
                keys.append(value)
            else:
                bearer = value
    distinct = set(keys)
    return Credentials(
        key=keys[0] if keys else None,
        bearer=bearer,
        conflicting_keys=len(distinct) > 1,
    )
