"""The CMDB API's own errors, as `ApiError`s its renderer (`render.py`) shapes for DATAGERRY clients.

Validation failures of a body key use `invalid.invalid(message, key)` instead: their `message`
names the key the way DATAGERRY does.
"""

from __future__ import annotations

from tenantgrid.errors import ApiError

CHALLENGE = 'Basic realm="tenantgrid CMDB", Bearer realm="tenantgrid CMDB"'


def bad_request(message: str, details: str | None = None) -> ApiError:
    return ApiError(400, "CMDB-400", message, details)


def unauthorized(message: str = "Invalid or missing credentials") -> ApiError:
    """401 with the challenges the API accepts (an API key works too, in `Api-Key`/`apikey`)."""
    return ApiError(401, "CMDB-401", message, headers={"WWW-Authenticate": CHALLENGE})


def forbidden(message: str, details: str | None = None) -> ApiError:
    return ApiError(403, "CMDB-403", message, details)


def missing_right(right: str) -> ApiError:
    return ApiError(403, "CMDB-403", f"Missing right: {right}", f"This route requires the right {right}")


def not_found(message: str) -> ApiError:
    return ApiError(404, "CMDB-404", message)


def method_not_allowed(method: str, allowed: list[str]) -> ApiError:
    return ApiError(
        405, "CMDB-405", f"Method {method} is not allowed here", headers={"Allow": ", ".join(allowed)}
    )


def conflict(message: str, details: str | None = None) -> ApiError:
    return ApiError(409, "CMDB-409", message, details)


def too_large(limit: int) -> ApiError:
    return ApiError(413, "CMDB-413", "Payload Too Large", f"The body exceeds {limit} bytes")
