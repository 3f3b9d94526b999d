"""Cell values: checked against their column's type on the way in (a 400 naming the column), and
shown on the way out.

Stored cells hold only non-empty values (null, "" and [] are empty: the key is left out), numbers as
JSON numbers, datetimes as `2024-01-02T03:04:05.000Z` (UTC, fixed width: text order is time order),
selections as strings, multiple selections and references as lists of strings. A cell's
`dependencyStatus`/`sourceStatus` live beside it in `cell_status`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tenantgrid.apis.gridly import failures
from tenantgrid.apis.gridly.views_store import Column
from tenantgrid.errors import ApiError
from tenantgrid.query.dialects.gridly import number_value, timestamp_value

EMPTY: Any = object()
"""What `normalise` returns for an empty value: the cell's key is removed."""
TEXT_TYPES = frozenset(
    {"singleLine", "multipleLines", "richText", "markdown", "html", "yaml", "language", "user"}
)
LIST_TYPES = frozenset({"multipleSelections", "reference", "files"})
DEPENDENCY_STATUSES = ("upToDate", "outOfDate", "unset")
STATUS_KEYS = ("dependencyStatus", "sourceStatus")


def _bad(column: Column, expected: str) -> ApiError:
    return failures.bad_request(
        f'Invalid value for column "{column.id}" ({column.type}): expected {expected}.', column.id, "cell"
    )


def normalise(column: Column, value: Any) -> Any:
    """The value as stored, or EMPTY; a 400 naming the column when it does not fit its type."""
    if value is None or value == "" or value == []:
        return EMPTY
    kind = column.type
    if kind in TEXT_TYPES:
        if not isinstance(value, str):
            raise _bad(column, "text")
        return value
    if kind == "number":
        try:
            return number_value(value, column.id, "cells")
        except ApiError:
            raise _bad(column, "a number") from None
    if kind == "datetime":
        try:
            return timestamp_value(value, column.id, "cells")
        except ApiError:
            raise _bad(column, "an ISO 8601 date-time") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise _bad(column, "true or false")
    if kind == "singleSelection":
        if not isinstance(value, str):
            raise _bad(column, "one of the column's options")
        _check_options(column, [value])
        return value
    if kind in ("multipleSelections", "reference"):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise _bad(column, "a list of strings")
        if kind == "multipleSelections":
            _check_options(column, items)
        return list(dict.fromkeys(items))
    if kind == "files":
        if not isinstance(value, list):
            raise _bad(column, "a list of files")
        return value
    return value  # json, lookup, formula: any JSON


def _check_options(column: Column, values: Iterable[str]) -> None:
    options = column.properties.get("selectionOptions")
    if not options:
        return
    for value in values:
        if value not in options:
            raise _bad(column, "one of " + ", ".join(repr(o) for o in options[:20]))


def empty_value(column: Column) -> Any:
    return [] if column.type in LIST_TYPES else None


def status_of(column: Column, cell: Mapping[str, Any]) -> dict[str, str]:
    """The `dependencyStatus`/`sourceStatus` a written cell carries (400 naming the column if bad)."""
    status: dict[str, str] = {}
    dependency = cell.get("dependencyStatus")
    if dependency is not None:
        if dependency not in DEPENDENCY_STATUSES:
            raise failures.bad_request(
                f'Invalid dependencyStatus for column "{column.id}": one of {", ".join(DEPENDENCY_STATUSES)}.',
                column.id,
                "cell",
            )
        status["dependencyStatus"] = dependency
    source = cell.get("sourceStatus")
    if source is not None:
        if not isinstance(source, str) or len(source) > 100:
            raise failures.bad_request(f'Invalid sourceStatus for column "{column.id}".', column.id, "cell")
        status["sourceStatus"] = source
    return status


def render_record(row: Mapping[str, Any], columns: Sequence[Column]) -> dict[str, Any]:
    """A stored record (`id, path, cells, cell_status, last_modified_time`) as clients read it:
    one cell per shown column, in the columns' order, empty ones included."""
    cells: dict[str, Any] = row.get("cells") or {}
    statuses: dict[str, Any] = row.get("cell_status") or {}
    shown = []
    for column in columns:
        cell: dict[str, Any] = {"columnId": column.id}
        status = statuses.get(column.id)
        if status:
            cell.update({k: status[k] for k in STATUS_KEYS if k in status})
        cell["value"] = cells.get(column.id, empty_value(column))
        shown.append(cell)
    record: dict[str, Any] = {"id": row["id"], "cells": shown, "path": row.get("path") or ""}
    if row.get("last_modified_time") is not None:
        record["lastModifiedTime"] = row["last_modified_time"]
    if row.get("last_modified_by") is not None:
        record["lastModifiedBy"] = row["last_modified_by"]
    return record
