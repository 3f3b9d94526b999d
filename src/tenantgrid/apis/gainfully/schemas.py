"""JSON schemas of Gainfully's objects, bodies, pages and errors, and its query parameters, for
`/openapi.json`; made from the same `models.py` the routes and the dialect use."""

from __future__ import annotations

from typing import Any

from tenantgrid.apis.gainfully.models import RESOURCES, Kind, Resource, Writable
from tenantgrid.query.dialects.django import (
    DEFAULT_LIMIT,
    FILTER_PREFIX,
    LOOKUPS,
    MAX_LIMIT,
    SEPARATOR,
    Field,
    FieldType,
)

Schema = dict[str, Any]
ERROR = "GainfullyError"
LIST_DESCRIPTION = f"""Always paginated (limit/offset): `{{count, next, previous, results}}`, with
absolute `next`/`previous` links. `limit` defaults to {DEFAULT_LIMIT} and is capped at {MAX_LIMIT}; a
`limit` that is not a positive integer is the default, an `offset` that is not a non-negative integer
is 0. `ordering=name,-created_at` (unknown terms are ignored). Filters: `filter__<field>` (exact) and
`filter__<field>__<lookup>`; an unknown field or lookup, or a value that is not of the field's type,
is a 400 naming the parameter. `fields=a,b` shows only those attributes, `omit=a` leaves some out."""


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _title(resource: Resource) -> str:
    return "Gainfully" + resource.label.title().replace(" ", "")


def object_name(resource: Resource) -> str:
    return _title(resource)


def write_name(resource: Resource) -> str:
    return _title(resource) + "Create"


def update_name(resource: Resource) -> str:
    return _title(resource) + "Update"


def page_name(resource: Resource) -> str:
    return _title(resource) + "Page"


def _field_schema(field: Field, description: str) -> Schema:
    schema: Schema
    match field.type:
        case FieldType.INTEGER:
            schema = {"type": "integer", "format": "int64"}
        case FieldType.SMALLINT:
            schema = {"type": "integer", "minimum": 0, "maximum": 32767}
        case FieldType.TIMESTAMP:
            schema = {"type": "integer", "format": "int64"}
        case FieldType.TEXT:
            schema = {"type": "string"}
        case FieldType.IDS:
            schema = {"type": "array", "items": {"type": "integer", "format": "int64"}}
    if field.nullable:
        schema["nullable"] = True
    return {**schema, "description": description}


def _write_schema(field: Writable, description: str) -> Schema:
    schema: Schema
    match field.kind:
        case Kind.TEXT | Kind.EMAIL | Kind.URL:
            schema = {"type": "string"}
            if field.max_length is not None:
                schema["maxLength"] = field.max_length
            if not field.allow_blank:
                schema["minLength"] = 1
            if field.kind is Kind.EMAIL:
                schema["format"] = "email"
            if field.kind is Kind.URL:
                schema["format"] = "uri"
        case Kind.INTEGER | Kind.TIMESTAMP | Kind.RELATED:
            schema = {"type": "integer", "format": "int64"}
            if field.min_value is not None:
                schema["minimum"] = field.min_value
            if field.max_value is not None:
                schema["maximum"] = field.max_value
        case Kind.RELATED_MANY:
            schema = {"type": "array", "items": {"type": "integer", "format": "int64"}, "maxItems": 1000}
    if field.nullable:
        schema["nullable"] = True
    return {**schema, "description": description}


def _components(resource: Resource) -> dict[str, Schema]:
    text = resource.descriptions
    writes = {w.name: _write_schema(w, text.get(w.name, w.name)) for w in resource.writable}
    return {
        object_name(resource): {
            "type": "object",
            "description": f"A {resource.label}; `fields`/`omit` may leave attributes out.",
            "properties": {f.name: _field_schema(f, text.get(f.name, f.name)) for f in resource.model.fields},
        },
        write_name(resource): {
            "type": "object",
            "description": "Other keys (`id`, `created_at`, unknown ones) are ignored.",
            "properties": writes,
            "required": [w.name for w in resource.writable if w.required],
        },
        update_name(resource): {
            "type": "object",
            "description": "Only the keys sent change; other keys are ignored.",
            "properties": writes,
        },
        page_name(resource): {
            "type": "object",
            "properties": {
                "count": {"type": "integer", "description": "How many objects match, over all pages"},
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": {"type": "array", "items": ref(object_name(resource))},
            },
            "required": ["count", "next", "previous", "results"],
        },
    }


COMPONENTS: dict[str, Schema] = {
    ERROR: {
        "type": "object",
        "properties": {
            "field": {
                "type": "string",
                "nullable": True,
                "description": "The body key or query parameter to blame; null when none is",
            },
            "error_code": {"type": "string", "description": "required, invalid, not_found, throttled, ..."},
            "detail": {"type": "string"},
        },
        "required": ["field", "error_code", "detail"],
    },
}
for _resource in RESOURCES:
    COMPONENTS.update(_components(_resource))


# -- query parameters ------------------------------------------------------------------------------

_LOOKUP_TEXT = {
    "exact": "equal to",
    "iexact": "equal to, ignoring case",
    "contains": "contains (case-sensitive)",
    "icontains": "contains, ignoring case",
    "startswith": "starts with",
    "istartswith": "starts with, ignoring case",
    "endswith": "ends with",
    "iendswith": "ends with, ignoring case",
    "gt": "greater than",
    "gte": "greater than or equal to",
    "lt": "less than",
    "lte": "less than or equal to",
    "in": "one of a comma-separated list",
    "range": "between two comma-separated values, inclusive",
    "isnull": "is null (true/false/1/0)",
}


def _filter_schema(field: Field, lookup: str) -> Schema:
    if lookup == "isnull":
        return {"type": "string", "enum": ["true", "false", "1", "0"]}
    if lookup in ("in", "range") or field.type is FieldType.TEXT:
        return {"type": "string"}
    return {"type": "integer", "format": "int64"}


def filter_parameters(resource: Resource) -> tuple[str, ...]:
    names: list[str] = []
    for field in resource.model.fields:
        for lookup in LOOKUPS[field.type]:
            names.append(_filter_name(field, lookup))
    return tuple(names)


def _filter_name(field: Field, lookup: str) -> str:
    return FILTER_PREFIX + field.name + ("" if lookup == "exact" else SEPARATOR + lookup)


QUERY_PARAMETERS: dict[str, tuple[Schema, str]] = {
    "limit": (
        {"type": "integer", "minimum": 1},
        f"How many objects per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})",
    ),
    "offset": ({"type": "integer", "minimum": 0}, "How many objects to skip (default 0)"),
    "ordering": ({"type": "string"}, "Comma-separated fields, `-` before one for descending"),
    "fields": ({"type": "string"}, "Comma-separated attributes to show (sparse fieldset)"),
    "omit": ({"type": "string"}, "Comma-separated attributes to leave out"),
}
for _resource in RESOURCES:
    for _field in _resource.model.fields:
        for _lookup in LOOKUPS[_field.type]:
            QUERY_PARAMETERS[_filter_name(_field, _lookup)] = (
                _filter_schema(_field, _lookup),
                f"{_field.name} {_LOOKUP_TEXT[_lookup]}",
            )
