"""What the routes call. Each raises the 429 ApiError (`throttled.py`) that the route's API renders
in its own envelope, with `Retry-After`.

- `rate_limit(request, key)`: one request by an API key, against TENANTGRID_RATE_LIMIT.
- `guard_login(request, tenant, account)`: one sign-in attempt, against TENANTGRID_LOGIN_RATE_LIMIT,
  counted twice and apart: per client address (one address guessing many accounts) and per
  account (many addresses guessing one account). Called before the password is checked, so every
  attempt counts, right or wrong: a guesser learns nothing from which ones were refused.
"""

from __future__ import annotations

from starlette.requests import Request

from tenantgrid.runtime import Runtime

API_KEY = "api-key"
LOGIN_ADDRESS = "login-address"
LOGIN_ACCOUNT = "login-account"


async def rate_limit(request: Request, key: str) -> None:
    """`key` names the API key (its id or prefix, not the secret itself: it is hashed either way)."""
    limiter = _runtime(request).rate_limiter
    await limiter.hit(limiter.api_budget, API_KEY, key)


async def guard_login(request: Request, tenant: str, account: str) -> None:
    limiter = _runtime(request).rate_limiter
    await limiter.hit(limiter.login_budget, LOGIN_ADDRESS, client_address(request))
    await limiter.hit(limiter.login_budget, LOGIN_ACCOUNT, f"{tenant}\0{account.strip().lower()}")


def client_address(request: Request) -> str:
    """The peer's address; behind a proxy, the one uvicorn took from X-Forwarded-For when the proxy
    is trusted (FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client is not None else "unknown"


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
