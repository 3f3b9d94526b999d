"""Unclean objects: field names that differ from the type's, and the cleaned field list."""

from __future__ import annotations

from tenantgrid.apis.cmdb.clean import cleaned_fields, unclean

TYPE_FIELDS = [
    {"type": "text", "name": "a"},
    {"type": "number", "name": "b", "default": 5},
    {"type": "text", "name": "c", "value": "v"},
    {"type": "text", "name": "d"},
]


def test_objects_with_missing_or_extra_fields_are_unclean() -> None:
    clean = {"public_id": 1, "fields": [{"name": n, "value": 1} for n in "dcba"]}
    missing = {"public_id": 2, "fields": [{"name": "a", "value": 1}]}
    extra = {"public_id": 3, "fields": [*clean["fields"], {"name": "z", "value": 1}]}
    assert [o["public_id"] for o in unclean(TYPE_FIELDS, [clean, missing, extra])] == [2, 3]


def test_cleaning_drops_extra_fields_and_adds_missing_ones_with_defaults() -> None:
    fields = [{"name": "z", "value": 1}, {"name": "a", "value": "kept"}]
    assert cleaned_fields(TYPE_FIELDS, fields) == [
        {"name": "a", "value": "kept"},
        {"name": "b", "value": 5},
        {"name": "c", "value": "v"},
        {"name": "d", "value": None},
    ]
