"""What /openapi.json says about `POST /api/tenants/register` (tag "Sign-up")."""

from __future__ import annotations

from typing import Any

JSON = "application/json"

REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {
        "email": {
            "type": "string",
            "format": "email",
            "maxLength": 254,
            "description": "Your e-mail: you sign in with it, and no other tenant may have it. "
            "Your schema is named `<email before @>_<6 random digits>`.",
        },
        "password": {"type": "string", "format": "password", "minLength": 8, "maxLength": 1024},
        "name": {
            "type": "string",
            "pattern": "^[a-z][a-z0-9_]{0,39}$",
            "description": "The tenant's name (optional; default: the schema's name).",
        },
        "registration_token": {
            "type": "string",
            "description": "The operator's token when sign-up needs one (also accepted as "
            "`Authorization: Bearer <token>` or `X-Registration-Token`).",
        },
    },
    "example": {"email": "ada@example.com", "password": "correct horse battery"},
}

CREATED: dict[str, Any] = {
    "type": "object",
    "required": ["tenant", "schema", "email", "publishable_key", "secret_key"],
    "properties": {
        "tenant": {"type": "string", "example": "ada_123456"},
        "schema": {"type": "string", "example": "ada_123456"},
        "email": {"type": "string", "format": "email"},
        "publishable_key": {"type": "string", "description": "Shown only now."},
        "secret_key": {"type": "string", "description": "Shown only now: it has full access to your tenant."},
    },
}

FIELD_ERRORS: dict[str, Any] = {
    "type": "object",
    "description": "Only the fields with errors, each with its messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"email": ["A tenant with this email already exists."]},
}

DETAIL: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}},
}


def _error(description: str, schema: dict[str, Any], example: str | None = None) -> dict[str, Any]:
    body = dict(schema)
    if example is not None:
        body["example"] = {"detail": example}
    return {"description": description, "content": {JSON: {"schema": body}}}


RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Created: your tenant, its schema and its two keys",
        "content": {JSON: {"schema": CREATED}},
    },
    400: {"description": "Invalid input", "content": {JSON: {"schema": FIELD_ERRORS}}},
    401: _error(
        "Sign-up needs the operator's token, and it is missing or wrong",
        DETAIL,
        "Invalid registration token.",
    ),
    404: _error("Sign-up is closed on this server", DETAIL, "Sign-up is closed."),
    413: _error("The body is too large", DETAIL),
    415: _error("Not JSON nor a urlencoded form", DETAIL),
    429: _error(
        "Too many sign-ups from your address (`Retry-After` says when to try again)",
        DETAIL,
        "Request was throttled. Expected available in 3600 seconds.",
    ),
    503: _error("The database or the rate limiter is unavailable; retry later", DETAIL),
}

OPENAPI: dict[str, Any] = {
    "description": "Creates a tenant: its own PostgreSQL schema with every API's tables, a copy of the "
    "template schema's data, you as its only user and admin, a publishable and a secret API key (shown "
    "only in this answer). All or nothing, in well under a second. Open, guarded by an operator token, "
    "or closed, as the server's `TENANTGRID_REGISTRATION` says; limited per client address.",
    "requestBody": {
        "required": True,
        "content": {
            JSON: {"schema": REQUEST},
            "application/x-www-form-urlencoded": {"schema": REQUEST},
        },
    },
    "security": [{}],
}
