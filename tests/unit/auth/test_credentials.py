"""Reading API keys and Bearer tokens from every header form clients use."""

from __future__ import annotations

import pytest
from starlette.datastructures import Headers

from tenantgrid.auth.credentials import Credentials, read_credentials

PK = "tg_pk_" + "p" * 43
SK = "tg_sk_" + "s" * 43
OTHER = "tg_sk_" + "o" * 43
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln"


def read(*pairs: tuple[str, str]) -> Credentials:
    return read_credentials(Headers(raw=[(k.lower().encode(), v.encode()) for k, v in pairs]))


@pytest.mark.parametrize(
    ("pairs", "key", "bearer"),
    [
        ([], None, None),
        ([("apikey", SK)], SK, None),
        ([("APIKEY", SK)], SK, None),
        ([("Api-Key", SK)], SK, None),
        ([("apikey", f"  {SK}  ")], SK, None),
        ([("Authorization", f"ApiKey {SK}")], SK, None),
        ([("Authorization", f"apikey {SK}")], SK, None),
        ([("Authorization", f"Bearer {SK}")], SK, None),
        ([("Authorization", f"bearer {PK}")], PK, None),
        ([("Authorization", f"  Bearer   {PK}  ")], PK, None),
        # the whole Authorization value, when it is shaped like a key (Gainfully's seed sends it so)
        ([("Authorization", SK)], SK, None),
        ([("Authorization", f"  {PK}  ")], PK, None),
        ([("Authorization", SK), ("apikey", SK)], SK, None),
        ([("Authorization", "tg_sk_short")], "tg_sk_short", None),  # a key to look up, and refuse
        ([("apikey", PK), ("Authorization", JWT)], PK, None),  # a JWT needs its Bearer
        ([("apikey", PK), ("Authorization", f"Bearer {JWT}")], PK, JWT),
        ([("Api-Key", PK), ("Authorization", f"Bearer {JWT}")], PK, JWT),
        ([("apikey", PK), ("Authorization", f"Bearer {PK}")], PK, None),
        ([("apikey", SK), ("Api-Key", SK), ("Authorization", f"ApiKey {SK}")], SK, None),
        ([("Authorization", f"Bearer {JWT}")], None, JWT),
        ([("Authorization", "Basic dXNlcjpwYXNz")], None, None),
        ([("Authorization", "Bearer")], None, None),
        ([("Authorization", "Bearer ")], None, None),
        ([("Authorization", "ApiKey")], None, None),
        ([("apikey", "")], None, None),
        ([("apikey", "   ")], None, None),
        # any apikey value is a key to look up, prefixed or not
        ([("apikey", "anything")], "anything", None),
        ([("apikey", JWT)], JWT, None),
    ],
)
def test_reads(pairs: list[tuple[str, str]], key: str | None, bearer: str | None) -> None:
    credentials = read(*pairs)
    assert (credentials.key, credentials.bearer, credentials.conflicting_keys) == (key, bearer, False)


@pytest.mark.parametrize(
    "pairs",
    [
        [("apikey", SK), ("Api-Key", OTHER)],
        [("apikey", SK), ("Authorization", f"Bearer {PK}")],
        [("apikey", SK), ("Authorization", f"ApiKey {OTHER}")],
        [("Api-Key", PK), ("Authorization", f"Bearer {SK}")],
        [("apikey", SK), ("apikey", OTHER)],
        [("Authorization", f"Bearer {SK}"), ("Authorization", f"Bearer {OTHER}")],
        [("apikey", PK), ("Authorization", SK)],
        [("Authorization", SK), ("Authorization", f"ApiKey {OTHER}")],
        [("apikey", PK), ("Authorization", f"Bearer {JWT}"), ("Authorization", f"Bearer {JWT}x")],
    ],
)
def test_conflicts(pairs: list[tuple[str, str]]) -> None:
    assert read(*pairs).conflicting_keys


def test_repeating_the_same_key_is_no_conflict() -> None:
    credentials = read(("apikey", SK), ("apikey", SK), ("Authorization", f"Bearer {SK}"))
    assert (credentials.key, credentials.conflicting_keys) == (SK, False)


@pytest.mark.parametrize(
    ("pairs", "unread"),
    [
        ([("Authorization", "Basic dXNlcjpwYXNz")], True),
        ([("Authorization", "Bearer")], True),
        ([("Authorization", "ApiKey  ")], True),
        ([("Authorization", JWT)], True),
        ([("Authorization", "Basic dXNlcjpwYXNz"), ("apikey", SK)], True),
        ([("Authorization", "")], False),
        ([("Authorization", "   ")], False),
        ([("Authorization", SK)], False),
        ([("Authorization", f"Bearer {JWT}")], False),
        ([("Authorization", f"ApiKey {SK}")], False),
        ([("apikey", "anything")], False),
    ],
)
def test_an_authorization_in_no_known_form_is_noted(pairs: list[tuple[str, str]], unread: bool) -> None:
    assert read(*pairs).unread_authorization is unread


def test_a_plain_mapping_works_too() -> None:
    credentials = read_credentials({"apikey": PK, "authorization": f"Bearer {JWT}"})
    assert (credentials.key, credentials.bearer) == (PK, JWT)
