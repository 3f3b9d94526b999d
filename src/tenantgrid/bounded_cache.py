"""A dict that empties itself when full: the caches on the request path.

Their entries are cheap to make again (a compiled statement, a verified JWT, a key lookup) and
their working sets sit far below the bound, which is there only against floods of distinct keys.
So instead of least-recently-used bookkeeping on every hit (cachetools' LRUCache, written in
Python, was 4.7% of a read under py-spy), a hit is one dict lookup and a full cache starts over.
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    __slots__ = ("_entries", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self._entries.get(key)

    def put(self, key: K, value: V) -> V:
        if len(self._entries) >= self.maxsize:
            self._entries.clear()
        self._entries[key] = value
        return value

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)
