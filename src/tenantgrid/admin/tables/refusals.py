"""What Postgres refused in a panel write, as messages for the row form.

One function per SQLSTATE, each reading the error's structured fields (column, constraint, and
the detail's `Key (a, b)=(...)`), so that a message lands at the field it concerns: NOT NULL,
unique, foreign key, check; what cannot be placed goes to the form. Anything that is not the
client's doing (a 5xx: the server, the connection) is not a refusal: the caller raises it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import sqlalchemy as sa

from tenantgrid import errors
from tenantgrid.admin.tables.forms import Kind, kind_of
from tenantgrid.catalog.model import Resource

_KEY_COLUMNS = re.compile(r"^Key \((?P<columns>[^)]*)\)=")
_REFERENCED_FROM = re.compile(r'is still referenced from table "(?P<table>[^"]+)"')
_PRESENT_IN = re.compile(r'is not present in table "(?P<table>[^"]+)"')
_DATA_STATES = frozenset({"23000", "23P01", "428C9", "42804"})
"""Besides class 22 (data exceptions): other integrity errors, a generated column written, a
value of the wrong type."""


@dataclass
class Refused(Exception):
    """Messages per field, and one for the form."""

    fields: dict[str, str] = field(default_factory=dict)
    form: str | None = None


@dataclass(frozen=True, slots=True)
class _Failure:
    resource: Resource
    message: str
    detail: str
    column: str | None
    constraint: str
    values: dict[str, Any]
    deleting: bool


def _not_null(f: _Failure) -> Refused | None:
    return Refused({f.column: "This field is required."}) if f.column in f.resource.columns else None


def _unique(f: _Failure) -> Refused:
    columns = _key_columns(f.resource, f.detail)
    if not columns:  # an index on an expression, e.g. lower(email)
        return Refused(form=f"{f.message}. {f.detail}".strip())
    text = (
        "A row with this value already exists." if len(columns) == 1 else "This combination already exists."
    )
    return Refused({c: text for c in columns})


def _foreign_key(f: _Failure) -> Refused:
    referenced = _REFERENCED_FROM.search(f.detail)
    if f.deleting or referenced:
        where = f" from {referenced['table']}" if referenced else ""
        return Refused(form=f"This row is still referenced{where}; change or delete those rows first.")
    columns = _key_columns(f.resource, f.detail)
    if not columns:
        return Refused(form=f"{f.message}. {f.detail}".strip())
    target = _PRESENT_IN.search(f.detail)
    text = f"No such row in {target['table']}." if target else "No such row in the referenced table."
    return Refused({c: text for c in columns})


def _check(f: _Failure) -> Refused:
    condition, columns = _check_constraint(f.resource, f.constraint)
    text = f"Refused by the check {f.constraint}" + (f": {condition}" if condition else "") + "."
    if len(columns) == 1:
        return Refused({columns[0]: text})
    return Refused({c: "See the message above." for c in columns}, form=text)


def _data(f: _Failure) -> Refused:
    if f.column in f.resource.columns:
        return Refused({f.column: f.message})
    # Values Postgres parses itself (ranges, intervals...): when one such value was sent, it is the one.
    others = [c for c in f.values if kind_of(f.resource.columns[c].type) is Kind.OTHER]
    if len(others) == 1:
        return Refused({others[0]: f.message})
    return Refused(form=f.message)


REFUSALS: dict[str, Callable[[_Failure], Refused | None]] = {
    "23502": _not_null,
    "23505": _unique,
    "23503": _foreign_key,
    "23514": _check,
}


def refusal(
    resource: Resource, exc: asyncpg.PostgresError, values: dict[str, Any], *, deleting: bool = False
) -> Refused | None:
    sqlstate = exc.sqlstate or ""
    message = getattr(exc, "message", None) or str(exc)
    failure = _Failure(
        resource=resource,
        message=message,
        detail=getattr(exc, "detail", None) or "",
        column=getattr(exc, "column_name", None),
        constraint=getattr(exc, "constraint_name", None) or "",
        values=values,
        deleting=deleting,
    )
    handler = REFUSALS.get(sqlstate)
    if handler is None and (sqlstate.startswith("22") or sqlstate in _DATA_STATES):
        handler = _data
    found = handler(failure) if handler is not None else None
    if found is not None:
        return found
    return Refused(form=message) if 400 <= errors.from_postgres(exc).status < 500 else None


def _key_columns(resource: Resource, detail: str) -> list[str]:
    """`Key (a, b)=(1, 2) ...` -> ["a", "b"] when every name is a column of the resource."""
    found = _KEY_COLUMNS.match(detail)
    if not found:
        return []
    names = [n.strip().strip('"') for n in found["columns"].split(",")]
    return names if all(n in resource.columns for n in names) else []


def _check_constraint(resource: Resource, constraint: str) -> tuple[str | None, list[str]]:
    """A check constraint's condition, and the columns it mentions (from the reflected table)."""
    for item in resource.table.constraints:
        if isinstance(item, sa.CheckConstraint) and item.name == constraint:
            text = str(item.sqltext)
            return text, [c for c in resource.columns if re.search(rf"\b{re.escape(c)}\b", text)]
    return None, []
