"""Object field values against their type: each field type, required, regex, refs."""

from __future__ import annotations

from typing import Any

import pytest

from tenantgrid.apis.cmdb.field_patterns import PatternCheck
from tenantgrid.apis.cmdb.field_values import (
    RefCheck,
    check_refs,
    check_required,
    check_values,
    merge_fields,
    parse_fields,
    pattern_checks,
    referenced_ids,
)
from tenantgrid.errors import ApiError

TYPE_FIELDS: list[dict[str, Any]] = [
    {"type": "text", "name": "hostname", "required": True, "regex": "[a-z0-9.-]+"},
    {"type": "password", "name": "secret"},
    {"type": "textarea", "name": "notes"},
    {"type": "number", "name": "cpus"},
    {"type": "date", "name": "bought"},
    {"type": "checkbox", "name": "virtual"},
    {"type": "select", "name": "env", "options": [{"name": "prod"}, {"name": "test"}]},
    {"type": "radio", "name": "tier", "options": [{"name": "gold"}]},
    {"type": "ref", "name": "rack", "ref_types": [3]},
    {"type": "ref", "name": "anything"},
    {"type": "location", "name": "where"},
]


def refused(fields: list[dict[str, Any]]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        check_values(TYPE_FIELDS, fields)
    assert caught.value.status == 400
    return caught.value


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hostname", "web-1.example"),
        ("secret", "x"),
        ("notes", "two\nlines"),
        ("cpus", 4),
        ("cpus", 2.5),
        ("bought", {"$date": 1577836800000}),
        ("bought", "2020-01-01"),
        ("bought", "2020-01-01T10:00:00.000Z"),
        ("virtual", False),
        ("env", "prod"),
        ("tier", "gold"),
        ("where", {"lat": 1, "lng": 2}),
        ("cpus", None),
        ("env", ""),
    ],
)
def test_valid_values_pass(name: str, value: Any) -> None:
    assert check_values(TYPE_FIELDS, [{"name": name, "value": value}]) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hostname", 5),
        ("cpus", "4"),
        ("cpus", True),
        ("bought", "yesterday"),
        ("bought", {"$date": "0"}),
        ("bought", 5),
        ("virtual", "true"),
        ("virtual", 1),
        ("env", "staging"),
        ("tier", "silver"),
        ("rack", "7"),
        ("rack", True),
        ("rack", -1),
    ],
)
def test_invalid_values_name_the_field(name: str, value: Any) -> None:
    error = refused([{"name": name, "value": value}])
    assert error.details == name
    assert name in error.message


def test_a_field_the_type_does_not_have_is_refused() -> None:
    assert refused([{"name": "colour", "value": "red"}]).details == "colour"


def test_refs_are_returned_for_one_lookup() -> None:
    checks = check_values(TYPE_FIELDS, [{"name": "rack", "value": 7}, {"name": "anything", "value": 9}])
    assert checks == [RefCheck("rack", 7, (3,)), RefCheck("anything", 9, ())]
    assert referenced_ids(checks) == [7, 9]
    check_refs(checks, {7: 3, 9: 12})


def test_a_ref_to_a_missing_object_is_refused() -> None:
    with pytest.raises(ApiError) as caught:
        check_refs([RefCheck("rack", 7, (3,))], {})
    assert caught.value.status == 400 and caught.value.details == "rack"


def test_a_ref_to_an_object_of_another_type_is_refused() -> None:
    with pytest.raises(ApiError) as caught:
        check_refs([RefCheck("rack", 7, (3,))], {7: 4})
    assert caught.value.details == "rack" and "allowed types" in caught.value.message


@pytest.mark.parametrize("value", [None, "", []])
def test_required_fields_need_a_value(value: Any) -> None:
    with pytest.raises(ApiError) as caught:
        check_required(TYPE_FIELDS, [{"name": "hostname", "value": value}])
    assert caught.value.details == "hostname"
    with pytest.raises(ApiError):
        check_required(TYPE_FIELDS, [])
    check_required(TYPE_FIELDS, [{"name": "hostname", "value": "a"}])


@pytest.mark.parametrize(
    "raw", [{}, "x", [{"value": 1}], [{"name": "", "value": 1}], [5], [{"name": "a"}, {"name": "a"}]]
)
def test_the_shape_of_fields(raw: Any) -> None:
    with pytest.raises(ApiError) as caught:
        parse_fields(raw)
    assert caught.value.status == 400


def test_parse_fields_keeps_name_and_value_only() -> None:
    assert parse_fields([{"name": "a", "value": 1, "junk": 2}, {"name": "b"}]) == [
        {"name": "a", "value": 1},
        {"name": "b", "value": None},
    ]


def test_merge_replaces_by_name_and_appends_new_ones() -> None:
    stored = [{"name": "a", "value": 1}, {"name": "b", "value": 2}]
    assert merge_fields(stored, [{"name": "b", "value": 3}, {"name": "c", "value": 4}]) == [
        {"name": "a", "value": 1},
        {"name": "b", "value": 3},
        {"name": "c", "value": 4},
    ]


def test_patterns_are_left_to_the_database() -> None:
    """`regex` is never run by Python's `re`: the values to check come back as PatternChecks."""
    fields = [{"name": "hostname", "value": "Web 1"}, {"name": "notes", "value": "x"}]
    assert check_values(TYPE_FIELDS, fields) == []
    assert pattern_checks(TYPE_FIELDS, fields) == [PatternCheck("hostname", "Web 1", "[a-z0-9.-]+")]
    assert pattern_checks(TYPE_FIELDS, [{"name": "hostname", "value": ""}]) == []
