"""The request path's caches: a hit is a dict lookup, and a full cache starts over."""

from __future__ import annotations

from tenantgrid.bounded_cache import BoundedCache


def test_a_full_cache_starts_over_with_the_new_entry() -> None:
    cache: BoundedCache[str, int] = BoundedCache(3)
    for i, key in enumerate("abc"):
        assert cache.put(key, i) == i
    assert (len(cache), cache.get("a"), cache.get("c")) == (3, 0, 2)
    cache.put("d", 3)
    assert (len(cache), cache.get("a"), cache.get("d")) == (1, None, 3)


def test_none_is_a_value_that_can_be_cached_and_told_apart_from_a_miss() -> None:
    cache: BoundedCache[str, int | None] = BoundedCache(2)
    cache.put("unknown", None)
    assert "unknown" in cache
    assert "other" not in cache
    cache.pop("unknown")
    assert "unknown" not in cache
