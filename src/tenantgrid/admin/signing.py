"""The panel's secrets, all derived from the server's JWT secret, each for one purpose.

Cookies are signed with itsdangerous (a salt per cookie); tokens that must be recomputed from a
value (a session's CSRF token, its /docs key) are HMAC-SHA256 of that value under a purpose label,
so one derived value never works for another purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from itsdangerous import URLSafeSerializer


def cookie_serializer(secret: str, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=salt)


def derive(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256(secret, purpose NUL value), base64url without padding (43 characters)."""
    digest = hmac.new(secret.encode(), f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
