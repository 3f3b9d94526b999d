"""One asyncio lock per key, alive only while someone holds or awaits it.

For the panel's session refreshes: two refreshes of one refresh token must not run at once (the second
would spend a spent token, and reuse detection would revoke the session), while refreshes of different
tokens must not wait for each other (one tenant's exhausted pool would stall every other tenant's
panel). A key's lock is dropped when its last user leaves, never while it is held or awaited, so there
are never more locks than refreshes in flight and no two holders of one key at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(slots=True)
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class KeyedLock(Generic[K]):
    def __init__(self) -> None:
        self._entries: dict[K, _Entry] = {}

    def __len__(self) -> int:
        """The keys held or awaited now."""
        return len(self._entries)

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]
