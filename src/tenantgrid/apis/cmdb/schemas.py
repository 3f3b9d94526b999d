"""JSON schemas of the CMDB's documents and envelopes, for `/openapi.json`.

Route modules name a document's schema in their `Operation`s (`schemas.list_of(schemas.USER)`);
`openapi.py` puts the documents under `components/schemas` and references them.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


DATE: Schema = {
    "type": "object",
    "nullable": True,
    "properties": {"$date": {"type": "integer", "description": "milliseconds since the epoch"}},
}
_INT = {"type": "integer"}
_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_BOOL = {"type": "boolean"}

COMPONENTS: dict[str, Schema] = {
    "CmdbError": {
        "type": "object",
        "properties": {
            "status": _INT,
            "response": _STR,
            "description": _STR,
            "message": {"description": "a text, or {validation_error: {<key>: <message>}}"},
        },
    },
    "CmdbRight": {
        "type": "object",
        "properties": {"level": _INT, "name": _STR, "label": _STR, "description": _STR, "is_master": _BOOL},
    },
    "CmdbUser": {
        "type": "object",
        "description": "A user; the password and its hash are never returned.",
        "properties": {
            "public_id": _INT,
            "user_name": _STR,
            "active": _BOOL,
            "group_id": _INT,
            "registration_time": DATE,
            "authenticator": _STR,
            "email": _NSTR,
            "image": _NSTR,
            "first_name": _NSTR,
            "last_name": _NSTR,
        },
    },
    "CmdbUserWrite": {
        "type": "object",
        "description": "POST needs user_name and password; PUT/PATCH keep the stored value of every key left out. "
        "public_id, registration_time and authenticator are accepted and ignored.",
        "properties": {
            "user_name": _STR,
            "password": {"type": "string", "writeOnly": True},
            "active": _BOOL,
            "group_id": _INT,
            "email": _NSTR,
            "image": _NSTR,
            "first_name": _NSTR,
            "last_name": _NSTR,
        },
    },
    "CmdbGroup": {
        "type": "object",
        "properties": {
            "public_id": _INT,
            "name": _STR,
            "label": _NSTR,
            "rights": {"type": "array", "items": ref("CmdbRight")},
        },
    },
    "CmdbGroupWrite": {
        "type": "object",
        "properties": {
            "name": _STR,
            "label": _NSTR,
            "rights": {
                "type": "array",
                "items": {"oneOf": [_STR, ref("CmdbRight")]},
                "description": "right names (right objects are taken by their name)",
            },
        },
    },
    "CmdbUserSetting": {
        "type": "object",
        "properties": {
            "identifier": _STR,
            "user_id": _INT,
            "payload": {},
            "setting_type": {"type": "string", "enum": ["GLOBAL", "APPLICATION", "SERVER"]},
        },
    },
    "CmdbLevels": {"type": "object", "additionalProperties": {"type": "integer"}},
}

RIGHT = "CmdbRight"
LEVELS = "CmdbLevels"
USER = "CmdbUser"
USER_WRITE = "CmdbUserWrite"
GROUP = "CmdbGroup"
GROUP_WRITE = "CmdbGroupWrite"
SETTING = "CmdbUserSetting"
ERROR = "CmdbError"


def _envelope(properties: Schema) -> Schema:
    return {
        "type": "object",
        "properties": {**properties, "response_type": _STR, "model": _STR, "time": _STR},
    }


def list_of(item: str | Schema) -> Schema:
    items = ref(item) if isinstance(item, str) else item
    return _envelope(
        {
            "results": {"type": "array", "items": items},
            "count": _INT,
            "total": _INT,
            "parameters": {
                "type": "object",
                "properties": {
                    "limit": _INT,
                    "sort": _STR,
                    "order": _INT,
                    "page": _INT,
                    "filter": {},
                    "optional": {"type": "object"},
                    "projection": {"type": "object"},
                },
            },
            "pager": {
                "type": "object",
                "properties": {"page": _INT, "page_size": _INT, "total_pages": _INT},
            },
            "pagination": {
                "type": "object",
                "properties": {k: _STR for k in ("current", "first", "prev", "next", "last")},
            },
        }
    )


def single(item: str | Schema) -> Schema:
    return _envelope({"result": ref(item) if isinstance(item, str) else item})


def inserted(item: str | Schema, id_schema: Schema | None = None) -> Schema:
    return _envelope({"result_id": id_schema or _INT, "raw": ref(item) if isinstance(item, str) else item})


def updated(item: str | Schema) -> Schema:
    return single(item)


def deleted(item: str | Schema) -> Schema:
    target = ref(item) if isinstance(item, str) else item
    return _envelope({"deleted_entry": target, "raw": target})
