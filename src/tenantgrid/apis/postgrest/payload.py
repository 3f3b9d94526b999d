"""A write's JSON body: read within the size limit, parsed, aliases applied, keys checked."""

from __future__ import annotations

from typing import Any

import orjson

from tenantgrid import errors
from tenantgrid.catalog.model import Resource

Row = dict[str, Any]


def parse_rows(raw: bytes, resource: Resource, *, many: bool) -> list[Row]:
    """The body as a list of objects with write aliases resolved (`value` -> `entered_value`)."""
    try:
        data = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError as exc:
        raise errors.body_error("Empty or invalid json", str(exc)) from None
    if isinstance(data, dict):
        rows = [data]
    elif isinstance(data, list) and many:
        rows = data
    else:
        kind = "an array" if isinstance(data, list) else "empty" if data is None else type(data).__name__
        raise errors.body_error(
            "Empty or invalid json", f"expected a JSON object{' or array' if many else ''}, got {kind}"
        )
    for row in rows:
        if not isinstance(row, dict):
            raise errors.body_error(
                "All object keys must match", "every element of the array must be an object"
            )
    return [_resolve_aliases(row, resource) for row in rows]


def _resolve_aliases(row: Row, resource: Resource) -> Row:
    if not resource.write_aliases:
        return row
    for alias, column in resource.write_aliases.items():
        if alias in row and alias not in resource.columns:
            if column in row:
                raise errors.body_error(
                    f"Both '{alias}' and '{column}' were given", f"'{alias}' is another name for '{column}'"
                )
            row = {(column if k == alias else k): v for k, v in row.items()}
    return row


def check_columns(names: list[str] | tuple[str, ...], resource: Resource) -> tuple[str, ...]:
    for name in names:
        if name not in resource.columns:
            raise errors.write_column_not_found(resource.name, name)
    return tuple(names)


def column_list(names: tuple[str, ...], resource: Resource) -> tuple[str, ...]:
    """A `columns=`/`on_conflict=` list: write aliases resolved (`value` -> `entered_value`, as the
    Supabase clients list a body's keys), every name checked, duplicates refused."""
    resolved: list[str] = []
    for name in names:
        column = resource.write_aliases.get(name, name) if name not in resource.columns else name
        if column in resolved:
            raise errors.body_error(
                f"Column '{column}' is listed more than once",
                f"'{name}' names a column already listed" if column != name else None,
            )
        resolved.append(column)
    return check_columns(resolved, resource)


def uniform_keys(rows: list[Row]) -> tuple[str, ...]:
    first = list(rows[0])
    keys = set(first)
    for row in rows[1:]:
        if set(row) != keys:
            raise errors.body_error("All object keys must match")
    return tuple(first)


def dumps(rows: list[Row]) -> str:
    return orjson.dumps(rows).decode()
