"""Gainfully's errors, in DRF's words and codes: each is a `FieldError` its renderer shows as
`{"field", "error_code", "detail"}` (the field is null when no one attribute is to blame)."""

from __future__ import annotations

from tenantgrid.query.dialects.django import FieldError, refuse

__all__ = ["FieldError", "refuse"]
CHALLENGE = {"WWW-Authenticate": 'ApiKey realm="gainfully"'}


def not_authenticated() -> FieldError:
    error = refuse(None, "not_authenticated", "Authentication credentials were not provided.", 401)
    error.headers.update(CHALLENGE)
    return error


def authentication_failed(detail: str = "Invalid API key.") -> FieldError:
    error = refuse(None, "authentication_failed", detail, 401)
    error.headers.update(CHALLENGE)
    return error


def not_found() -> FieldError:
    return refuse(None, "not_found", "Not found.", 404)


def method_not_allowed(method: str, allowed: list[str]) -> FieldError:
    error = refuse(None, "method_not_allowed", f'Method "{method}" not allowed.', 405)
    error.headers["Allow"] = ", ".join(allowed)
    return error


def parse_error(detail: str) -> FieldError:
    return refuse(None, "parse_error", detail)


def unsupported_media_type(media_type: str) -> FieldError:
    return refuse(None, "unsupported_media_type", f'Unsupported media type "{media_type}" in request.', 415)


def too_large(limit: int) -> FieldError:
    return refuse(None, "request_too_large", f"The body exceeds {limit} bytes.", 413)


def required(field: str) -> FieldError:
    return refuse(field, "required", "This field is required.")
