"""JSON schemas of the framework's documents (types, categories, objects, the rendered object) for
`/openapi.json`; the envelope helpers are `schemas.py`'s."""

from __future__ import annotations

from tenantgrid.apis.cmdb import schemas
from tenantgrid.apis.cmdb.schemas import DATE, Schema, deleted, inserted, list_of, ref, single, updated

__all__ = ["deleted", "inserted", "list_of", "ref", "single", "updated"]

_INT = {"type": "integer"}
_NINT = {"type": "integer", "nullable": True}
_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_BOOL = {"type": "boolean"}
_NAMES = {"type": "array", "items": _STR}
_FIELD_VALUES = {
    "type": "array",
    "items": {"type": "object", "properties": {"name": _STR, "value": {}}, "required": ["name"]},
}
FIELD_TYPES = [
    "text",
    "password",
    "textarea",
    "number",
    "date",
    "checkbox",
    "radio",
    "select",
    "ref",
    "location",
]

TYPE = "CmdbType"
TYPE_WRITE = "CmdbTypeWrite"
CATEGORY = "CmdbCategory"
CATEGORY_WRITE = "CmdbCategoryWrite"
CATEGORY_NODE = "CmdbCategoryNode"
OBJECT = "CmdbObject"
OBJECT_WRITE = "CmdbObjectWrite"
RENDERED = "CmdbRenderedObject"

_FIELD_DEFINITION: Schema = {
    "type": "object",
    "required": ["type", "name"],
    "properties": {
        "type": {"type": "string", "enum": FIELD_TYPES},
        "name": _STR,
        "label": _STR,
        "required": _BOOL,
        "description": _STR,
        "regex": _STR,
        "placeholder": _STR,
        "value": {},
        "default": {},
        "options": {
            "type": "array",
            "items": {"type": "object", "properties": {"name": _STR, "label": _STR}},
        },
        "ref_types": {"type": "array", "items": _INT},
    },
}
_RENDER_META: Schema = {
    "type": "object",
    "properties": {
        "icon": _STR,
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"type": _STR, "name": _STR, "label": _STR, "fields": _NAMES},
            },
        },
        "externals": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": _STR, "href": _STR, "label": _STR, "icon": _STR, "fields": _NAMES},
            },
        },
        "summary": {"type": "object", "properties": {"fields": _NAMES}},
    },
}
_ACL: Schema = {
    "type": "object",
    "nullable": True,
    "properties": {
        "activated": _BOOL,
        "groups": {
            "type": "object",
            "properties": {
                "includes": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "items": {"type": "string", "enum": ["CREATE", "READ", "UPDATE", "DELETE"]},
                    },
                }
            },
        },
    },
}
_TYPE_PROPERTIES: Schema = {
    "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
    "label": _NSTR,
    "description": _NSTR,
    "active": _BOOL,
    "author_id": _NINT,
    "fields": {"type": "array", "items": _FIELD_DEFINITION},
    "render_meta": _RENDER_META,
    "acl": _ACL,
}
_CATEGORY_PROPERTIES: Schema = {
    "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
    "label": _NSTR,
    "parent": _NINT,
    "types": {"type": "array", "items": _INT},
    "meta": {"type": "object", "properties": {"icon": _STR, "order": _NINT}},
}
_OBJECT: Schema = {
    "type": "object",
    "properties": {
        "public_id": _INT,
        "type_id": _INT,
        "status": {"type": "boolean", "nullable": True},
        "version": _STR,
        "creation_time": DATE,
        "author_id": _NINT,
        "last_edit_time": DATE,
        "editor_id": _NINT,
        "active": _BOOL,
        "fields": _FIELD_VALUES,
        "views": _INT,
    },
}

COMPONENTS: dict[str, Schema] = {
    TYPE: {
        "type": "object",
        "properties": {
            "public_id": _INT,
            **_TYPE_PROPERTIES,
            "version": _STR,
            "editor_id": _NINT,
            "creation_time": DATE,
            "last_edit_time": DATE,
        },
    },
    TYPE_WRITE: {
        "type": "object",
        "description": "POST needs name; PUT/PATCH keep the stored value of every key left out. "
        "version, status, clean_db, access, category_id, views and multi_data_sections are accepted "
        "(the last five are stored as sent).",
        "properties": _TYPE_PROPERTIES,
    },
    CATEGORY: {"type": "object", "properties": {"public_id": _INT, **_CATEGORY_PROPERTIES}},
    CATEGORY_WRITE: {"type": "object", "properties": _CATEGORY_PROPERTIES},
    CATEGORY_NODE: {
        "type": "object",
        "properties": {
            "category": ref(CATEGORY),
            "node_order": _NINT,
            "children": {"type": "array", "items": {"type": "object"}},
            "types": {"type": "array", "items": ref(TYPE)},
        },
    },
    OBJECT: _OBJECT,
    OBJECT_WRITE: {
        "type": "object",
        "description": "POST needs type_id and fields; PUT/PATCH keep what they leave out, and their fields "
        "replace the stored values by name. version, views, creation_time are accepted and ignored.",
        "properties": {
            "public_id": _INT,
            "type_id": _INT,
            "author_id": _NINT,
            "active": _BOOL,
            "status": {"type": "boolean", "nullable": True},
            "fields": _FIELD_VALUES,
            "version": _STR,
            "views": _INT,
        },
    },
    RENDERED: {
        "type": "object",
        "properties": {
            "current_render_time": DATE,
            "object_information": {"type": "object"},
            "type_information": {"type": "object"},
            "fields": {
                "type": "array",
                "items": {"type": "object"},
                "description": "The type's field definitions with the object's values; a `ref` field also "
                "has `reference`: {type_id, type_name, type_label, icon, object_id, summaries, line} of "
                "the object it points at, or null (empty, gone, or not readable under the type's acl)",
            },
            "sections": {"type": "array", "items": {"type": "object"}},
            "summaries": {"type": "array", "items": {"type": "object"}},
            "summary_line": _STR,
            "externals": {"type": "array", "items": {"type": "object"}},
        },
    },
}

schemas.COMPONENTS.update(COMPONENTS)


def update_multi(item: str) -> Schema:
    return {
        "type": "object",
        "properties": {
            "results": {"type": "array", "items": ref(item)},
            "failed": {"type": "array", "items": {}},
            "response_type": _STR,
            "model": _STR,
            "time": _STR,
        },
    }
