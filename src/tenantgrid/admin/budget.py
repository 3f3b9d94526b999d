"""A rate-limit guard run by a panel form (sign-in, sign-up): its 429 is the form again with a
message and Retry-After, so the guard's refusal comes back as a value; any other error is raised."""

from __future__ import annotations

from collections.abc import Awaitable

from tenantgrid import errors


async def over_budget(guard: Awaitable[None]) -> errors.ApiError | None:
    try:
        await guard
    except errors.ApiError as error:
        if error.status != 429:
            raise
        return error
    return None
