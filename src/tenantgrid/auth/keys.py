"""API keys: random tokens shown once, stored as SHA-256 digests.

A publishable key (`tg_pk_…`) names its tenant and lets users log in; a secret key (`tg_sk_…`)
is full access to that tenant alone. Keys are 256-bit random, so a fast digest is the right
store (a slow password hash would be paid on every request and adds nothing against guessing).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from enum import Enum


class KeyKind(Enum):
    PUBLISHABLE = "publishable"
    SECRET = "secret"


PREFIXES = {KeyKind.PUBLISHABLE: "tg_pk_", KeyKind.SECRET: "tg_sk_"}
_WELL_FORMED = re.compile(r"tg_[ps]k_[A-Za-z0-9_-]{43}")
"""A prefix and `token_urlsafe(32)`: 43 characters of the URL-safe base64 alphabet, unpadded."""


def new_key(kind: KeyKind) -> str:
    return PREFIXES[kind] + secrets.token_urlsafe(32)


def is_well_formed(key: str) -> bool:
    """Whether `key` could be one `new_key` made: anything else is refused without a lookup."""
    return _WELL_FORMED.fullmatch(key) is not None


def key_digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def looks_like_key(token: str) -> bool:
    return token.startswith(("tg_pk_", "tg_sk_"))


def display_prefix(key: str) -> str:
    """What `keys list` shows of a key: enough to recognise it, too little to use it."""
    return key[:12] + "…"
