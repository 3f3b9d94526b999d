"""A row form: what each column's input shows, and what a submitted value becomes.

Each column has a kind, from its catalog type, and each kind one parser from the form's text to
the JSON value the write sends (Postgres then casts it to the column, as the PostgREST write path
does). A value that does not parse is a message at its field, before any SQL runs. An empty input
means NULL; on a new row it means the column's default, where it has one.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from tenantgrid.admin.tables.resources import settable
from tenantgrid.catalog.model import Column, Resource
from tenantgrid.http.integers import is_ascii_integer


class Kind(Enum):
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    UUID = "uuid"
    DATE = "date"
    TIME = "time"
    TIMESTAMP = "timestamp"
    JSON = "json"
    ARRAY = "array"
    ENUM = "enum"
    TEXT = "text"
    OTHER = "other"
    """Ranges, intervals, network types...: the text goes to Postgres, which parses it."""


class Invalid(ValueError):
    """The message shown at the field."""


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a row form."""

    column: Column
    kind: Kind
    value: str
    """What the input shows: the row's value as text, or what was submitted."""
    settable: bool
    required: bool
    choices: tuple[str, ...] = ()
    hint: str = ""

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def multiline(self) -> bool:
        return self.kind in (Kind.JSON, Kind.ARRAY) or "\n" in self.value or len(self.value) > 120


def kind_of(type_: sa.types.TypeEngine[Any]) -> Kind:
    if isinstance(type_, sa.Boolean):
        return Kind.BOOLEAN
    if isinstance(type_, sa.Integer):
        return Kind.INTEGER
    if isinstance(type_, sa.Numeric | sa.Float):  # REAL and DOUBLE PRECISION are Floats
        return Kind.NUMBER
    if isinstance(type_, sa.Uuid | pg.UUID):
        return Kind.UUID
    if isinstance(type_, sa.DateTime):
        return Kind.TIMESTAMP
    if isinstance(type_, sa.Date):
        return Kind.DATE
    if isinstance(type_, sa.Time):
        return Kind.TIME
    if isinstance(type_, sa.JSON):
        return Kind.JSON
    if isinstance(type_, sa.ARRAY):
        return Kind.ARRAY
    if isinstance(type_, sa.Enum):
        return Kind.ENUM
    if isinstance(type_, sa.String):
        return Kind.TEXT
    return Kind.OTHER


_INTEGER_BITS = ((sa.BigInteger, 64), (sa.SmallInteger, 16))
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
"""ASCII only: Python's Decimal also reads `1_000` and non-ASCII digits, which Postgres refuses."""
_TRUE = frozenset({"true", "t", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "off", "0"})
HINTS = {
    Kind.TIMESTAMP: "ISO 8601, e.g. 2024-01-31T12:00:00+00:00",
    Kind.DATE: "YYYY-MM-DD",
    Kind.TIME: "HH:MM[:SS]",
    Kind.JSON: "JSON",
    Kind.ARRAY: 'a JSON array, e.g. ["a", "b"]',
    Kind.UUID: "a UUID",
}


def _integer(text: str, type_: sa.types.TypeEngine[Any]) -> int:
    bits = next((b for t, b in _INTEGER_BITS if isinstance(type_, t)), 32)
    if not is_ascii_integer(text, signed=True) or len(text) > 25:
        raise Invalid("Enter a whole number.")
    number = int(text)
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise Invalid(f"Out of range for this column ({bits}-bit integer).")
    return number


def _number(text: str, type_: sa.types.TypeEngine[Any]) -> str:
    """Kept as text, so no digit is lost on the way to a numeric column."""
    if len(text) > 1000 or not _NUMBER.fullmatch(text):
        raise Invalid("Enter a number, e.g. 12.5 or -3e4.")
    return text


def _boolean(text: str, type_: sa.types.TypeEngine[Any]) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise Invalid("Choose true or false.")


def _uuid(text: str, type_: sa.types.TypeEngine[Any]) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise Invalid("Enter a UUID, e.g. 123e4567-e89b-12d3-a456-426614174000.") from None


def _parsed(parse: Callable[[str], Any], message: str) -> Callable[[str, Any], str]:
    def parser(text: str, type_: sa.types.TypeEngine[Any]) -> str:
        try:
            return str(parse(text).isoformat())
        except ValueError:
            raise Invalid(message) from None

    return parser


def _json(text: str, type_: sa.types.TypeEngine[Any]) -> Any:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"Enter valid JSON ({exc.args[0] if exc.args else exc}).") from None
    if "\\u0000" in text:
        raise Invalid("JSON text may not contain \\u0000.")
    return value


def _array(text: str, type_: sa.types.TypeEngine[Any]) -> list[Any]:
    items = _json(text, type_)
    if not isinstance(items, list):
        raise Invalid('Enter a JSON array, e.g. ["a", "b"].')
    item_type = type_.item_type if isinstance(type_, sa.ARRAY) else sa.Text()
    kind = kind_of(item_type)
    parse = PARSERS.get(kind, _text) if kind not in (Kind.ARRAY, Kind.JSON) else None
    out: list[Any] = []
    for position, item in enumerate(items, start=1):
        if item is None or parse is None:
            out.append(item)
            continue
        if isinstance(item, list | dict):
            raise Invalid(f"Item {position}: expecting a single value, not {type(item).__name__}.")
        try:
            out.append(parse(_item_text(item), item_type))
        except Invalid as invalid:
            raise Invalid(f"Item {position}: {invalid}") from None
    return out


