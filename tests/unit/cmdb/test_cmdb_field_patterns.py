"""How a field's `regex` becomes the Postgres pattern that must match the whole value."""

from __future__ import annotations

import pytest

from tenantgrid.apis.cmdb.field_patterns import literal, whole_match


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[a-z]+", "^(?:[a-z]+)$"),
        ("a|b", "^(?:a|b)$"),
        ("(?i)web", "(?i)^(?:web)$"),
        ("***:x", "^(?:x)$"),
        (r"\bweb\b", r"^(?:\yweb\y)$"),
        (r"[\b]", r"^(?:[\b])$"),
    ],
)
def test_whole_match(pattern: str, expected: str) -> None:
    assert whole_match(pattern) == expected


def test_literal_director() -> None:
    assert literal("***=a.b") == "a.b"
    assert literal("a.b") is None
