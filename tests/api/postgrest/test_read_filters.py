"""GET filters against real rows: every operator, `not.`, `(any)`/`(all)`, JSON paths and logic trees.

Each case is a query and the exact rows it must return. The rows are this module's own (names start
with a per-run marker, and every query is narrowed to that marker), so other tests' rows never show.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.conftest import Database

P = f"rf-{uuid.uuid4().hex[:8]}-"
"""This module's marker: every `things` row it creates starts with it."""

THINGS: dict[str, dict[str, Any]] = {
    "a": {
        "name": f"{P}alpha",
        "description": "The quick brown fox jumps over the lazy dog",
        "tags": ["core", "red"],
        "data": {"color": "red", "rank": 1, "size": "10"},
        "active": True,
    },
    "b": {
        "name": f"{P}Beta",
        "description": "Cats and dogs are friends",
        "tags": ["core"],
        "data": {"color": "blue", "rank": 2},
        "active": False,
    },
    "c": {
        "name": f"{P}gamma, delta",
        "description": "Running quickly through fields",
        "tags": ["extra"],
        "data": {"color": "red", "rank": 3, "nested": {"k": "v"}},
        "active": True,
    },
    "d": {
        "name": f"{P}delta",
        "description": None,
        "tags": [],
        "data": {},
        "active": True,
    },
    "e": {
        "name": f"{P}Epsilon 100%",
        "description": "A fox in the box",
        "tags": ["core", "extra"],
        "data": {"color": "green", "rank": 10},
        "active": True,
    },
}
KEY_BY_NAME = {row["name"]: key for key, row in THINGS.items()}

# entries of one thing of this module: validity is the generated daterange [start, end)
ENTRIES: dict[str, dict[str, Any]] = {
    "e1": {
        "classification_item_id": 9,
        "classification_item_name": "nine",
        "validity_start_date": "2024-01-01",
        "validity_end_date": "2024-02-01",
        "status": "open",
    },
    "e2": {
        "classification_item_id": 10,
        "classification_item_name": "ten",
        "validity_start_date": "2024-02-01",
        "validity_end_date": "2024-03-01",
        "status": "closed",
    },
    "e3": {
        "classification_item_id": 100,
        "classification_item_name": "hundred",
        "validity_start_date": "2024-03-15",
        "validity_end_date": "2024-04-01",
        "status": None,
    },
    "e4": {
        "classification_item_id": None,
        "classification_item_name": None,
        "validity_start_date": "2025-01-01",
        "validity_end_date": None,
        "status": "pending",
    },
}


def _params(query: str) -> list[tuple[str, str]]:
    """`a=x&b=y` → [(a, x), (b, y)]: split on `&` (not one between spaces, as in `fox & box`) and
    the first `=`; values are left as written and URL-encoded by the client."""
    pairs = []
    for part in re.split(r"(?<! )&(?! )", query):
        key, _, value = part.partition("=")
        pairs.append((key, value))
    return pairs


