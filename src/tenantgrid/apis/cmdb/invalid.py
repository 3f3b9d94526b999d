"""The 400 every CMDB body check raises: one code, a message naming the key or field at fault."""

from __future__ import annotations

from tenantgrid import errors

VALIDATION = "CMDB-VALIDATION"


def invalid(message: str, key: str | None = None) -> errors.ApiError:
    """`key` (the body key or object field at fault) goes in `details`, so renderers can name it."""
    return errors.ApiError(400, VALIDATION, message, key)
