"""The one parser for integers a client sends: query parameters and header values, for every API.

Python's own tests for "a number" accept far more than HTTP means by one: `str.isdigit()` is true
for `²` and `١٢` (Arabic-Indic digits), which `int()` then refuses or reads; `int()` takes `+5`,
` 5 `, `1_0` and non-ASCII digits, and refuses more than 4,300 digits with a ValueError. An integer
here is ASCII digits only, with a leading `-` only where the caller allows a sign, and it must fit
PostgreSQL's bigint (every such value ends up in LIMIT, OFFSET or a comparison with a count).
Anything else is `None`: the caller answers its own API's 4xx.
"""

from __future__ import annotations

BIGINT_MIN = -(2**63)
BIGINT_MAX = 2**63 - 1
_MAX_DIGITS = len(str(BIGINT_MAX))
_ASCII_DIGITS = frozenset("0123456789")


def is_ascii_integer(text: str, *, signed: bool = False) -> bool:
    """Whether `text` is ASCII digits (after one `-` when `signed`), whatever its size."""
    digits = text[1:] if signed and text.startswith("-") else text
    return bool(digits) and all(c in _ASCII_DIGITS for c in digits)


def parse_bigint(text: str, *, signed: bool = False) -> int | None:
    """`text` as an int if it is an ASCII integer (see `is_ascii_integer`) within PostgreSQL's
    bigint range, else None. The length is checked on the text first, so a 5,000-digit value
    costs nothing and never reaches `int()`."""
    if not is_ascii_integer(text, signed=signed):
        return None
    negative = text.startswith("-")
    significant = text[1 if negative else 0 :].lstrip("0") or "0"
    if len(significant) > _MAX_DIGITS:
        return None
    number = -int(significant) if negative else int(significant)
    return number if BIGINT_MIN <= number <= BIGINT_MAX else None
