"""The Gridly API's errors: `{"message", "errors": [{"code", "field", "message", "resource"}]}`.

A `GridlyError` carries its `errors` items; `render.py` shapes it, and any other `ApiError` too.
"""

from __future__ import annotations

from typing import Any

from tenantgrid.errors import ApiError

CHALLENGE = 'ApiKey realm="tenantgrid Gridly"'


class GridlyError(ApiError):
    def __init__(
        self, status: int, message: str, items: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> None:
        code = items[0]["code"] if items else "error"
        super().__init__(status, code, message, None, None, headers or {})
        self.items = items


def item(code: str, field: str, message: str, resource: str) -> dict[str, str]:
    return {"code": code, "field": field, "message": message, "resource": resource}


def bad_request(
    message: str, field: str = "", resource: str = "record", code: str = "invalid"
) -> GridlyError:
    """400 naming the parameter, body key or column at fault (`field`)."""
    return GridlyError(400, message, [item(code, field, message, resource)])


def not_found(resource: str, identifier: str, field: str = "id") -> GridlyError:
    """The seed's 404: `View "NezkWk3VEL" could not be found.`"""
    message = f'{resource.capitalize()} "{identifier[:200]}" could not be found.'
    return GridlyError(404, "Validation failed.", [item("missing", field, message, resource)])


def unauthorized(message: str = "No valid API key provided.") -> GridlyError:
    return GridlyError(
        401, message, [item("unauthorized", "apiKey", message, "apiKey")], {"WWW-Authenticate": CHALLENGE}
    )


def forbidden(message: str, resource: str = "apiKey") -> GridlyError:
    return GridlyError(403, message, [item("forbidden", "apiKey", message, resource)])


def conflict(message: str, field: str, resource: str) -> GridlyError:
    return GridlyError(409, message, [item("already_exists", field, message, resource)])


def method_not_allowed(method: str, allowed: list[str]) -> GridlyError:
    message = f"Method {method} is not allowed here."
    return GridlyError(
        405,
        message,
        [item("method_not_allowed", "method", message, "request")],
        {"Allow": ", ".join(allowed)},
    )


def too_large(limit: int) -> GridlyError:
    message = f"The request body exceeds {limit} bytes."
    return GridlyError(413, message, [item("too_large", "body", message, "request")])
