"""Gridly ids: generated ones are opaque url-safe strings like the seed's `NezkWk3VEL`; clients may
choose column ids (`enUS`) and record ids."""

from __future__ import annotations

import re
import secrets

COLUMN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""Column ids are written into SQL as literals (the per-column index), so only these characters."""
MAX_RECORD_ID = 512


def new_id() -> str:
    """16 url-safe characters (96 random bits)."""
    return secrets.token_urlsafe(12)


def new_column_id() -> str:
    return "c" + secrets.token_hex(8)


def is_column_id(value: object) -> bool:
    return isinstance(value, str) and COLUMN_ID.fullmatch(value) is not None


def is_record_id(value: object) -> bool:
    """Any non-empty text of at most MAX_RECORD_ID characters without control characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_RECORD_ID
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    )
