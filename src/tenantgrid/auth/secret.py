"""The HMAC secret that signs and verifies access tokens: where it comes from, and what is refused.

`TENANTGRID_JWT_SECRET` when set, else the row `jwt_secret` of the control plane's `server_secrets`
(made by its first migration). A secret shorter than its algorithm's digest (RFC 7518 §3.2: 32 bytes
for HS256, 48 for HS384, 64 for HS512) is refused, and so is a missing row: a server that signed
with whatever it found would accept tokens anyone can forge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tenantgrid.settings import Settings
    from tenantgrid.tenancy.control import Control

JwtAlgorithm = Literal["HS256", "HS384", "HS512"]
"""Only HMAC: asymmetric keys are a later feature."""
MIN_SECRET_BYTES: dict[str, int] = {"HS256": 32, "HS384": 48, "HS512": 64}
SETTING = "TENANTGRID_JWT_SECRET"


class JwtSecretError(ValueError):
    """No usable JWT secret: the server must not start."""


def secret_problem(secret: str, algorithm: str, source: str) -> str | None:
    """Why `secret` (named `source` in the message) may not sign `algorithm` tokens; None if it may."""
    size, needed = len(secret.encode()), MIN_SECRET_BYTES[algorithm]
    if size >= needed:
        return None
    return (
        f"{source} is {size} bytes long; {algorithm} needs at least {needed} "
        f"(make one with: openssl rand -hex {needed})"
    )


def check_secret(secret: str, algorithm: str, source: str) -> str:
    problem = secret_problem(secret, algorithm, source)
    if problem is not None:
        raise JwtSecretError(problem)
    return secret


async def signing_secret(settings: Settings, control: Control) -> str:
    """The secret the server signs with; JwtSecretError when there is none, or it is too short."""
    if settings.jwt_secret:
        return check_secret(settings.jwt_secret, settings.jwt_algorithm, SETTING)
    stored = await control.jwt_secret()
    source = f"the JWT secret in row 'jwt_secret' of {control.schema}.server_secrets"
    return check_secret(stored, settings.jwt_algorithm, f"{source} (used since {SETTING} is unset)")
