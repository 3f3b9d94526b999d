"""`Prefer` on writes: count, tx, handling, max-affected, and what Preference-Applied echoes."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.postgrest.write_support import Rows, error, headers, mark

pytestmark = pytest.mark.usefixtures("forget_written_rows")


def prefer_headers(tenant: ProvisionedTenant, *prefers: str) -> list[tuple[str, str]]:
    """Several `Prefer` headers, as some clients send them."""
    return [*headers(tenant).items(), *(("Prefer", p) for p in prefers)]


# -- count= --------------------------------------------------------------------------------------


def test_count_on_post(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things",
        headers=headers(alpha, "count=exact"),
        json=[{"name": f"{m}-1"}, {"name": f"{m}-2"}],
    )
    assert response.status_code == 201
    assert response.headers["content-range"] == "*/2"
    assert response.headers["preference-applied"] == "count=exact"
    assert len(rows.things(m)) == 2


def test_count_on_patch_and_delete(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    for i in range(3):
        rows.thing(f"{m}-{i}")
    patched = client.patch(
        f"/rest/v1/things?name=like.{m}*", headers=headers(alpha, "count=exact"), json={"description": "c"}
    )
    assert patched.status_code == 204
    assert patched.headers["content-range"] == "0-2/3"
    assert patched.headers["preference-applied"] == "count=exact"
    none = client.patch(
        "/rest/v1/things?id=eq.-1", headers=headers(alpha, "count=exact"), json={"description": "c"}
    )
    assert none.headers["content-range"] == "*/0"
    deleted = client.delete(
        f"/rest/v1/things?name=like.{m}*", headers=headers(alpha, "count=exact, return=representation")
    )
    assert deleted.status_code == 200
    assert deleted.headers["content-range"] == "*/3"
    assert deleted.headers["preference-applied"] == "return=representation, count=exact"
    assert rows.things(m) == []


@pytest.mark.parametrize("count", ["planned", "estimated"])
def test_other_counts_are_exact(client: TestClient, alpha: ProvisionedTenant, count: str) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha, f"count={count}"), json=[{"name": m}])
    assert response.headers["content-range"] == "*/1"
    assert response.headers["preference-applied"] == f"count={count}"


def test_several_prefer_headers(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things?select=name",
        headers=prefer_headers(alpha, "return=representation", "count=exact"),
        json={"name": m},
    )
    assert response.status_code == 201
    assert response.json() == [{"name": m}]
    assert response.headers["content-range"] == "*/1"
    assert response.headers["preference-applied"] == "return=representation, count=exact"


def test_preference_applied_order(client: TestClient, alpha: ProvisionedTenant) -> None:
    """PostgREST's order, whatever order the client sent them in."""
    m = mark()
    response = client.post(
        "/rest/v1/things?columns=name",
        headers=headers(
            alpha,
            "handling=lenient, tx=commit, count=exact, return=minimal, missing=default, "
            + "resolution=merge-duplicates",
        ),
        json=[{"name": m}],
    )
    assert response.status_code == 201
    assert response.headers["preference-applied"] == (
        "resolution=merge-duplicates, missing=default, return=minimal, count=exact, tx=commit, handling=lenient"
    )


def test_resolution_is_not_echoed_where_it_does_not_apply(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    m = mark()
    thing_id = rows.thing(m)
    response = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}",
        headers=headers(alpha, "resolution=merge-duplicates, return=minimal"),
        json={"description": "x"},
    )
    assert response.status_code == 204
    assert response.headers["preference-applied"] == "return=minimal"


# -- tx= -----------------------------------------------------------------------------------------


def test_tx_rollback_post(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post(
        "/rest/v1/things?select=name,tags",
        headers=headers(alpha, "return=representation, tx=rollback"),
        json={"name": m},
    )
    assert response.status_code == 201
    assert response.json() == [{"name": m, "tags": []}]
    assert response.headers["preference-applied"] == "return=representation, tx=rollback"
    assert rows.things(m) == []


def test_tx_rollback_patch_and_delete(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    thing_id = rows.thing(m)
    patched = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}&select=description",
        headers=headers(alpha, "return=representation, tx=rollback"),
        json={"description": "rolled back"},
    )
    assert patched.status_code == 200
    assert patched.json() == [{"description": "rolled back"}]
    assert rows.things(m)[0]["description"] is None
    deleted = client.delete(f"/rest/v1/things?id=eq.{thing_id}", headers=headers(alpha, "tx=rollback"))
    assert deleted.status_code == 204
    assert deleted.headers["preference-applied"] == "tx=rollback"
    assert rows.names(m) == [m]


