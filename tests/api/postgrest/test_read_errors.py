"""Every way a read can fail answers PostgREST's error body: exactly {code, message, details, hint},
the right status, and never a 500.

One table: the request, then the status, code and message it must answer (a message ending in `…`
is a prefix). Parse errors quote the input in the message, as PostgREST's do.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.query.ast import MAX_DEPTH
from tenantgrid.tenancy.provision import ProvisionedTenant

DEEP = "(" + "or(" * MAX_DEPTH + "id.eq.1" + ")" * MAX_DEPTH + ")"
DEEPEST = "(" + "or(" * (MAX_DEPTH - 1) + "id.eq.-1" + ")" * (MAX_DEPTH - 1) + ")"
BIG = "9" * 30

# (test id, table, query pairs, extra headers) → (status, code, message)
CASES: list[tuple[str, str, list[tuple[str, str]], dict[str, str], int, str, str]] = [
    ("unknown table", "nope", [], {}, 404, "PGRST205", "Could not find the table '{schema}.nope' in the schema cache"),
    ("private table", "users", [], {}, 404, "PGRST205", "Could not find the table '{schema}.users' in the schema cache"),
    # unknown columns, wherever they are named
    ("filter column", "things", [("nope", "eq.1")], {}, 400, "42703", "column things.nope does not exist"),
    ("select column", "things", [("select", "id,nope")], {}, 400, "42703", "column things.nope does not exist"),
    ("order column", "things", [("order", "nope.desc")], {}, 400, "42703", "column things.nope does not exist"),
    ("logic column", "things", [("or", "(id.eq.1,nope.eq.2)")], {}, 400, "42703", "column things.nope does not exist"),
    ("json path column", "things", [("nope->>a", "eq.1")], {}, 400, "42703", "column things.nope does not exist"),
    ("select json column", "things", [("select", "nope->a")], {}, 400, "42703", "column things.nope does not exist"),
    # syntax: PGRST100 quoting the input
    ("unknown operator", "things", [("id", "noop.1")], {}, 400, "PGRST100", "failed to parse filter (noop.1)"),
    ("no operator", "things", [("id", "1")], {}, 400, "PGRST100", "failed to parse filter (1)"),
    ("no value dot", "things", [("id", "eq")], {}, 400, "PGRST100", "failed to parse filter (eq)"),
    ("bad is", "things", [("active", "is.maybe")], {}, 400, "PGRST100", "failed to parse filter (is.maybe)"),
    ("bad modifier", "things", [("id", "in(any).{1}")], {}, 400, "PGRST100", "failed to parse filter (in(any).{1})"),
    ("any needs a list", "things", [("id", "eq(any).1")], {}, 400, "PGRST100", "failed to parse filter (eq(any).1)"),
    ("bad language", "things", [("description", "fts(en glish).a")], {}, 400, "PGRST100", "failed to parse filter (fts(en glish).a)"),
    ("in without parens", "things", [("id", "in.1,2")], {}, 400, "PGRST100", "failed to parse filter (in.1,2)"),
    ("in unclosed", "things", [("id", "in.(1,2")], {}, 400, "PGRST100", "failed to parse filter (in.(1,2)"),
    ("in unterminated quote", "things", [("name", 'in.("a,b)')], {}, 400, "PGRST100", 'failed to parse filter (in.("a,b))'),
    ("empty column", "things", [("", "eq.1")], {}, 400, "PGRST100", "failed to parse tree path (=eq.1)"),
    ("bad json path", "things", [("data->", "eq.1")], {}, 400, "PGRST100", "failed to parse tree path (data->)"),
    ("embedded filter", "things", [("fields.id", "eq.1")], {}, 400, "PGRST100", "failed to parse tree path (fields.id)"),
    ("empty or", "things", [("or", "()")], {}, 400, "PGRST100", "failed to parse logic tree (())"),
    ("or without parens", "things", [("or", "id.eq.1")], {}, 400, "PGRST100", "failed to parse logic tree (id.eq.1)"),
    ("or unbalanced", "things", [("or", "(id.eq.1")], {}, 400, "PGRST100", "failed to parse logic tree ((id.eq.1)"),
    ("or bad item", "things", [("or", "(id.eq.1,name)")], {}, 400, "PGRST100", "failed to parse logic tree ((id.eq.1,name))"),
    ("nesting too deep", "things", [("or", DEEP)], {}, 400, "PGRST100", f"failed to parse logic tree ({DEEP})"),
    ("select trailing comma", "things", [("select", "id,")], {}, 400, "PGRST100", "failed to parse select parameter (id,)"),
    ("select embedding", "things", [("select", "id,fields(*)")], {}, 400, "PGRST100", "failed to parse select parameter (id,fields(*))"),
    ("select bad cast", "things", [("select", "id::te;xt")], {}, 400, "PGRST100", "failed to parse select parameter (id::te;xt)"),
    ("order modifier", "things", [("order", "id.sideways")], {}, 400, "PGRST100", "failed to parse order (id.sideways)"),
    ("order empty", "things", [("order", "")], {}, 400, "PGRST100", "failed to parse order ()"),
    ("limit not a number", "things", [("limit", "ten")], {}, 400, "PGRST100", "failed to parse limit parameter (ten)"),
    ("offset not a number", "things", [("offset", "1.5")], {}, 400, "PGRST100", "failed to parse offset parameter (1.5)"),
    ("negative offset", "things", [("offset", "-1")], {}, 400, "PGRST100", "failed to parse offset parameter (-1)"),
    ("range garbage", "things", [], {"Range": "bytes=0-1"}, 400, "PGRST100", "failed to parse Range header (bytes=0-1)"),
    # values Postgres cannot read as the column's type
    ("bigint eq", "things", [("id", "eq.abc")], {}, 400, "22P02", 'invalid input syntax for type bigint: "abc"'),
    ("bigint in", "things", [("id", "in.(1,abc)")], {}, 400, "22P02", 'invalid input syntax for type bigint: "abc"'),
    ("bigint any", "things", [("id", "gt(any).{1,x}")], {}, 400, "22P02", 'invalid input syntax for type bigint: "x"'),
    ("boolean", "things", [("active", "eq.maybe")], {}, 400, "22P02", 'invalid input syntax for type boolean: "maybe"'),
    ("timestamp", "things", [("created_at", "gt.yesterday-ish")], {}, 400, "22007", "invalid input syntax for type timestamp with time zone…"),
    ("bigint out of range", "things", [("id", f"eq.{BIG}")], {}, 400, "22003", f'value "{BIG}" is out of range for type bigint'),
    ("array literal", "things", [("tags", "cs.core")], {}, 400, "22P02", 'malformed array literal: "core"'),
    ("array in list", "things", [("tags", "in.(core)")], {}, 400, "22P02", 'malformed array literal: "core"'),
    ("array quantified", "things", [("tags", "eq(any).{a,b}")], {}, 400, "42883", "operator does not exist: text[] = any (text[])"),
    ("array quantified all", "things", [("tags", "gt(all).{a}")], {}, 400, "42883", "operator does not exist: text[] > all (text[])"),
    ("json literal", "things", [("data", "cs.{color}")], {}, 400, "22P02", "invalid input syntax for type json"),
    ("range literal", "entries", [("validity", "sl.2024-01-01")], {}, 400, "22P02", 'malformed range literal: "2024-01-01"'),
    ("date in range", "entries", [("validity", "ov.[2024-13-01,)")], {}, 400, "22008", "date/time field value out of range: …"),
    ("regex", "things", [("name", "match.(")], {}, 400, "2201B", "invalid regular expression: …"),
    ("tsquery", "things", [("description", "fts.a & & b")], {}, 400, "42601", 'syntax error in tsquery: "a & & b"'),
    ("fts language", "things", [("description", "fts(klingon).a")], {}, 400, "42704", 'text search configuration "klingon" does not exist'),
    # JSON paths and casts that do not apply
    ("json path on text", "things", [("name->>a", "eq.1")], {}, 400, "42883", "operator does not exist: text ->> unknown"),
    ("long json path on text", "things", [("name->a->>b", "eq.1")], {}, 400, "42883", "operator does not exist: text -> unknown"),
    ("select json path on text", "things", [("select", "name->a")], {}, 400, "42883", "operator does not exist: text -> unknown"),
    ("order json path on text", "things", [("order", "name->a")], {}, 400, "42883", "operator does not exist: text -> unknown"),
    ("unknown cast", "things", [("select", "id::nope")], {}, 400, "42704", 'type "nope" does not exist'),
    ("impossible cast", "things", [("select", "tags::int")], {}, 400, "42846", "cannot cast type text[] to integer"),
    ("failing cast", "things", [("select", "name::int")], {}, 400, "22P02", "invalid input syntax for type integer: …"),
    # paging and negotiation
    ("negative limit", "things", [("limit", "-1")], {}, 416, "PGRST103", "Requested range not satisfiable"),
    ("range inverted", "things", [], {"Range": "5-2"}, 416, "PGRST103", "Requested range not satisfiable"),
    ("huge limit", "things", [("limit", BIG)], {}, 400, "PGRST100", f"failed to parse limit parameter ({BIG})"),
    ("huge offset", "things", [("offset", BIG)], {}, 400, "PGRST100", f"failed to parse offset parameter ({BIG})"),
    ("huge range", "things", [], {"Range": f"0-{BIG}"}, 400, "PGRST100", f"failed to parse Range header (0-{BIG})"),
    ("unknown accept", "things", [], {"Accept": "text/csv"}, 406, "PGRST107", "None of these media types are available: text/csv"),
    ("singular", "things", [("id", "lt.0")], {"Accept": "application/vnd.pgrst.object+json"}, 406, "PGRST116", "Cannot coerce the result to a single JSON object"),
    ("unknown profile", "things", [], {"Accept-Profile": "nope"}, 406, "PGRST106", "Invalid schema: nope"),
    ("strict unknown preference", "things", [], {"Prefer": "handling=strict, nope=1"}, 400, "PGRST122", "Invalid preferences given with handling=strict"),
    # text Postgres cannot hold
    ("nul byte", "things", [("name", "eq.a\x00b")], {}, 400, "22021", "invalid byte sequence for encoding \"UTF8\": 0x00"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "params", "headers", "status", "code", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_read_error_contract(
    client: TestClient,
    secret: dict[str, str],
    alpha: ProvisionedTenant,
    table: str,
    params: list[tuple[str, str]],
    headers: dict[str, str],
    status: int,
    code: str,
    message: str,
) -> None:
    response = client.get(f"/rest/v1/{table}", params=params, headers={**secret, **headers})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body: dict[str, Any] = response.json()
    assert list(body) == ["code", "message", "details", "hint"]
    assert body["code"] == code
    expected = message.replace("{schema}", alpha.schema)
    if expected.endswith("…"):
        assert body["message"].startswith(expected[:-1]), body
    else:
        assert body["message"] == expected
    assert body["details"] is None or (isinstance(body["details"], str) and body["details"])
    assert body["hint"] is None or (isinstance(body["hint"], str) and body["hint"])
    if code == "PGRST100":
        assert body["details"], "a parse error says what was wrong"


def test_deepest_allowed_tree_runs(client: TestClient, secret: dict[str, str]) -> None:
    """MAX_DEPTH levels parse and run, alone or next to other filters (which add a level of AND)."""
    for extra in ([], [("id", "gt.0"), ("name", "not.is.null")]):
        response = client.get(
            "/rest/v1/things", params=[("or", DEEPEST), ("select", "id"), *extra], headers=secret
        )
        assert response.status_code == 200, response.text
        assert response.json() == []
    nested = "(" + "and(" * (MAX_DEPTH - 1) + "id.eq.-1" + ")" * (MAX_DEPTH - 1) + ")"
    response = client.get("/rest/v1/things", params=[("not.or", nested), ("id", "eq.-1")], headers=secret)
    assert response.status_code == 200, response.text
    assert response.json() == []


def test_error_in_one_of_several_filters(client: TestClient, secret: dict[str, str]) -> None:
    """The first bad parameter is the one reported, whatever the others."""
    response = client.get(
        "/rest/v1/things", params=[("id", "eq.1"), ("name", "bad.x"), ("nope", "eq.1")], headers=secret
    )
    assert response.status_code == 400
    assert response.json()["message"] == "failed to parse filter (bad.x)"


def test_unauthenticated_read_has_the_same_shape(client: TestClient) -> None:
    response = client.get("/rest/v1/things")
    assert response.status_code == 401
    assert list(response.json()) == ["code", "message", "details", "hint"]