def _item_text(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)


def _enum(text: str, type_: sa.types.TypeEngine[Any]) -> str:
    choices = tuple(getattr(type_, "enums", ()))
    if choices and text not in choices:
        raise Invalid("Choose one of: " + ", ".join(choices) + ".")
    return text


def _text(text: str, type_: sa.types.TypeEngine[Any]) -> str:
    length = getattr(type_, "length", None)
    if length is not None and len(text) > length:
        raise Invalid(f"At most {length} characters.")
    return text


PARSERS: dict[Kind, Callable[[str, Any], Any]] = {
    Kind.INTEGER: _integer,
    Kind.NUMBER: _number,
    Kind.BOOLEAN: _boolean,
    Kind.UUID: _uuid,
    Kind.DATE: _parsed(dt.date.fromisoformat, "Enter a date as YYYY-MM-DD."),
    Kind.TIME: _parsed(dt.time.fromisoformat, "Enter a time as HH:MM or HH:MM:SS."),
    Kind.TIMESTAMP: _parsed(dt.datetime.fromisoformat, "Enter a date and time, e.g. 2024-01-31T12:00:00Z."),
    Kind.JSON: _json,
    Kind.ARRAY: _array,
    Kind.ENUM: _enum,
    Kind.TEXT: _text,
    Kind.OTHER: _text,
}
_STRIPPED = frozenset(PARSERS) - {Kind.TEXT, Kind.OTHER, Kind.ENUM}
"""Kinds whose surrounding blanks mean nothing; text keeps what was typed."""


def parse_value(column: Column, text: str) -> Any:
    """One non-empty input as the column's JSON value; raises Invalid with the field's message."""
    if "\x00" in text:
        raise Invalid("Text may not contain NUL characters.")
    kind = kind_of(column.type)
    return PARSERS[kind](text.strip() if kind in _STRIPPED else text, column.type)


def parse_form(
    resource: Resource,
    form: Mapping[str, str],
    *,
    creating: bool,
    shown: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted values of the settable columns, and the message for each field in error.

    A column missing from the submission is left alone (its default on a new row), and so is one
    whose text is what the edit form showed (`shown`): saving a form changes only what was changed,
    so an untouched '' stays '' (not NULL) and an untouched timestamp is not rewritten. An empty
    input is NULL, or the default on a new row when the column has one; for a NOT NULL column
    without one it is an error. Browsers send a textarea's line breaks as CRLF: read as LF.
    """
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for column in resource.columns.values():
        if not settable(resource, column, creating=creating):
            continue
        text = form.get(column.name)
        if text is None:
            continue
        text = text.replace("\r\n", "\n")
        if shown is not None and shown.get(column.name) == text:
            continue
        blank = text == "" or (kind_of(column.type) in _STRIPPED and not text.strip())
        if blank:
            if creating and column.has_default:
                continue
            if not column.nullable:
                problems[column.name] = "This field is required."
                continue
            values[column.name] = None
            continue
        try:
            values[column.name] = parse_value(column, text)
        except Invalid as invalid:
            problems[column.name] = str(invalid)
    return values, problems


def shown_text(resource: Resource, row: Mapping[str, Any]) -> dict[str, str]:
    """Each column's text as the edit form shows it for this row."""
    return {c.name: _editable_text(kind_of(c.type), row.get(c.name)) for c in resource.columns.values()}


def display(value: Any) -> str:
    """A value as the form (and the listing) shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def fields(
    resource: Resource,
    row: Mapping[str, Any] | None,
    *,
    creating: bool,
    submitted: Mapping[str, str] | None = None,
) -> list[Field]:
    """The form's inputs: the submitted text where there is some (a form shown again with its
    errors keeps what was typed), else the row's value, else empty."""
    out = []
    for column in resource.columns.values():
        kind = kind_of(column.type)
        if submitted is not None and column.name in submitted:
            value = submitted[column.name]
        elif row is not None:
            value = _editable_text(kind, row.get(column.name))
        else:
            value = ""
        choices: tuple[str, ...] = ()
        if kind is Kind.BOOLEAN:
            choices = ("true", "false")
        elif kind is Kind.ENUM:
            choices = tuple(getattr(column.type, "enums", ()))
        can_set = settable(resource, column, creating=creating)
        out.append(
            Field(
                column=column,
                kind=kind,
                value=value,
                settable=can_set,
                required=can_set and not column.nullable and not (creating and column.has_default),
                choices=choices,
                hint=HINTS.get(kind, ""),
            )
        )
    return out


def _editable_text(kind: Kind, value: Any) -> str:
    if kind is Kind.JSON and value is not None:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    return display(value)
