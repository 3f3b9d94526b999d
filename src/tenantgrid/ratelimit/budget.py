"""A budget (`100/minute`, `10 per 5 minutes`): how many hits a key may make per window.

Parsed by the `limits` library, whose notation the settings use. One budget per setting: a list
(`1/second;100/minute`) would cost one storage round trip per item on every request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from limits import RateLimitItem


def parse_budget(text: str) -> RateLimitItem:
    """The single budget `text` names; a ValueError that says what is accepted otherwise."""
    from limits import parse_many  # here, not at import: the settings import this module (~25 ms)

    try:
        items = parse_many(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a rate: write <count>/<period>, e.g. 100/minute, 10/second, 1000 per 5 minutes"
        ) from None
    if len(items) != 1:
        raise ValueError(f"{text!r} names {len(items)} rates: give one, e.g. 100/minute")
    if items[0].amount < 1:
        raise ValueError(f"{text!r} allows no request at all: the count must be at least 1")
    return items[0]
