"""Category documents: kebab names, parent and types as ids, meta {icon, order}."""

from __future__ import annotations

from typing import Any

import pytest

from tenantgrid.apis.cmdb.category_definition import validate_category
from tenantgrid.errors import ApiError


def test_a_valid_category() -> None:
    assert validate_category(
        {
            "name": "servers",
            "label": "Servers",
            "meta": {"icon": "x", "order": 0},
            "parent": None,
            "types": [1],
        }
    ) == {
        "name": "servers",
        "label": "Servers",
        "parent": None,
        "types": [1],
        "meta": {"icon": "x", "order": 0},
    }


def test_defaults() -> None:
    assert validate_category({"name": "a"}) == {
        "name": "a",
        "label": "a",
        "parent": None,
        "types": [],
        "meta": {"icon": "", "order": None},
    }


@pytest.mark.parametrize(
    ("doc", "key"),
    [
        ({"name": "Bad Name"}, "name"),
        ({}, "name"),
        ({"name": "a", "parent": "1"}, "parent"),
        ({"name": "a", "types": [1, "2"]}, "types"),
        ({"name": "a", "types": [1, 1]}, "types"),
        ({"name": "a", "types": {}}, "types"),
        ({"name": "a", "meta": []}, "meta"),
        ({"name": "a", "meta": {"order": "1"}}, "meta.order"),
        ({"name": "a", "meta": {"order": True}}, "meta.order"),
        ({"name": "a", "meta": {"icon": 1}}, "meta.icon"),
        ({"name": "a", "label": 1}, "label"),
    ],
)
def test_refusals_name_the_key(doc: dict[str, Any], key: str) -> None:
    with pytest.raises(ApiError) as caught:
        validate_category(doc)
    assert caught.value.status == 400 and caught.value.details == key
