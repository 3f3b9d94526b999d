"""The process's rate limiter: the settings' budgets, counted in the shared window.

Where the counters live: Redis when TENANTGRID_REDIS_URL is set, else the control plane's
PostgreSQL table. Never this process's memory: a process cannot know whether others serve the same
tenants (`--workers N`, more machines behind a balancer), and a per-process count would multiply
every budget by their number without anyone noticing.

Keys reach the store as digests, so neither API keys nor e-mail addresses are written to Redis or
to the table; the budget is part of the key, so changing a budget starts fresh windows.
"""

from __future__ import annotations

import hashlib

from limits import RateLimitItem

from tenantgrid.db.pool import Pools
from tenantgrid.ratelimit.budget import parse_budget
from tenantgrid.ratelimit.postgres_window import PostgresWindow
from tenantgrid.ratelimit.redis_window import RedisWindow
from tenantgrid.ratelimit.throttled import throttled
from tenantgrid.ratelimit.window import Window
from tenantgrid.settings import Settings


def digest(identity: str) -> str:
    return hashlib.blake2b(identity.encode(), digest_size=16).hexdigest()


class RateLimiter:
    def __init__(self, window: Window, api_budget: RateLimitItem, login_budget: RateLimitItem) -> None:
        self.window = window
        self.api_budget = api_budget
        self.login_budget = login_budget

    async def hit(self, budget: RateLimitItem, scope: str, identity: str) -> None:
        """Count one hit on `identity` within `scope`; raise the 429 ApiError when over `budget`."""
        wait = await self.window.hit(budget, f"{scope}/{digest(identity)}")
        if wait is not None:
            raise throttled(wait)

    async def close(self) -> None:
        await self.window.close()


def create_rate_limiter(settings: Settings, pools: Pools) -> RateLimiter:
    window: Window = (
        RedisWindow(settings.redis_url)
        if settings.redis_url
        else PostgresWindow(pools.control, settings.control_schema)
    )
    return RateLimiter(window, parse_budget(settings.rate_limit), parse_budget(settings.login_rate_limit))