@pytest.fixture(scope="module")
def seeded(
    client: TestClient, secret: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> Iterator[dict[str, int]]:
    """Create this module's things and entries through the API; map entry keys to their ids.
    Afterwards the things (and, cascading, the entries) are deleted again."""
    created = client.post(
        "/rest/v1/things",
        headers={**secret, "Prefer": "return=representation"},
        json=list(THINGS.values()),
    )
    assert created.status_code == 201, created.text
    assert sorted(KEY_BY_NAME[row["name"]] for row in created.json()) == sorted(THINGS)
    owner = next(row["id"] for row in created.json() if row["name"] == THINGS["a"]["name"])
    entries = client.post(
        "/rest/v1/entries?order=id",
        headers={**secret, "Prefer": "return=representation"},
        json=[{"thing_id": owner, **entry} for entry in ENTRIES.values()],
    )
    assert entries.status_code == 201, entries.text
    ids = {key: row["id"] for key, row in zip(ENTRIES, entries.json(), strict=True)}
    yield {"owner": owner, **ids}
    db.fetch(f'DELETE FROM "{alpha.schema}".things WHERE starts_with(name, $1)', P)


def _things(client: TestClient, secret: dict[str, str], query: str) -> list[str]:
    """The keys of this module's things that `query` returns, in name order (checked unique)."""
    response = client.get(
        "/rest/v1/things",
        headers=secret,
        params=[("select", "name"), ("order", "name"), ("name", f"like.{P}*"), *_params(query)],
    )
    assert response.status_code == 200, response.text
    keys = [KEY_BY_NAME[row["name"]] for row in response.json()]
    assert len(keys) == len(set(keys))
    return sorted(keys)


THING_CASES: list[tuple[str, list[str]]] = [
    # eq / neq, and the four comparisons on a jsonb path ("10" > "9" as numbers, not text)
    (f"name=eq.{P}delta", ["d"]),
    (f"name=eq.{P}gamma, delta", ["c"]),
    ("data->>color=neq.red", ["b", "e"]),
    ("data->rank=gt.1", ["b", "c", "e"]),
    ("data->rank=gt.9", ["e"]),
    ("data->rank=gte.3", ["c", "e"]),
    ("data->rank=lt.3", ["a", "b"]),
    ("data->rank=lte.2", ["a", "b"]),
    # like / ilike with * as the wildcard; match / imatch are POSIX regexes
    ("name=like.*lta", ["c", "d"]),
    ("name=like.*beta", []),
    ("name=like.*Beta", ["b"]),
    ("description=like.*fox*", ["a", "e"]),
    ("name=ilike.*BETA", ["b"]),
    (f"name=ilike.{P}*E*", ["b", "c", "d", "e"]),
    ("name=match.ta$", ["b", "c", "d"]),
    (f"name=match.^{P}[a-z]", ["a", "c", "d"]),
    (f"name=imatch.^{P}(BETA|EPSILON)", ["b", "e"]),
    ("name=match.BETA", []),
    # in: quoted values may hold commas; in.() matches nothing
    (f'name=in.("{P}gamma, delta","{P}delta")', ["c", "d"]),
    (f'name=in.("{P}Beta","x\\"y")', ["b"]),
    ("data->>color=in.(blue,green)", ["b", "e"]),
    ("name=in.()", []),
    # is
    ("description=is.null", ["d"]),
    ("description=is.not_null", ["a", "b", "c", "e"]),
    ("active=is.true", ["a", "c", "d", "e"]),
    ("active=is.false", ["b"]),
    ("active=is.unknown", []),
    ("data->>color=is.null", ["d"]),
    # isdistinct treats NULL as a value; neq does not
    ("data->>color=isdistinct.red", ["b", "d", "e"]),
    # arrays: cs @>, cd <@, ov &&
    ("tags=cs.{core}", ["a", "b", "e"]),
    ("tags=cs.{core,extra}", ["e"]),
    ("tags=cs.{}", ["a", "b", "c", "d", "e"]),
    ("tags=cd.{core,red}", ["a", "b", "d"]),
    ("tags=ov.{red,extra}", ["a", "c", "e"]),
    # in on an array column: each value is a whole array (quoted when it holds a comma)
    ('tags=in.("{core,red}",{})', ["a", "d"]),
    ('tags=not.in.("{core,red}",{})', ["b", "c", "e"]),
    ("tags=in.({extra})", ["c"]),
    # jsonb containment
    ('data=cs.{"color":"red"}', ["a", "c"]),
    ('data=cs.{"color":"red","rank":3}', ["c"]),
    ('data=cd.{"color":"red","rank":1,"size":"10"}', ["a", "d"]),
    ('data->nested=cs.{"k":"v"}', ["c"]),
    # full-text search on a text column, with and without a configuration
    ("description=fts.fox", ["a", "e"]),
    ("description=fts(english).jump", ["a"]),
    ("description=fts(english).run", ["c"]),
    ("description=fts.fox & !box", ["a"]),
    ("description=plfts.fox box", ["e"]),
    ("description=plfts(english).quick dogs", ["a"]),
    ("description=phfts.brown fox", ["a"]),
    ("description=phfts.fox brown", []),
    ("description=phfts(english).lazy dogs", ["a"]),
    ("description=wfts.fox -box", ["a"]),
    ('description=wfts(english)."lazy dog" or cats', ["a", "b"]),
    # JSON paths
    ("data->>color=eq.red", ["a", "c"]),
    ("data->nested->>k=eq.v", ["c"]),
    ("data->>size=eq.10", ["a"]),
    # not. on each kind of operator (NULLs match neither a condition nor its negation)
    (f"name=not.eq.{P}delta", ["a", "b", "c", "e"]),
    ("data->>color=not.neq.red", ["a", "c"]),
    ("data->rank=not.gt.2", ["a", "b"]),
    ("name=not.like.*lta", ["a", "b", "e"]),
    ("name=not.ilike.*BETA", ["a", "c", "d", "e"]),
    ("name=not.match.ta$", ["a", "e"]),
    ("name=not.imatch.ALPHA$", ["b", "c", "d", "e"]),
    ("data->>color=not.in.(red,blue)", ["e"]),
    ("description=not.is.null", ["a", "b", "c", "e"]),
    ("active=not.is.false", ["a", "c", "d", "e"]),
    ("data->>color=not.isdistinct.red", ["a", "c"]),
    ("tags=not.cs.{core}", ["c", "d"]),
    ("tags=not.cd.{core,red}", ["c", "e"]),
    ("tags=not.ov.{red,extra}", ["b", "d"]),
    ('data=not.cs.{"color":"red"}', ["b", "d", "e"]),
    ("description=not.fts.fox", ["b", "c"]),
    ("description=not.plfts.fox box", ["a", "b", "c"]),
    ("description=not.phfts.brown fox", ["b", "c", "e"]),
    ("description=not.wfts(english).fox -box", ["b", "c", "e"]),
    # op(any) / op(all)
    ("name=like(any).{*alpha,*Beta}", ["a", "b"]),
    ("name=not.like(any).{*alpha,*Beta}", ["c", "d", "e"]),
    (f"name=ilike(all).{{{P}*A*,{P}*L*}}", ["a", "c", "d"]),
    (f"name=match(any).{{^{P}B,^{P}E}}", ["b", "e"]),
    ("name=imatch(all).{^rf-,TA$}", ["b", "c", "d"]),
    ("data->>color=eq(any).{red,green}", ["a", "c", "e"]),
    ("data->>color=neq(all).{red,blue}", ["e"]),
    ("data->rank=gt(all).{1,2}", ["c", "e"]),
    ("data->rank=lte(any).{1,2}", ["a", "b"]),
    ("data->rank=gte(all).{3,10}", ["e"]),
    ("data->rank=lt(any).{2,3}", ["a", "b"]),
    # or / and, nested, with not.
    ("or=(data->>color.eq.blue,and(active.is.true,tags.cs.{extra}))", ["b", "c", "e"]),
    ("not.or=(data->>color.eq.red,active.is.false)", ["e"]),  # d: NOT (NULL OR false) is NULL
    ("not.or=(data->>color.eq.red,data->>color.is.null,active.is.false)", ["e"]),
    ("not.or=(tags.cs.{red},active.is.false)", ["c", "d", "e"]),
    ("and=(tags.cs.{core},not.and(active.is.true,data->>color.eq.red))", ["b", "e"]),
    (f'or=(name.eq."{P}gamma, delta",name.in.("{P}delta","{P}Beta"))', ["b", "c", "d"]),
    ("or=(description.fts(english).jump,data->rank.gte.10)", ["a", "e"]),
    ("or=(name.like(any).{*alpha,*Beta},description.is.null)", ["a", "b", "d"]),
    ("or=(not.and(active.is.true,tags.not.cs.{core}),data->>color.eq.green)", ["a", "b", "e"]),
    (f"or=(and(or(and(name.eq.{P}delta))))", ["d"]),
    ("and=(data->rank.gt.1,data->rank.lt.10)", ["b", "c"]),
    ("not.and=(data->rank.gt.1,data->rank.lt.10)", ["a", "e"]),
    ("or=(data->>color.eq.blue)&or=(data->>color.eq.red,active.is.false)", ["b"]),
    # several filters (also on one column) are ANDed
    ("data->rank=gt.1&data->rank=lt.10", ["b", "c"]),
    ("tags=cs.{core}&active=is.true&description=fts.fox", ["a", "e"]),
]


@pytest.mark.parametrize(("query", "expected"), THING_CASES, ids=[q for q, _ in THING_CASES])
def test_things_filter(
    client: TestClient, secret: dict[str, str], seeded: dict[str, int], query: str, expected: list[str]
) -> None:
    assert _things(client, secret, query) == expected


ENTRY_CASES: list[tuple[str, list[str]]] = [
    # a bigint column compares as numbers: "10" > "9"
    ("classification_item_id=gt.9", ["e2", "e3"]),
    ("classification_item_id=gte.10", ["e2", "e3"]),
    ("classification_item_id=lt.10", ["e1"]),
    ("classification_item_id=lte.10", ["e1", "e2"]),
    ("classification_item_id=eq.010", ["e2"]),
    ("classification_item_id=neq.10", ["e1", "e3"]),
    ("classification_item_id=in.(9,100)", ["e1", "e3"]),
    ("classification_item_id=not.in.(9,10)", ["e3"]),
    ("classification_item_id=is.null", ["e4"]),
    ("classification_item_id=isdistinct.9", ["e2", "e3", "e4"]),
    ("classification_item_id=eq(any).{9,100}", ["e1", "e3"]),
    ("classification_item_id=gt(all).{9,50}", ["e3"]),
    ("classification_item_id=not.gt(any).{9,50}", ["e1"]),
    ("classification_item_id=like.1*", ["e2", "e3"]),
    ("status=eq.open", ["e1"]),
    ("status=neq.open", ["e2", "e4"]),
    ("status=isdistinct.open", ["e2", "e3", "e4"]),
    ("status=in.(open,closed)", ["e1", "e2"]),
    ("validity_start_date=gte.2024-02-01", ["e2", "e3", "e4"]),
    ("validity_end_date=is.null", ["e4"]),
    # range operators on the daterange `validity` ([start, end))
    ("validity=sl.[2024-02-01,2024-03-01)", ["e1"]),
    ("validity=sr.[2024-02-01,2024-03-01)", ["e3", "e4"]),
    ("validity=nxr.[2024-02-01,2024-03-01)", ["e1", "e2"]),
    ("validity=nxl.[2024-02-01,2024-03-01)", ["e2", "e3", "e4"]),
    ("validity=adj.[2024-02-01,2024-03-01)", ["e1"]),
    ("validity=cs.[2024-02-10,2024-02-20]", ["e2"]),
    ("validity=cd.[2024-01-01,2024-12-31]", ["e1", "e2", "e3"]),
    ("validity=ov.[2024-01-15,2024-02-15]", ["e1", "e2"]),
    ("validity=ov.[2024-03-20,)", ["e3", "e4"]),
    ("validity=eq.[2024-02-01,2024-03-01)", ["e2"]),
    ("validity=not.sl.[2024-02-01,2024-03-01)", ["e2", "e3", "e4"]),
    ("validity=not.sr.[2024-02-01,2024-03-01)", ["e1", "e2"]),
    ("validity=not.nxr.[2024-02-01,2024-03-01)", ["e3", "e4"]),
    ("validity=not.nxl.[2024-02-01,2024-03-01)", ["e1"]),
    ("validity=not.adj.[2024-02-01,2024-03-01)", ["e2", "e3", "e4"]),
    ("validity=not.cs.[2024-02-10,2024-02-20]", ["e1", "e3", "e4"]),
    ("validity=not.ov.[2024-01-15,2024-02-15]", ["e3", "e4"]),
    # range values in logic trees are quoted (they hold a comma)
    ('or=(validity.sl."[2024-02-01,2024-03-01)",status.is.null)', ["e1", "e3"]),
    ('and=(validity.ov."[2024-01-01,)",validity.not.adj."[2024-02-01,2024-03-01)")', ["e2", "e3", "e4"]),
    ("or=(classification_item_id.gt.50,and(status.eq.open,classification_item_id.lt.10))", ["e1", "e3"]),
]


@pytest.mark.parametrize(("query", "expected"), ENTRY_CASES, ids=[q for q, _ in ENTRY_CASES])
def test_entries_filter(
    client: TestClient, secret: dict[str, str], seeded: dict[str, int], query: str, expected: list[str]
) -> None:
    response = client.get(
        "/rest/v1/entries",
        headers=secret,
        params=[("select", "id"), ("order", "id"), ("thing_id", f"eq.{seeded['owner']}"), *_params(query)],
    )
    assert response.status_code == 200, response.text
    assert [row["id"] for row in response.json()] == [seeded[key] for key in expected]


def test_filter_returns_whole_rows(
    client: TestClient, secret: dict[str, str], seeded: dict[str, int]
) -> None:
    """Without select= a filtered read returns every column, values as stored."""
    response = client.get(
        "/rest/v1/entries", headers=secret, params={"id": f"eq.{seeded['e2']}", "thing_id": "gt.0"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    [row] = response.json()
    assert {k: row[k] for k in (*ENTRIES["e2"], "thing_id", "validity", "active")} == {
        **ENTRIES["e2"],
        "thing_id": seeded["owner"],
        "validity": "[2024-02-01,2024-03-01)",
        "active": True,
    }


def test_template_rows_filter(client: TestClient, secret: dict[str, str]) -> None:
    """The template's things (copied into every tenant) answer the seed's own style of query."""
    response = client.get(
        "/rest/v1/things",
        headers=secret,
        params={"select": "name", "tags": "cs.{core}", "name": "in.(Customer,Asset,Ticket)", "order": "name"},
    )
    assert response.status_code == 200
    assert response.json() == [{"name": "Customer"}, {"name": "Ticket"}]
    ranked = client.get(
        "/rest/v1/things",
        headers=secret,
        params={"select": "name", "data->rank": "gt.1", "name": "in.(Customer,Asset,Ticket)", "order": "id"},
    )
    assert ranked.json() == [{"name": "Asset"}, {"name": "Ticket"}]
