"""Password hashing: Argon2id through passlib, at OWASP's minimum cost (19 MiB, 2 passes).

Checks run in worker threads, at most `CONCURRENT_CHECKS` at a time: each one takes 19 MiB, and a
thread's allocator keeps that memory afterwards, so a burst of sign-ins on the default 40-thread
pool would grow a server process by hundreds of MB (measured by the benchmark harness).
"""

from __future__ import annotations

import warnings
from functools import cache

import anyio.to_thread
from anyio import CapacityLimiter

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from passlib.context import CryptContext

_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__memory_cost=19456,
    argon2__time_cost=2,
    argon2__parallelism=1,
)


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown email as slow as one for a wrong password.
    Made on first use, not at import: one Argon2 hash (~40 ms) that a CLI command need not pay."""
    return _context.hash("tenantgrid-dummy-password")


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _context.verify(password, _dummy_hash())
        return False
    return bool(_context.verify(password, password_hash))


CONCURRENT_CHECKS = 2
_limiter: CapacityLimiter | None = None


async def check_password(password: str, password_hash: str | None) -> bool:
    """`verify_password` off the event loop, with a bounded number of checks at once."""
    global _limiter
    if _limiter is None:
        _limiter = CapacityLimiter(CONCURRENT_CHECKS)
    return await anyio.to_thread.run_sync(verify_password, password, password_hash, limiter=_limiter)
