"""Rows of cmdb_types, cmdb_categories and cmdb_objects (as `row_to_json` gives them) turned into
the documents the API shows: datetimes as `{"$date": ms}`, a type's `extra` keys beside its columns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tenantgrid.apis.cmdb.listing import date_json

TIMES = ("creation_time", "last_edit_time")


def now_date() -> dict[str, int]:
    return date_json(datetime.now(UTC))  # type: ignore[return-value]


def _with_dates(row: Mapping[str, Any]) -> dict[str, Any]:
    doc = dict(row)
    for key in TIMES:
        if key in doc:
            doc[key] = date_json(doc[key]) if not isinstance(doc[key], dict) else doc[key]
    return doc


def type_document(row: Mapping[str, Any]) -> dict[str, Any]:
    doc = _with_dates(row)
    extra = doc.pop("extra", None) or {}
    return {**doc, **{k: v for k, v in extra.items() if k not in doc}}


def category_document(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "public_id": row["public_id"],
        "name": row["name"],
        "label": row.get("label"),
        "meta": row.get("meta") or {"icon": "", "order": None},
        "parent": row.get("parent"),
        "types": list(row.get("types") or []),
    }


def object_document(row: Mapping[str, Any]) -> dict[str, Any]:
    return _with_dates(row)
