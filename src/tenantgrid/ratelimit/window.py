"""Where the counters live: a `Window` counts one hit on a key and says how long to wait when the
hit went over the budget. Every implementation is shared by all processes that use the same store."""

from __future__ import annotations

from typing import Protocol

from limits import RateLimitItem


class Window(Protocol):
    async def hit(self, budget: RateLimitItem, key: str) -> float | None:
        """Count one hit; None while within `budget`, else the seconds until the window ends."""
        ...

    async def close(self) -> None: ...
