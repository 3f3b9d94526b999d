"""A row's primary key in a URL, and back into a query condition.

The key's values (one per primary-key column, composite keys included) travel as a JSON array,
base64url-encoded without padding: one opaque path segment, whatever the values contain (slashes,
dots, commas, non-ASCII). Decoding checks the shape only; the values become bound parameters of a
query on the session's own schema, so a forged key names at most a row that does not exist there.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from tenantgrid.catalog.model import Resource
from tenantgrid.query.ast import And, Cond, Node, Op, Path

MAX_TOKEN = 4096


def encode_key(resource: Resource, row: dict[str, Any]) -> str:
    values = [row[c] for c in resource.primary_key]
    return base64.urlsafe_b64encode(orjson.dumps(values)).rstrip(b"=").decode()


def decode_key(resource: Resource, token: str) -> tuple[str, ...] | None:
    """The key's values as text (as the query AST carries them), or None when the token is no key
    of this resource (then the caller answers 404)."""
    if not resource.primary_key or not token or len(token) > MAX_TOKEN:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = orjson.loads(raw)
    except (binascii.Error, ValueError):
        return None
    if not isinstance(values, list) or len(values) != len(resource.primary_key):
        return None
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
        return None
    return tuple(v if isinstance(v, str) else str(v) for v in values)


def key_condition(resource: Resource, values: tuple[str, ...]) -> Node:
    conds = tuple(Cond(Path(c), Op.EQ, v) for c, v in zip(resource.primary_key, values, strict=True))
    return conds[0] if len(conds) == 1 else And(conds)