def test_tx_commit(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha, "tx=commit"), json={"name": m})
    assert response.status_code == 201
    assert response.headers["preference-applied"] == "tx=commit"
    assert rows.names(m) == [m]


# -- handling= -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefer", "invalid"),
    [
        ("handling=strict, anything", "anything"),
        ("return=representation, handling=strict, anything", "anything"),
        ("handling=strict, return=everything", "return=everything"),
        ("handling=strict, max-affected=many", "max-affected=many"),
        ("handling=strict, something, else", "something, else"),
    ],
)
def test_strict_refuses_unknown_preferences(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, prefer: str, invalid: str
) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha, prefer), json={"name": m})
    assert response.status_code == 400
    assert response.json() == error(
        "PGRST122", "Invalid preferences given with handling=strict", f"Invalid preferences: {invalid}"
    )
    assert rows.things(m) == []


def test_strict_across_several_headers(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    thing_id = rows.thing(m)
    response = client.patch(
        f"/rest/v1/things?id=eq.{thing_id}",
        headers=prefer_headers(alpha, "handling=strict", "something, else"),
        json={"description": "x"},
    )
    assert response.status_code == 400
    assert response.json()["details"] == "Invalid preferences: something, else"
    assert rows.things(m)[0]["description"] is None


@pytest.mark.parametrize("prefer", ["handling=lenient, anything", "anything, return=minimal"])
def test_lenient_ignores_unknown_preferences(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows, prefer: str
) -> None:
    m = mark()
    response = client.post("/rest/v1/things", headers=headers(alpha, prefer), json={"name": m})
    assert response.status_code == 201
    expected = "handling=lenient" if "lenient" in prefer else "return=minimal"
    assert response.headers["preference-applied"] == expected
    assert rows.names(m) == [m]


def test_unknown_preference_alone_is_not_echoed(client: TestClient, alpha: ProvisionedTenant) -> None:
    response = client.post("/rest/v1/things", headers=headers(alpha, "anything=1"), json={"name": mark()})
    assert response.status_code == 201
    assert "preference-applied" not in response.headers


# -- max-affected= -------------------------------------------------------------------------------


def test_max_affected_exceeded_on_patch(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    rows.thing(f"{m}-1")
    rows.thing(f"{m}-2")
    response = client.patch(
        f"/rest/v1/things?name=like.{m}*",
        headers=headers(alpha, "handling=strict, max-affected=1"),
        json={"description": "too many"},
    )
    assert response.status_code == 400
    assert response.json() == error(
        "PGRST124", "Query result exceeds max-affected preference constraint", "The query affects 2 rows"
    )
    assert [r["description"] for r in rows.things(m)] == [None, None]


def test_max_affected_exceeded_on_delete(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    rows.thing(f"{m}-1")
    rows.thing(f"{m}-2")
    response = client.delete(
        f"/rest/v1/things?name=like.{m}*", headers=headers(alpha, "handling=strict, max-affected=1")
    )
    assert response.status_code == 400
    assert response.json()["code"] == "PGRST124"
    assert len(rows.things(m)) == 2


def test_max_affected_within(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    rows.thing(f"{m}-1")
    rows.thing(f"{m}-2")
    response = client.patch(
        f"/rest/v1/things?name=like.{m}*",
        headers=headers(alpha, "handling=strict, max-affected=2"),
        json={"description": "ok"},
    )
    assert response.status_code == 204
    assert response.headers["preference-applied"] == "handling=strict, max-affected=2"
    assert [r["description"] for r in rows.things(m)] == ["ok", "ok"]


def test_max_affected_needs_strict(client: TestClient, alpha: ProvisionedTenant, rows: Rows) -> None:
    m = mark()
    rows.thing(f"{m}-1")
    rows.thing(f"{m}-2")
    for prefer, applied in (
        ("handling=lenient, max-affected=1", "handling=lenient"),
        ("max-affected=1", None),
    ):
        response = client.patch(
            f"/rest/v1/things?name=like.{m}*", headers=headers(alpha, prefer), json={"description": prefer}
        )
        assert response.status_code == 204
        assert response.headers.get("preference-applied") == applied
        assert [r["description"] for r in rows.things(m)] == [prefer, prefer]


def test_max_affected_does_not_limit_inserts(
    client: TestClient, alpha: ProvisionedTenant, rows: Rows
) -> None:
    """As in PostgREST, max-affected bounds PATCH and DELETE (and RPC), not POST."""
    m = mark()
    response = client.post(
        "/rest/v1/things",
        headers=headers(alpha, "handling=strict, max-affected=1"),
        json=[{"name": f"{m}-1"}, {"name": f"{m}-2"}],
    )
    assert response.status_code == 201
    assert response.headers["preference-applied"] == "handling=strict"
    assert len(rows.things(m)) == 2
