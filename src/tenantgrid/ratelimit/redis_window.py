"""The `limits` library's fixed window in Redis (TENANTGRID_REDIS_URL): counters that every process
on every machine pointing at the same Redis shares.

A check is the library's one atomic INCR-and-EXPIRE script. Only a hit over the budget asks
Redis how long the window has left, by PTTL: the library's own `get_window_stats` reads TTL,
which Redis rounds to the nearest second, and a Retry-After half a second short would send the
client back into the same window.
"""

from __future__ import annotations

from limits import RateLimitItem
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

from tenantgrid.errors import ApiError
from tenantgrid.ratelimit.throttled import limiter_unavailable

TIMEOUT_S = 2.0
KEY_PREFIX = "tenantgrid"


def storage_uri(redis_url: str) -> str:
    """The `limits` storage URI for a Redis URL: redis://, rediss:// and unix:// as redis-py reads them."""
    if redis_url.startswith("async+"):
        return redis_url
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url.removeprefix("unix://")
    if redis_url.startswith(("redis://", "rediss://")):
        return "async+" + redis_url
    raise ValueError(
        f"TENANTGRID_REDIS_URL must start with redis://, rediss:// or unix://, not {redis_url!r}"
    )


class RedisWindow:
    def __init__(self, redis_url: str) -> None:
        self._storage = RedisStorage(
            storage_uri(redis_url),
            wrap_exceptions=True,
            implementation="redispy",
            key_prefix=KEY_PREFIX,
            socket_timeout=TIMEOUT_S,
            socket_connect_timeout=TIMEOUT_S,
        )
        self._limiter = FixedWindowRateLimiter(self._storage)

    async def hit(self, budget: RateLimitItem, key: str) -> float | None:
        try:
            if await self._limiter.hit(budget, key):
                return None
            bridge = self._storage.bridge
            left_ms = await bridge.get_connection().pttl(bridge.prefixed_key(budget.key_for(key)))
        except StorageError as exc:
            raise _unavailable(exc.storage_error) from exc
        except self._storage.base_exceptions as exc:  # the PTTL call is not wrapped by the library
            raise _unavailable(exc) from exc
        # -2: the key expired between the two calls (the window just ended); -1 cannot happen here.
        return max(left_ms, 0) / 1000

    async def close(self) -> None:
        await self._storage.bridge.get_connection().aclose()


def _unavailable(cause: Exception) -> ApiError:
    return limiter_unavailable(f"Redis: {type(cause).__name__}: {cause}")
