"""Sign-ups per client address, against TENANTGRID_REGISTRATION_RATE_LIMIT, in the shared window
every other budget uses (Redis or the control plane: every process counts together)."""

from __future__ import annotations

from functools import lru_cache

from limits import RateLimitItem
from starlette.requests import Request

from tenantgrid.ratelimit.budget import parse_budget
from tenantgrid.ratelimit.guard import client_address
from tenantgrid.runtime import Runtime

REGISTRATION_ADDRESS = "registration-address"


async def guard_registration(request: Request) -> None:
    """Count one sign-up attempt from the client's address; the 429 ApiError (with Retry-After) when
    over the budget. Called before anything is checked, so wrong tokens and bad input count too."""
    runtime: Runtime = request.app.state.runtime
    limiter = runtime.rate_limiter
    budget = _budget(runtime.settings.registration_rate_limit)
    await limiter.hit(budget, REGISTRATION_ADDRESS, client_address(request))


@lru_cache(maxsize=8)
def _budget(text: str) -> RateLimitItem:
    return parse_budget(text)
