"""Type definitions: names, field types, references between render_meta and fields, acl shape."""

from __future__ import annotations

from typing import Any

import pytest

from tenantgrid.apis.cmdb.invalid import VALIDATION
from tenantgrid.apis.cmdb.type_definition import validate_type
from tenantgrid.errors import ApiError

FIELDS = [
    {"type": "text", "name": "hostname", "label": "Hostname", "required": True, "regex": "[a-z0-9.-]+"},
    {"type": "number", "name": "cpus", "label": "CPUs"},
    {"type": "select", "name": "env", "options": [{"name": "prod", "label": "Prod"}]},
    {"type": "ref", "name": "rack", "ref_types": [3]},
]


def body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "server",
        "label": "Server",
        "fields": FIELDS,
        "render_meta": {
            "icon": "fas fa-server",
            "sections": [
                {"type": "section", "name": "main", "label": "Main", "fields": ["hostname", "cpus"]}
            ],
            "externals": [{"name": "dns", "href": "https://dns/{}/{}", "fields": ["hostname", "object_id"]}],
            "summary": {"fields": ["hostname"]},
        },
        **changes,
    }


def refused(doc: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        validate_type(doc)
    assert caught.value.status == 400
    assert caught.value.code == VALIDATION
    return caught.value


def test_a_valid_type_becomes_its_columns() -> None:
    columns = validate_type(body(author_id=1, description="Servers"))
    assert columns["name"] == "server"
    assert columns["label"] == "Server"
    assert columns["active"] is True
    assert columns["author_id"] == 1
    assert columns["fields"] == FIELDS
    assert columns["render_meta"]["summary"] == {"fields": ["hostname"]}
    assert columns["acl"] is None
    assert columns["extra"] == {}


def test_what_the_python_client_sends_is_accepted_and_the_stored_only_keys_kept() -> None:
    sent = body(
        version="1.0.0",
        status=None,
        active=True,
        clean_db=True,
        access={"groups": "", "users": ""},
        author_id=1,
        category_id=None,
        acl={"activated": False, "groups": {"includes": {}}},
        description="x",
    )
    columns = validate_type(sent)
    assert columns["extra"] == {
        "access": {"groups": "", "users": ""},
        "category_id": None,
        "clean_db": True,
        "status": None,
    }
    assert columns["acl"] == {"activated": False, "groups": {"includes": {}}}


def test_label_defaults_to_the_name() -> None:
    assert validate_type({"name": "rack"})["label"] == "rack"


@pytest.mark.parametrize("name", ["Server", "my_type", "-a", "a--b", "a-", "", "ü", "a b", 5, None])
def test_names_must_be_kebab_case(name: Any) -> None:
    assert refused(body(name=name)).details == "name"


def test_name_is_required() -> None:
    doc = body()
    del doc["name"]
    assert refused(doc).details == "name"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("label", 5),
        ("description", []),
        ("active", "yes"),
        ("author_id", "1"),
        ("author_id", True),
        ("fields", {}),
        ("render_meta", []),
        ("acl", "on"),
    ],
)
def test_a_wrong_type_on_a_used_key_names_it(key: str, value: Any) -> None:
    assert refused(body(**{key: value})).details == key


def test_unknown_field_types_are_refused() -> None:
    error = refused(body(fields=[{"type": "colour", "name": "c"}]))
    assert "colour" in error.message and error.details == "c"


@pytest.mark.parametrize(
    "kind",
    ["text", "password", "textarea", "number", "date", "checkbox", "radio", "select", "ref", "location"],
)
def test_every_field_type_is_known(kind: str) -> None:
    assert validate_type({"name": "t", "fields": [{"type": kind, "name": "f"}]})["fields"][0]["type"] == kind


def test_field_names_are_unique() -> None:
    error = refused(body(fields=[{"type": "text", "name": "a"}, {"type": "number", "name": "a"}]))
    assert error.details == "a"


@pytest.mark.parametrize(
    "field",
    [
        {"type": "text", "name": ""},
        {"type": "text"},
        {"type": "text", "name": "a", "required": "yes"},
        {"type": "text", "name": "a", "regex": 5},
        {"type": "text", "name": "a", "regex": "a\x00"},
        {"type": "select", "name": "a", "options": ["x"]},
        {"type": "ref", "name": "a", "ref_types": ["1"]},
        "text",
    ],
)
def test_bad_field_definitions_are_refused(field: Any) -> None:
    refused({"name": "t", "fields": [field]})


@pytest.mark.parametrize(
    "render_meta",
    [
        {"sections": [{"type": "section", "name": "s", "fields": ["nope"]}]},
        {"summary": {"fields": ["nope"]}},
        {"externals": [{"name": "e", "href": "x/{}", "fields": ["nope"]}]},
        {"externals": [{"name": "e"}]},
        {"sections": "all"},
        {"icon": 3},
    ],
)
def test_render_meta_must_name_existing_fields(render_meta: dict[str, Any]) -> None:
    assert refused(body(render_meta=render_meta)).details.startswith("render_meta")


def test_render_meta_gets_its_defaults() -> None:
    assert validate_type({"name": "t"})["render_meta"] == {
        "icon": "",
        "sections": [],
        "externals": [],
        "summary": {"fields": []},
    }


@pytest.mark.parametrize(
    "acl",
    [
        {"activated": "no"},
        {"groups": {"includes": []}},
        {"groups": {"includes": {"admin": ["READ"]}}},
        {"groups": {"includes": {"1": ["READ", "FLY"]}}},
    ],
)
def test_acl_shape(acl: dict[str, Any]) -> None:
    assert refused(body(acl=acl)).details.startswith("acl")


def test_a_valid_acl_is_kept() -> None:
    acl = {"activated": True, "groups": {"includes": {"2": ["READ", "UPDATE"]}}}
    assert validate_type(body(acl=acl))["acl"] == acl
