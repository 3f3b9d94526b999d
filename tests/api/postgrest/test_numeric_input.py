"""Every number a client sends (limit, offset, Range, Prefer max-affected, Content-Length) parses
through one strict parser: ASCII digits within bigint. Anything else is a 4xx in PostgREST's error
shape, never a 500 (issue 11: `max-affected=²` and 5,000 nines passed `isdigit()`, then broke `int()`).

Header values travel as bytes: `²` is sent as its Latin-1 byte 0xB2 (which the server reads back as
`²`, the case `isdigit()` let through), other non-ASCII text as UTF-8. Starlette's TestClient would
re-encode header values as UTF-8, so header tests send their bytes through httpx's ASGI transport,
on the same app and event loop.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.write_support import Rows, error, headers, mark

pytestmark = pytest.mark.usefixtures("forget_written_rows")

NINES = "9" * 5000
MAX = str(2**63 - 1)
OVER = str(2**63)
INPUTS = [NINES, "²", "١٢", "+5", " 5", "-1", MAX, OVER]
IDS = ["5000 nines", "superscript two", "arabic-indic", "plus", "space", "minus one", "bigint max", "over"]
ERROR_KEYS = {"code", "message", "details", "hint"}


def raw(text: str) -> bytes:
    """A header value's bytes: Latin-1 where it fits (as `²` does), else UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode()


def as_received(text: str) -> str:
    """What the server reads back from `raw(text)` (ASGI headers are decoded as Latin-1)."""
    return raw(text).decode("latin-1")


