"""Object bodies: the keys the server uses are type-checked, the rest accepted and ignored."""

from __future__ import annotations

from typing import Any

import pytest

from tenantgrid.apis.cmdb.object_body import parse_object_body
from tenantgrid.errors import ApiError


def test_what_the_python_client_posts() -> None:
    body = {
        "author_id": 1,
        "version": "0.0.1",
        "type_id": 3,
        "active": True,
        "fields": [{"name": "a", "value": 1}],
        "views": 0,
    }
    assert parse_object_body(body, creating=True) == {
        "type_id": 3,
        "author_id": 1,
        "active": True,
        "fields": [{"name": "a", "value": 1}],
    }


def test_an_update_keeps_only_the_keys_present() -> None:
    assert parse_object_body({"views": 3, "version": "9.9.9"}, creating=False) == {}


@pytest.mark.parametrize("missing", ["type_id", "fields"])
def test_post_needs_type_and_fields(missing: str) -> None:
    body: dict[str, Any] = {"type_id": 1, "fields": []}
    del body[missing]
    with pytest.raises(ApiError) as caught:
        parse_object_body(body, creating=True)
    assert caught.value.details == missing


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("type_id", "1"),
        ("type_id", None),
        ("type_id", 2**63),
        ("public_id", 1.5),
        ("author_id", "x"),
        ("active", None),
        ("active", "true"),
        ("status", 1),
        ("fields", {}),
    ],
)
def test_wrong_types_name_the_key(key: str, value: Any) -> None:
    with pytest.raises(ApiError) as caught:
        parse_object_body({key: value}, creating=False)
    assert caught.value.status == 400 and caught.value.details == key


def test_not_an_object() -> None:
    with pytest.raises(ApiError):
        parse_object_body([1], creating=False)


@pytest.mark.parametrize("public_id", [0, 2**53])
def test_a_chosen_public_id_is_positive_and_exact_in_javascript(public_id: int) -> None:
    with pytest.raises(ApiError) as caught:
        parse_object_body({"type_id": 1, "fields": [], "public_id": public_id}, creating=True)
    assert caught.value.details == "public_id"
    assert parse_object_body({"public_id": public_id}, creating=False) == {"public_id": public_id}
