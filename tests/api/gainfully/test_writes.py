"""Gainfully writes: POST, PATCH and DELETE of each resource with and without the trailing slash,
what the rows then hold, and every validation error in the seed's shape naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.gainfully.conftest import NewTenant, auth, sql
from tests.conftest import Database


@pytest.fixture(scope="module")
def writer(new_tenant: NewTenant) -> ProvisionedTenant:
    return new_tenant("gf_writes")


def post(client: TestClient, tenant: ProvisionedTenant, path: str, body: Any) -> Any:
    response = client.post(path, json=body, headers=auth(tenant))
    assert response.status_code == 201, response.text
    return response.json()


def error(response: Any, status: int = 400) -> tuple[Any, str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["field", "error_code", "detail"]
    return body["field"], body["error_code"], body["detail"]


def test_relationship_lifecycle(client: TestClient, writer: ProvisionedTenant, db: Database) -> None:
    created = post(
        client,
        writer,
        "/v1.0/relationships/",
        {"name": "  Ada  ", "email": "ada@example.com", "type": 4, "id": 99},
    )
    assert created["name"] == "Ada"  # trimmed, as DRF's CharField does
    assert (created["type"], created["phone"], created["title"]) == (4, None, None)
    assert created["id"] != 99  # read only: ignored
    assert isinstance(created["created_at"], int) and created["created_at"] == created["updated_at"]
    rid = created["id"]
    row = sql(db, writer, "SELECT name, email, type FROM {s}.gainfully_relationships WHERE id = $1", rid)[0]
    assert tuple(row) == ("Ada", "ada@example.com", 4)

    response = client.patch(f"/v1.0/relationships/{rid}", json={"title": "Engineer"}, headers=auth(writer))
    assert response.status_code == 200
    assert response.json()["title"] == "Engineer" and response.json()["name"] == "Ada"
    response = client.patch(
        f"/v1.0/relationships/{rid}/", json={"phone": None, "type": "2"}, headers=auth(writer)
    )
    assert (response.json()["phone"], response.json()["type"]) == (None, 2)

    assert client.delete(f"/v1.0/relationships/{rid}", headers=auth(writer)).status_code == 204
    assert client.get(f"/v1.0/relationships/{rid}", headers=auth(writer)).status_code == 404
    assert client.delete(f"/v1.0/relationships/{rid}/", headers=auth(writer)).status_code == 404
    assert client.patch(f"/v1.0/relationships/{rid}", json={}, headers=auth(writer)).status_code == 404


def test_without_trailing_slash(client: TestClient, writer: ProvisionedTenant) -> None:
    created = post(client, writer, "/v1.0/content", {"name": "No slash"})
    assert created["message"] == "" and created["author"] is None
    assert client.get("/v1.0/content", headers=auth(writer)).status_code == 200
    assert client.delete(f"/v1.0/content/{created['id']}/", headers=auth(writer)).status_code == 204


def test_content_author_and_its_deletion(client: TestClient, writer: ProvisionedTenant) -> None:
    author = post(client, writer, "/v1.0/relationships/", {"name": "Grace", "email": "grace@example.com"})
    content = post(
        client,
        writer,
        "/v1.0/content/",
        {"name": "Report", "message": "Q3", "author": author["id"], "url": "https://example.com/q3"},
    )
    assert (content["author"], content["url"]) == (author["id"], "https://example.com/q3")
    client.delete(f"/v1.0/relationships/{author['id']}", headers=auth(writer))
    assert client.get(f"/v1.0/content/{content['id']}", headers=auth(writer)).json()["author"] is None


def test_event_links(client: TestClient, writer: ProvisionedTenant, db: Database) -> None:
    people = [
        post(client, writer, "/v1.0/relationships/", {"name": f"P{i}", "email": f"p{i}@example.com"})["id"]
        for i in range(3)
    ]
    item = post(client, writer, "/v1.0/content/", {"name": "Slides"})["id"]
    event = post(
        client,
        writer,
        "/v1.0/events/",
        {
            "name": "Kickoff",
            "starts_at": 1572300000,
            "content": [item],
            "relationships": [people[2], people[0], people[2]],
        },
    )
    assert event["content"] == [item]
    assert event["relationships"] == sorted([people[0], people[2]])
    assert (event["ends_at"], event["description"], event["location"]) == (None, "", None)
    eid = event["id"]
    changed = client.patch(
        f"/v1.0/events/{eid}",
        json={"relationships": [people[1]], "ends_at": 1572303600},
        headers=auth(writer),
    ).json()
    assert (changed["relationships"], changed["content"], changed["ends_at"]) == (
        [people[1]],
        [item],
        1572303600,
    )
    links = sql(
        db, writer, "SELECT relationship_id FROM {s}.gainfully_event_relationships WHERE event_id = $1", eid
    )
    assert [r[0] for r in links] == [people[1]]
    client.delete(f"/v1.0/content/{item}", headers=auth(writer))
    assert client.get(f"/v1.0/events/{eid}", headers=auth(writer)).json()["content"] == []
    assert client.delete(f"/v1.0/events/{eid}", headers=auth(writer)).status_code == 204
    assert (
        sql(db, writer, "SELECT count(*) FROM {s}.gainfully_event_relationships WHERE event_id = $1", eid)[0][
            0
        ]
        == 0
    )


def test_patch_moves_updated_at(client: TestClient, writer: ProvisionedTenant, db: Database) -> None:
    cid = post(client, writer, "/v1.0/content/", {"name": "Old"})["id"]
    sql(db, writer, "UPDATE {s}.gainfully_content SET created_at = 1, updated_at = 1 WHERE id = $1", cid)
    body = client.patch(f"/v1.0/content/{cid}", json={"name": "New"}, headers=auth(writer)).json()
    assert body["created_at"] == 1 and body["updated_at"] > 1572274684


VALIDATION = [
    # path, body, field, code, detail
    ("relationships", {"email": "a@example.com"}, "name", "required", "This field is required."),
    ("relationships", {"name": "A"}, "email", "required", "This field is required."),
    ("relationships", {}, "name", "required", "This field is required."),
    ("relationships", {"name": None, "email": "a@example.com"}, "name", "null", "This field may not be null."),
    ("relationships", {"name": "  ", "email": "a@example.com"}, "name", "blank", "This field may not be blank."),
    ("relationships", {"name": ["A"], "email": "a@example.com"}, "name", "invalid", "Not a valid string."),
    ("relationships", {"name": True, "email": "a@example.com"}, "name", "invalid", "Not a valid string."),
    ("relationships", {"name": "x" * 256, "email": "a@example.com"}, "name", "max_length",
     "Ensure this field has no more than 255 characters."),
    ("relationships", {"name": "a\x00b", "email": "a@example.com"}, "name", "null_characters_not_allowed",
     "Null characters are not allowed."),
    ("relationships", {"name": "A", "email": "not-an-email"}, "email", "invalid", "Enter a valid email address."),
    ("relationships", {"name": "A", "email": "a@b"}, "email", "invalid", "Enter a valid email address."),
    ("relationships", {"name": "A", "email": "a@example.com", "type": "x"}, "type", "invalid",
     "A valid integer is required."),
    ("relationships", {"name": "A", "email": "a@example.com", "type": 1.5}, "type", "invalid",
     "A valid integer is required."),
    ("relationships", {"name": "A", "email": "a@example.com", "type": True}, "type", "invalid",
     "A valid integer is required."),
    ("relationships", {"name": "A", "email": "a@example.com", "type": -1}, "type", "min_value",
     "Ensure this value is greater than or equal to 0."),
    ("relationships", {"name": "A", "email": "a@example.com", "type": 40000}, "type", "max_value",
     "Ensure this value is less than or equal to 32767."),
    ("relationships", [], "non_field_errors", "invalid", "Invalid data. Expected a dictionary, but got list."),
    ("content", {"name": "A", "author": 999999}, "author", "does_not_exist",
     'Invalid pk "999999" - object does not exist.'),
    ("content", {"name": "A", "author": "abc"}, "author", "incorrect_type",
     "Incorrect type. Expected pk value, received str."),
    ("content", {"name": "A", "author": [1]}, "author", "incorrect_type",
     "Incorrect type. Expected pk value, received list."),
    ("content", {"name": "A", "url": "not a url"}, "url", "invalid", "Enter a valid URL."),
    ("content", {"name": "A", "url": "javascript:alert(1)"}, "url", "invalid", "Enter a valid URL."),
    ("events", {"name": "E"}, "starts_at", "required", "This field is required."),
    ("events", {"name": "E", "starts_at": "soon"}, "starts_at", "invalid", "A valid integer is required."),
    ("events", {"name": "E", "starts_at": 10, "ends_at": 5}, "ends_at", "invalid",
     "Ensure this value is greater than or equal to starts_at."),
    ("events", {"name": "E", "starts_at": 10, "content": 5}, "content", "not_a_list",
     'Expected a list of items but got type "int".'),
    ("events", {"name": "E", "starts_at": 10, "content": None}, "content", "null", "This field may not be null."),
    ("events", {"name": "E", "starts_at": 10, "relationships": [123456]}, "relationships", "does_not_exist",
     'Invalid pk "123456" - object does not exist.'),
    ("events", {"name": "E", "starts_at": 10, "relationships": ["x"]}, "relationships", "incorrect_type",
     "Incorrect type. Expected pk value, received str."),
]  # fmt: skip


@pytest.mark.parametrize(("resource", "body", "field", "code", "detail"), VALIDATION)
def test_validation_errors_name_the_field(
    client: TestClient,
    writer: ProvisionedTenant,
    resource: str,
    body: Any,
    field: str,
    code: str,
    detail: str,
) -> None:
    assert error(client.post(f"/v1.0/{resource}/", json=body, headers=auth(writer))) == (field, code, detail)


def test_unique_email(client: TestClient, writer: ProvisionedTenant) -> None:
    post(client, writer, "/v1.0/relationships/", {"name": "One", "email": "one@example.com"})
    response = client.post(
        "/v1.0/relationships/", json={"name": "Two", "email": "one@example.com"}, headers=auth(writer)
    )
    assert error(response) == ("email", "unique", "relationship with this email already exists.")


def test_patch_validates_what_it_is_sent(client: TestClient, writer: ProvisionedTenant) -> None:
    eid = post(client, writer, "/v1.0/events/", {"name": "E", "starts_at": 100, "ends_at": 200})["id"]
    response = client.patch(f"/v1.0/events/{eid}", json={"starts_at": 300}, headers=auth(writer))
    assert error(response) == ("starts_at", "invalid", "Ensure this value is less than or equal to ends_at.")
    response = client.patch(f"/v1.0/events/{eid}", json={"name": ""}, headers=auth(writer))
    assert error(response) == ("name", "blank", "This field may not be blank.")
    assert client.get(f"/v1.0/events/{eid}", headers=auth(writer)).json()["starts_at"] == 100


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "parse_error"),
        (b"name=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
        (b'{"name": "x"}', {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        (b"x" * (64 * 1024 + 1), {"Content-Type": "application/json"}, 413, "request_too_large"),
        (b"", {"Content-Type": "application/json"}, 400, "required"),
    ],
)
def test_bodies_that_are_refused(
    client: TestClient,
    writer: ProvisionedTenant,
    content: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = client.post("/v1.0/content/", content=content, headers={**auth(writer), **headers})
    assert error(response, status)[1] == code


def test_methods_not_allowed(client: TestClient, writer: ProvisionedTenant) -> None:
    response = client.put("/v1.0/content/1", json={}, headers=auth(writer))
    assert error(response, 405) == (None, "method_not_allowed", 'Method "PUT" not allowed.')
    assert response.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"
    assert error(client.delete("/v1.0/content/", headers=auth(writer)), 405)[1] == "method_not_allowed"
    options = client.options("/v1.0/content/")
    assert options.status_code == 200 and options.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_head_answers_without_a_body(client: TestClient, writer: ProvisionedTenant) -> None:
    response = client.head("/v1.0/content/", headers=auth(writer))
    assert response.status_code == 200 and response.content == b""
    assert int(response.headers["Content-Length"]) > 0


def test_unknown_paths_are_404_in_this_shape(client: TestClient, writer: ProvisionedTenant) -> None:
    for path in ("/v1.0/", "/v1.0", "/v1.0/nope", "/v1.0/content/1/extra"):
        assert error(client.get(path, headers=auth(writer)), 404) == (None, "not_found", "Not found.")