def assert_answer(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text[:300]
    if code is not None:
        body = response.json()
        assert set(body) == ERROR_KEYS
        assert body["code"] == code


def send(
    client: TestClient,
    method: str,
    path: str,
    headers: dict[str, str],
    raw_headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    content: bytes | None = None,
) -> httpx.Response:
    """One request with `raw_headers` sent as the bytes `raw` makes of them."""
    all_headers = [(k.encode(), v.encode()) for k, v in headers.items()]
    all_headers += [(k.encode(), raw(v)) for k, v in (raw_headers or {}).items()]

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tenantgrid.test") as http:
            return await http.request(method, path, params=params, headers=all_headers, content=content)

    assert client.portal is not None
    return client.portal.call(call)


def get(
    client: TestClient,
    alpha: ProvisionedTenant,
    params: dict[str, str],
    raw_headers: dict[str, str] | None = None,
) -> Any:
    return send(
        client,
        "GET",
        "/rest/v1/things",
        {"apikey": alpha.secret_key},
        raw_headers,
        params={"select": "id", "order": "id", **params},
    )


# -- limit and offset ----------------------------------------------------------------------------

LIMIT = {NINES: 400, "²": 400, "١٢": 400, "+5": 400, " 5": 400, "-1": 416, MAX: 200, OVER: 400}
OFFSET = {NINES: 400, "²": 400, "١٢": 400, "+5": 400, " 5": 400, "-1": 400, MAX: 200, OVER: 400}
CODES = {400: "PGRST100", 416: "PGRST103", 200: None}


@pytest.mark.parametrize("value", INPUTS, ids=IDS)
def test_limit(client: TestClient, alpha: ProvisionedTenant, value: str) -> None:
    response = get(client, alpha, {"limit": value})
    assert_answer(response, LIMIT[value], CODES[LIMIT[value]])
    if LIMIT[value] == 400:
        assert response.json()["message"] == f"failed to parse limit parameter ({value})"


@pytest.mark.parametrize("value", INPUTS, ids=IDS)
def test_offset(client: TestClient, alpha: ProvisionedTenant, value: str) -> None:
    response = get(client, alpha, {"offset": value})
    assert_answer(response, OFFSET[value], CODES[OFFSET[value]])
    if OFFSET[value] == 400:
        assert response.json()["message"] == f"failed to parse offset parameter ({value})"
    else:
        assert response.json() == []  # offset 2^63-1: past every row, an empty page


@pytest.mark.parametrize("value", INPUTS, ids=IDS)
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_limit_on_writes(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, method: str, value: str
) -> None:
    m = mark()
    rows.thing(m)
    response = client.request(
        method,
        "/rest/v1/things",
        params={"name": f"eq.{m}", "order": "id", "limit": value},
        headers=headers(alpha),
        json={"description": "x"} if method == "PATCH" else None,
    )
    expected = 204 if value == MAX else LIMIT[value]
    assert_answer(response, expected, CODES.get(expected))
    changed = rows.things(m) == [] if method == "DELETE" else rows.things(m)[0]["description"] == "x"
    assert changed is (expected == 204)


# -- the Range header ----------------------------------------------------------------------------

# `Range:  5-` is 5 onwards: HTTP strips a header value's surrounding whitespace (RFC 9110 OWS).
RANGE_LOWER = {NINES: 400, "²": 400, "١٢": 400, "+5": 400, " 5": 200, "-1": 400, MAX: 200, OVER: 400}
RANGE_UPPER = {NINES: 400, "²": 400, "١٢": 400, "+5": 400, " 5": 400, "-1": 400, MAX: 200, OVER: 400}


@pytest.mark.parametrize("value", INPUTS, ids=IDS)
@pytest.mark.parametrize("bound", ["lower", "upper"])
def test_range_header(client: TestClient, alpha: ProvisionedTenant, bound: str, value: str) -> None:
    text = f"{value}-" if bound == "lower" else f"0-{value}"
    response = get(client, alpha, {}, {"Range": text})
    status = (RANGE_LOWER if bound == "lower" else RANGE_UPPER)[value]
    assert_answer(response, status, CODES[status])
    if status == 400:
        assert response.json()["message"] == f"failed to parse Range header ({as_received(text)})"


# -- Prefer: max-affected ------------------------------------------------------------------------

# RFC 7240 allows whitespace around a preference's `=`, so `max-affected= 5` is 5 (PostgREST reads it so too).
ACCEPTED_BOUNDS = {" 5": "5", MAX: MAX}


@pytest.mark.parametrize("value", INPUTS, ids=IDS)
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_max_affected_strict(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, method: str, value: str
) -> None:
    m = mark()
    rows.thing(m)
    preference = f"handling=strict, max-affected={value}"
    response = send(
        client,
        method,
        "/rest/v1/things",
        {**headers(alpha), "Content-Type": "application/json"},
        {"Prefer": preference},
        params={"name": f"eq.{m}"},
        content=b'{"description": "x"}' if method == "PATCH" else None,
    )
    if value in ACCEPTED_BOUNDS:
        assert response.status_code == 204, response.text
        applied = f"handling=strict, max-affected={ACCEPTED_BOUNDS[value]}"
        assert response.headers["preference-applied"] == applied
        assert rows.things(m) == [] if method == "DELETE" else rows.things(m)[0]["description"] == "x"
    else:
        assert response.status_code == 400, response.text[:300]
        assert response.json() == error(
            "PGRST122",
            "Invalid preferences given with handling=strict",
            f"Invalid preferences: max-affected={as_received(value)}",
        )
        assert len(rows.things(m)) == 1 and rows.things(m)[0]["description"] is None


@pytest.mark.parametrize("value", [NINES, "²", OVER], ids=["5000 nines", "superscript two", "over"])
def test_max_affected_lenient_is_ignored(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, value: str
) -> None:
    """Without handling=strict PostgREST ignores max-affected, a bad one included."""
    m = mark()
    rows.thing(m)
    response = send(
        client,
        "DELETE",
        "/rest/v1/things",
        headers(alpha),
        {"Prefer": f"max-affected={value}"},
        {"name": f"eq.{m}"},
    )
    assert response.status_code == 204, response.text[:300]
    assert "preference-applied" not in response.headers
    assert rows.things(m) == []


def test_max_affected_still_bounds(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    rows.thing(f"{m}-a")
    rows.thing(f"{m}-b")
    response = client.delete(
        "/rest/v1/things",
        params={"name": f"like.{m}*"},
        headers=headers(alpha, "handling=strict, max-affected=001"),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "PGRST124"
    assert len(rows.things(m)) == 2


# -- Content-Length ------------------------------------------------------------------------------

# Digits beyond any limit are a body too large (413); anything but digits is no length at all (400).
CONTENT_LENGTH = {NINES: 413, "²": 400, "١٢": 400, "+5": 400, " 5": 201, "-1": 400, MAX: 413, OVER: 413}
LENGTH_CODES = {400: "PGRST102", 413: "PGRST413", 201: None}


@pytest.mark.parametrize("value", INPUTS, ids=IDS)
def test_content_length(client: TestClient, alpha: ProvisionedTenant, rows: Rows, value: str) -> None:
    m = mark()
    body = f'{{"name": "{m}"}}'.encode()
    declared = f" {len(body)}" if value == " 5" else value  # a true length, after whitespace
    response = send(
        client,
        "POST",
        "/rest/v1/things",
        {**headers(alpha), "Content-Type": "application/json"},
        {"Content-Length": declared},
        content=body,
    )
    status = CONTENT_LENGTH[value]
    assert_answer(response, status, LENGTH_CODES[status])
    assert rows.names(m) == ([m] if status == 201 else [])


@pytest.mark.parametrize("value", [NINES, "²", "-1"], ids=["5000 nines", "superscript two", "minus one"])
def test_content_length_on_auth(client: TestClient, alpha: ProvisionedTenant, value: str) -> None:
    """/auth/v1 reads its body the same way, and answers in GoTrue's envelope."""
    response = send(
        client,
        "POST",
        "/auth/v1/token?grant_type=password",
        {"apikey": alpha.publishable_key, "Content-Type": "application/json"},
        {"Content-Length": value},
        content=b'{"email": "x@example.com", "password": "x"}',
    )
    assert response.status_code == (413 if value == NINES else 400), response.text[:300]
    assert set(response.json()) == {"code", "error_code", "msg"}


# -- Accept weights ------------------------------------------------------------------------------


@pytest.mark.parametrize("weight", ["nan", "1e-9", "\u0661", "+1", "0.5000", "2"])
def test_a_bad_accept_weight_is_ignored(client: TestClient, alpha: ProvisionedTenant, weight: str) -> None:
    """`q` is RFC 9110's qvalue (0 to 1, three decimals, ASCII); anything else counts as no weight."""
    accept = f"application/vnd.pgrst.object+json;q={weight}, application/json;q=0.5"
    response = get(client, alpha, {"limit": "1"}, {"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.pgrst.object+json; charset=utf-8"
