"""The one integer parser for client input: ASCII digits within PostgreSQL's bigint, nothing else."""

from __future__ import annotations

import pytest

from tenantgrid.http.integers import BIGINT_MAX, BIGINT_MIN, is_ascii_integer, parse_bigint

NINES = "9" * 5000


@pytest.mark.parametrize(
    ("text", "signed", "expected"),
    [
        ("0", False, 0),
        ("5", False, 5),
        ("007", False, 7),
        (str(BIGINT_MAX), False, BIGINT_MAX),
        ("0" * 5000 + "1", False, 1),  # leading zeros cost nothing and change nothing
        ("-1", True, -1),
        ("-0", True, 0),
        (str(BIGINT_MIN), True, BIGINT_MIN),
    ],
)
def test_accepts_ascii_integers_within_bigint(text: str, signed: bool, expected: int) -> None:
    assert parse_bigint(text, signed=signed) == expected


@pytest.mark.parametrize(
    ("text", "signed"),
    [
        (NINES, False),  # int() refuses more than 4,300 digits with a ValueError
        ("-" + NINES, True),
        (str(BIGINT_MAX + 1), False),
        (str(BIGINT_MIN - 1), True),
        ("²", False),  # str.isdigit() is true for it
        ("¹²", False),
        ("١٢", False),  # Arabic-Indic digits: isdigit() true, and int() reads them as 12
        ("\uff11\uff12", False),  # fullwidth digits, the same
        ("+5", False),
        ("+5", True),
        (" 5", False),
        ("5 ", False),
        ("5\n", False),
        ("1_0", False),
        ("-1", False),  # a sign only where the caller allows one
        ("-", True),
        ("--1", True),
        ("", False),
        ("1.0", False),
        ("0x10", False),
    ],
)
def test_refuses_everything_else(text: str, signed: bool) -> None:
    assert parse_bigint(text, signed=signed) is None


def test_shape_check_ignores_size() -> None:
    """`is_ascii_integer` tells "a number too big" from "not a number" (a huge negative limit is
    still a negative limit: 416, not 400)."""
    assert is_ascii_integer("-" + NINES, signed=True)
    assert not is_ascii_integer("-" + NINES)
    assert not is_ascii_integer("-\u0661", signed=True)  # an Arabic-Indic one
