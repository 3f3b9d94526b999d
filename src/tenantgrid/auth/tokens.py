"""Access tokens (JWT, HS256 by default) and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from tenantgrid import errors
from tenantgrid.settings import Settings


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: str
    email: str
    role: str
    schema: str
    session_id: str
    expires_at: int
    raw: dict[str, Any]


def issue_access_token(
    settings: Settings,
    secret: str,
    *,
    user_id: str,
    email: str,
    role: str,
    schema: str,
    tenant: str,
    session_id: uuid.UUID,
    now: int | None = None,
) -> tuple[str, int]:
    issued = now if now is not None else int(time.time())
    expires = issued + settings.access_token_ttl
    claims = {
        "sub": user_id,
        "email": email,
        "role": role,
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": issued,
        "exp": expires,
        "session_id": str(session_id),
        "schema": schema,
        "tenant": tenant,
        "app_metadata": {"provider": "email", "providers": ["email"], "tenant": tenant, "schema": schema},
        "user_metadata": {},
        "aal": "aal1",
        "amr": [{"method": "password", "timestamp": issued}],
        "is_anonymous": False,
    }
    return jwt.encode(claims, secret, algorithm=settings.jwt_algorithm), expires


def verify_access_token(settings: Settings, secret: str, token: str) -> AccessClaims:
    """Decode and check a JWT; every failure is a 401 in PostgREST's words."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "schema", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise errors.jwt_claims("JWT expired") from None
    except jwt.InvalidAudienceError:
        raise errors.jwt_claims("JWT audience claim value is not authenticated") from None
    except jwt.InvalidIssuerError:
        raise errors.jwt_claims("JWT issuer claim value is not accepted") from None
    except jwt.MissingRequiredClaimError as exc:
        raise errors.jwt_claims(f"JWT claim missing: {exc.claim}") from None
    except jwt.InvalidSignatureError:
        raise errors.jwt_invalid("JWSError JWSInvalidSignature") from None
    except jwt.DecodeError:
        raise errors.jwt_invalid("JWSError (CompactDecodeError Invalid number of parts)") from None
    except jwt.InvalidTokenError as exc:
        raise errors.jwt_invalid(f"JWT invalid: {exc}") from None
    return AccessClaims(
        user_id=str(claims["sub"]),
        email=str(claims.get("email", "")),
        role=str(claims.get("role", "authenticated")),
        schema=str(claims["schema"]),
        session_id=str(claims.get("session_id", "")),
        expires_at=int(claims["exp"]),
        raw=claims,
    )


def new_refresh_token() -> str:
    return secrets.token_urlsafe(24)


def refresh_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
