"""Reading the keys of a CMDB request body: a key we use must have the right JSON type, else a 400
naming it (`invalid`); `ABSENT` tells a key left out (keep the stored value) from an explicit null."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.http.integers import BIGINT_MAX, BIGINT_MIN

ABSENT: Any = object()
MAX_TEXT = 10_000


def text(body: Mapping[str, Any], key: str, *, nullable: bool = True, required: bool = False) -> Any:
    """A string (or null when `nullable`); ABSENT when the key is left out and not `required`."""
    if key not in body:
        if required:
            raise invalid(f"'{key}' is required", key)
        return ABSENT
    value = body[key]
    if value is None and nullable and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        kind = "a non-empty string" if required else "a string or null" if nullable else "a string"
        raise invalid(f"'{key}' must be {kind}", key)
    if len(value) > MAX_TEXT:
        raise invalid(f"'{key}' is longer than {MAX_TEXT} characters", key)
    return value


def boolean(body: Mapping[str, Any], key: str) -> Any:
    if key not in body:
        return ABSENT
    value = body[key]
    if not isinstance(value, bool):
        raise invalid(f"'{key}' must be true or false", key)
    return value


def integer(body: Mapping[str, Any], key: str, *, required: bool = False) -> Any:
    if key not in body:
        if required:
            raise invalid(f"'{key}' is required", key)
        return ABSENT
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, int) or not BIGINT_MIN <= value <= BIGINT_MAX:
        raise invalid(f"'{key}' must be an integer", key)
    return value


def present(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of `values` that were not left out."""
    return {k: v for k, v in values.items() if v is not ABSENT}
