"""The seed 000 walk-through, end to end, exactly as its client sends it."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import Database


def test_seed_walkthrough(client: TestClient, user_headers: dict[str, str], db: Database) -> None:
    things = client.get("/rest/v1/things?limit=10&order=id", headers=user_headers)
    assert things.status_code == 200
    assert [t["name"] for t in things.json()][:3] == ["Customer", "Asset", "Ticket"]
    thing_id = things.json()[0]["id"]

    created = client.post(
        "/rest/v1/entries",
        headers={**user_headers, "Prefer": "return=representation"},
        json={"thing_id": thing_id},
    )
    assert created.status_code == 201, created.text
    [entry] = created.json()
    assert entry["thing_id"] == thing_id
    assert set(entry) >= {
        "id",
        "thing_id",
        "classification_item_id",
        "classification_item_name",
        "validity_start_date",
        "validity_end_date",
        "created_by",
        "created_at",
        "updated_at",
        "active",
        "status",
    }

    fields = client.get(f"/rest/v1/fields?thing_id=eq.{thing_id}", headers=user_headers).json()
    field_entry = client.post(
        "/rest/v1/field_entries",
        headers=user_headers,
        json={"entry_id": entry["id"], "field_id": fields[0]["id"], "value": "Value for Field"},
    )
    assert field_entry.status_code == 201
    assert field_entry.content == b""

    [stored] = client.get(f"/rest/v1/field_entries?entry_id=eq.{entry['id']}", headers=user_headers).json()
    assert stored["entered_value"] == "Value for Field"

    patched = client.patch(
        f"/rest/v1/field_entries?id=eq.{stored['id']}",
        headers=user_headers,
        json={"entered_value": "New Value"},
    )
    assert patched.status_code == 204
    soft = client.patch(f"/rest/v1/entries?id=eq.{entry['id']}", headers=user_headers, json={"active": False})
    assert soft.status_code == 204

    schema = user_headers["Content-Profile"]
    assert (
        db.value(f'SELECT entered_value FROM "{schema}".field_entries WHERE id = $1', stored["id"])
        == "New Value"
    )
    assert db.value(f'SELECT active FROM "{schema}".entries WHERE id = $1', entry["id"]) is False
    inactive = client.get(
        f"/rest/v1/entries?id=eq.{entry['id']}&active=is.false", headers=user_headers
    ).json()
    assert [e["id"] for e in inactive] == [entry["id"]]
