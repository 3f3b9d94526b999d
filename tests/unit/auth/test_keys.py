"""Which strings can be API keys at all: only what `new_key` makes is ever looked up."""

from __future__ import annotations

import pytest

from tenantgrid.auth.keys import KeyKind, is_well_formed, new_key


@pytest.mark.parametrize("kind", list(KeyKind))
def test_every_new_key_is_well_formed(kind: KeyKind) -> None:
    assert all(is_well_formed(new_key(kind)) for _ in range(200))


@pytest.mark.parametrize(
    "key",
    [
        "",
        "nonsense",
        "tg_sk_",
        "tg_pk_",
        "' OR 1=1 --",
        "tg_sk_" + "A" * 42,
        "tg_sk_" + "A" * 44,
        "tg_xk_" + "A" * 43,
        "TG_SK_" + "A" * 43,
        "tg_sk_" + "A" * 42 + "=",
        "tg_sk_" + "A" * 42 + "+",
        "tg_sk_" + "A" * 42 + "\n",
        "tg_sk_" + "A" * 42 + "é",
        " tg_sk_" + "A" * 43,
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln",
    ],
)
def test_malformed_keys(key: str) -> None:
    assert not is_well_formed(key)


@pytest.mark.parametrize("key", ["tg_sk_" + "A" * 43, "tg_pk_" + "a-_9" * 10 + "xyz"])
def test_well_formed_keys(key: str) -> None:
    assert is_well_formed(key)
