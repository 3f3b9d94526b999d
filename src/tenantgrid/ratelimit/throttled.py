"""The answer over a budget: 429, Django REST Framework's wording, `Retry-After` in whole seconds.

An ApiError like any other, so each API's renderer answers it in its own envelope; the code
`throttled` is Gainfully's (DRF's) `error_code`, and the message its `detail`.
"""

from __future__ import annotations

import math

from tenantgrid.errors import ApiError

THROTTLED = "throttled"


def wait_seconds(wait: float) -> int:
    """Whole seconds to wait, rounded up as DRF rounds them; never 0, which would invite a retry
    at once into a window that has not ended yet."""
    return max(1, math.ceil(wait))


def throttled_message(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Request was throttled. Expected available in {seconds} {unit}."


def throttled(wait: float) -> ApiError:
    seconds = wait_seconds(wait)
    return ApiError(429, THROTTLED, throttled_message(seconds), headers={"Retry-After": str(seconds)})


def limiter_unavailable(detail: str) -> ApiError:
    """The shared counters cannot be reached. Refused rather than let through: a limit that stops
    holding whenever Redis is away would let a password guesser through exactly then."""
    return ApiError(
        503,
        "rate_limiter_unavailable",
        "The rate limiter is unavailable; try again shortly.",
        detail,
        headers={"Retry-After": "1"},
    )
