"""Rows as Postgres's JSON gives them -> the framework's API documents."""

from __future__ import annotations

from tenantgrid.apis.cmdb.framework_documents import category_document, object_document, type_document


def test_a_type_shows_its_stored_only_keys_beside_its_columns_and_dates_as_mongo_dates() -> None:
    row = {
        "public_id": 3,
        "name": "server",
        "version": "1.0.0",
        "creation_time": "2024-01-02T03:04:05.678+00:00",
        "last_edit_time": None,
        "extra": {"clean_db": True, "name": "never-over-a-column"},
    }
    assert type_document(row) == {
        "public_id": 3,
        "name": "server",
        "version": "1.0.0",
        "creation_time": {"$date": 1704164645678},
        "last_edit_time": None,
        "clean_db": True,
    }


def test_documents_already_converted_pass_unchanged() -> None:
    doc = {"public_id": 1, "creation_time": {"$date": 5}, "fields": []}
    assert object_document(doc) == doc


def test_a_category_gets_its_defaults() -> None:
    assert category_document({"public_id": 1, "name": "a", "types": None}) == {
        "public_id": 1,
        "name": "a",
        "label": None,
        "meta": {"icon": "", "order": None},
        "parent": None,
        "types": [],
    }
