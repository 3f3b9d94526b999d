"""JSON schemas of Gridly's documents, for `/openapi.json` (under `components/schemas`, named `Gridly*`)."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array_of(name: str) -> Schema:
    return {"type": "array", "items": ref(name)}


_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
ANY: Schema = {"description": "any JSON value, by the column's type"}

ERROR = "GridlyError"
COLUMN = "GridlyColumn"
CELL = "GridlyCell"
RECORD = "GridlyRecord"
RECORD_WRITE = "GridlyRecordWrite"
RECORD_DELETE = "GridlyRecordDelete"
VIEW = "GridlyView"
DEPENDENCY = "GridlyDependency"
DEPENDENCY_WRITE = "GridlyDependencyWrite"
IDS = "GridlyIds"

COMPONENTS: dict[str, Schema] = {
    ERROR: {
        "type": "object",
        "properties": {
            "message": _STR,
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"code": _STR, "field": _STR, "message": _STR, "resource": _STR},
                },
            },
        },
    },
    COLUMN: {
        "type": "object",
        "properties": {
            "id": _STR,
            "name": _STR,
            "type": {
                "type": "string",
                "description": "singleLine multipleLines richText markdown number boolean datetime "
                "singleSelection multipleSelections files reference language json yaml html lookup formula user",
            },
            "description": _STR,
            "editable": _BOOL,
            "isSource": _BOOL,
            "isTarget": _BOOL,
            "languageCode": _STR,
            "localizationType": _STR,
            "dependsOn": _STR,
            "selectionOptions": {"type": "array", "items": _STR},
            "numberFormat": {"type": "object"},
            "dateTimeFormat": {"type": "object"},
            "reference": {"type": "object"},
        },
    },
    CELL: {
        "type": "object",
        "required": ["columnId"],
        "properties": {
            "columnId": _STR,
            "value": ANY,
            "dependencyStatus": {"type": "string", "enum": ["upToDate", "outOfDate", "unset"]},
            "sourceStatus": _STR,
        },
    },
    RECORD: {
        "type": "object",
        "properties": {
            "id": _STR,
            "path": _STR,
            "cells": array_of(CELL),
            "lastModifiedTime": _STR,
            "lastModifiedBy": _STR,
        },
    },
    RECORD_WRITE: {
        "type": "object",
        "description": "POST: id optional (generated when left out); PATCH: id required. "
        "Cells left out are empty on POST and unchanged on PATCH.",
        "properties": {"id": _STR, "path": _STR, "cells": array_of(CELL)},
    },
    RECORD_DELETE: {
        "type": "object",
        "properties": {
            "ids": {"type": "array", "items": _STR},
            "identifiers": {
                "type": "array",
                "items": {"type": "object", "properties": {"id": _STR, "path": _STR}},
            },
        },
    },
    VIEW: {
        "type": "object",
        "properties": {
            "id": _STR,
            "name": _STR,
            "gridId": _STR,
            "isDefault": _BOOL,
            "columns": array_of(COLUMN),
            "records": array_of(RECORD),
        },
    },
    DEPENDENCY: {
        "type": "object",
        "properties": {"id": _STR, "sourceColumnId": _STR, "targetColumnId": _STR},
    },
    DEPENDENCY_WRITE: {
        "type": "object",
        "required": ["sourceColumnId", "targetColumnId"],
        "properties": {"sourceColumnId": _STR, "targetColumnId": _STR},
    },
    IDS: {"type": "object", "properties": {"ids": {"type": "array", "items": _STR}}},
}
