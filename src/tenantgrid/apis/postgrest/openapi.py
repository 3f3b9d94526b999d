"""OpenAPI paths for the PostgREST API, made from the catalog: one path per table, with its columns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from tenantgrid.catalog.model import Catalog, Column, Resource
from tenantgrid.http import openapi_tags

ERROR = {"$ref": "#/components/schemas/PostgrestError"}
SECURITY = [{"apikey": []}, {"apikey": [], "bearer": []}]


def json_schema(column: Column) -> dict[str, Any]:
    t = column.type
    schema: dict[str, Any]
    if isinstance(t, sa.Boolean):
        schema = {"type": "boolean"}
    elif isinstance(t, sa.Integer):
        schema = {"type": "integer"}
    elif isinstance(t, sa.Numeric | sa.Float):
        schema = {"type": "number"}
    elif isinstance(t, pg.ARRAY):
        schema = {"type": "array", "items": {"type": "string"}}
    elif isinstance(t, sa.JSON | pg.JSON | pg.JSONB):
        schema = {}
    elif isinstance(t, sa.DateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(t, sa.Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(t, pg.UUID | sa.Uuid):
        schema = {"type": "string", "format": "uuid"}
    else:
        schema = {"type": "string"}
    schema["description"] = f"{column.pg_type}" + (f": {column.description}" if column.description else "")
    if column.nullable and schema:
        schema["nullable"] = True
    if column.generated or (column.primary_key and column.has_default):
        schema["readOnly"] = column.generated
    return schema


def _header(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": description,
    }


def _query(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": description,
    }


def _filters(resource: Resource) -> list[dict[str, Any]]:
    return [
        _query(name, f"Filter on {name}: eq.1, gt.5, in.(1,2), is.null, like.*x*, not.eq.1, ...")
        for name in resource.columns
    ]


def _responses(ok: str, schema: dict[str, Any] | None) -> dict[str, Any]:
    responses: dict[str, Any] = {ok: {"description": "OK"}}
    if schema:
        responses[ok]["content"] = {"application/json": {"schema": schema}}
    for status in ("400", "401", "404", "406", "409"):
        responses[status] = {
            "description": "PostgREST error",
            "content": {"application/json": {"schema": ERROR}},
        }
    return responses


def table_path(resource: Resource) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{resource.name}"}
    rows = {"type": "array", "items": ref}
    read_headers = [
        _header("Accept-Profile", "Schema to read: yours (default) or the read-only template schema"),
        _header("Prefer", "count=exact|planned|estimated"),
        _header("Range", "Rows to return, e.g. 0-9"),
    ]
    write_headers = [
        _header("Content-Profile", "Schema to write: yours (default)"),
        _header(
            "Prefer",
            "return=minimal|headers-only|representation, resolution=merge-duplicates|"
            "ignore-duplicates, missing=default, count=exact, tx=rollback, handling=strict, max-affected=N",
        ),
    ]
    select = _query("select", "Columns to return: a,alias:b,c::text,data->key")
    tag = [openapi_tags.POSTGREST]
    body = {"required": True, "content": {"application/json": {"schema": {"oneOf": [ref, rows]}}}}
    return {
        "get": {
            "tags": tag,
            "summary": f"Read {resource.name}",
            "description": resource.description or "",
            "parameters": [
                select,
                _query("order", "e.g. id.desc.nullslast,name"),
                _query("limit", "Row count"),
                _query("offset", "Rows to skip"),
                _query("or", "(a.eq.1,b.gt.2)"),
                _query("and", "(a.eq.1,b.gt.2)"),
                *_filters(resource),
                *read_headers,
            ],
            "responses": _responses("200", rows),
            "security": SECURITY,
        },
        "post": {
            "tags": tag,
            "summary": f"Create {resource.name} (one object or an array, all or nothing)",
            "parameters": [
                select,
                _query("columns", "Columns to insert: a,b"),
                _query("on_conflict", "Upsert target columns"),
                *write_headers,
            ],
            "requestBody": body,
            "responses": _responses("201", rows),
            "security": SECURITY,
        },
        "patch": {
            "tags": tag,
            "summary": f"Update the {resource.name} rows the filters match",
            "parameters": [select, *_filters(resource), *write_headers],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
            "responses": _responses("200", rows),
            "security": SECURITY,
        },
        "put": {
            "tags": tag,
            "summary": f"Upsert one {resource.name} row named by its primary key filter",
            "parameters": [select, *_filters(resource), *write_headers],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
            "responses": _responses("200", rows),
            "security": SECURITY,
        },
        "delete": {
            "tags": tag,
            "summary": f"Delete the {resource.name} rows the filters match",
            "parameters": [select, *_filters(resource), *write_headers],
            "responses": _responses("200", rows),
            "security": SECURITY,
        },
    }


def _token_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "email": {"type": "string"},
            "password": {"type": "string"},
            "refresh_token": {"type": "string"},
        },
    }


def auth_paths() -> dict[str, Any]:
    session = {
        "type": "object",
        "properties": {
            k: {} for k in ("access_token", "token_type", "expires_in", "expires_at", "refresh_token", "user")
        },
    }
    return {
        "/auth/v1/token": {
            "post": {
                "tags": [openapi_tags.AUTH],
                "summary": "Sign in (grant_type=password) or refresh a session (grant_type=refresh_token)",
                "parameters": [
                    {
                        "name": "grant_type",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "enum": ["password", "refresh_token"]},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _token_schema()}},
                },
                "responses": {
                    "200": {"description": "A session", "content": {"application/json": {"schema": session}}},
                    "400": {"description": "Bad credentials or grant"},
                },
                "security": [{"apikey": []}],
            }
        },
        "/auth/v1/user": {
            "get": {
                "tags": [openapi_tags.AUTH],
                "summary": "The signed-in user",
                "responses": {"200": {"description": "The user"}},
                "security": [{"apikey": [], "bearer": []}],
            }
        },
        "/auth/v1/logout": {
            "post": {
                "tags": [openapi_tags.AUTH],
                "summary": "Sign out (scope=global|local|others)",
                "responses": {"204": {"description": "Signed out"}},
                "security": [{"apikey": [], "bearer": []}],
            }
        },
    }


def add_postgrest(spec: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    paths = spec.setdefault("paths", {})
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    security = spec["components"].setdefault("securitySchemes", {})
    security["apikey"] = {
        "type": "apiKey",
        "in": "header",
        "name": "apikey",
        "description": "A tenant's publishable or secret key (also accepted as Api-Key or "
        "Authorization: ApiKey <key>)",
    }
    security["bearer"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    schemas["PostgrestError"] = {
        "type": "object",
        "properties": {
            k: {"type": "string", "nullable": True} for k in ("code", "message", "details", "hint")
        },
    }
    paths.update(auth_paths())
    for resource in sorted(catalog.exposed_resources(), key=lambda r: r.name):
        paths[f"/rest/v1/{resource.name}"] = table_path(resource)
        required = [c.name for c in resource.columns.values() if not c.nullable and not c.has_default]
        schemas[resource.name] = {
            "type": "object",
            "description": resource.description or "",
            "properties": {c.name: json_schema(c) for c in resource.columns.values()},
            "required": required,
        }
    return spec
