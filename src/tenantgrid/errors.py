"""One error catalogue for every API.

An `ApiError` is data: status, a stable code, message, details, hint. Codes follow PostgREST's bands
(PGRST1xx request, 2xx schema cache, 3xx JWT) or are the Postgres SQLSTATE that caused them; each
API's renderer turns an ApiError into its own envelope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg


@dataclass(eq=False)
class ApiError(Exception):
    status: int
    code: str
    message: str
    details: str | None = None
    hint: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


# -- 1xx: the request --------------------------------------------------------------------------


def parse_error(message: str, details: str | None = None) -> ApiError:
    return ApiError(400, "PGRST100", message, details)


def body_error(message: str, details: str | None = None) -> ApiError:
    return ApiError(400, "PGRST102", message, details)


def range_error(message: str, details: str | None = None) -> ApiError:
    return ApiError(416, "PGRST103", message, details)


def put_filter_error() -> ApiError:
    return ApiError(
        405, "PGRST105", "Filters must include all and only primary key columns with 'eq' operators"
    )


def limit_without_order() -> ApiError:
    return ApiError(
        400,
        "PGRST109",
        "A 'limit' was applied without an explicit 'order'",
        None,
        "Apply an 'order' using unique column(s)",
    )


def put_limit_error() -> ApiError:
    return ApiError(400, "PGRST114", "limit/offset querystring parameters are not allowed for PUT")


def put_payload_mismatch() -> ApiError:
    return ApiError(400, "PGRST115", "Payload values do not match URL in primary key column(s)")


def schema_not_allowed(schema: str, allowed: list[str]) -> ApiError:
    return ApiError(
        406,
        "PGRST106",
        f"Invalid schema: {schema}",
        None,
        "Only the following schemas are exposed: " + ", ".join(allowed),
    )


def media_type_error(accept: str) -> ApiError:
    return ApiError(406, "PGRST107", f"None of these media types are available: {accept}")


def singular_error(rows: int) -> ApiError:
    return ApiError(
        406,
        "PGRST116",
        "Cannot coerce the result to a single JSON object",
        f"The result contains {rows} rows",
    )


def method_error(method: str) -> ApiError:
    return ApiError(405, "PGRST117", f"Unsupported HTTP method: {method}")


def preference_error(message: str, details: str | None = None) -> ApiError:
    return ApiError(400, "PGRST122", message, details)


def max_affected_error(rows: int) -> ApiError:
    return ApiError(
        400,
        "PGRST124",
        "Query result exceeds max-affected preference constraint",
        f"The query affects {rows} rows",
    )


def unfiltered_write(method: str) -> ApiError:
    return ApiError(
        400,
        "21000",
        f"{method} requires a WHERE clause",
        None,
        "Add a filter such as id=eq.1, or enable TENANTGRID_ALLOW_UNFILTERED_WRITES.",
    )


def body_too_large(limit: int) -> ApiError:
    return ApiError(413, "PGRST413", "Payload Too Large", f"The body exceeds {limit} bytes")


# -- 2xx: the schema cache ---------------------------------------------------------------------


def table_not_found(schema: str, table: str) -> ApiError:
    return ApiError(404, "PGRST205", f"Could not find the table '{schema}.{table}' in the schema cache")


def column_not_found(table: str, column: str) -> ApiError:
    """An unknown column in a filter, select or order, worded as Postgres words it."""
    return ApiError(400, "42703", f"column {table}.{column} does not exist")


def write_column_not_found(table: str, column: str) -> ApiError:
    return ApiError(400, "PGRST204", f"Could not find the '{column}' column of '{table}' in the schema cache")


# -- 3xx: authentication -----------------------------------------------------------------------


def _bearer(description: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'}


def jwt_invalid(message: str) -> ApiError:
    return ApiError(401, "PGRST301", message, headers=_bearer(message))


def anonymous_refused(message: str = "Anonymous access is disabled") -> ApiError:
    return ApiError(
        401,
        "PGRST302",
        message,
        None,
        "Send an API key (apikey header) and, with a publishable key, a user's Bearer token.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def jwt_claims(message: str) -> ApiError:
    return ApiError(401, "PGRST303", message, headers=_bearer(message))


def read_only_schema(schema: str) -> ApiError:
    return ApiError(
        403,
        "42501",
        f"permission denied for schema {schema}",
        None,
        "The template schema is read-only; write to your own schema.",
    )


# -- Postgres errors -> HTTP -------------------------------------------------------------------


def database_unreachable(detail: str) -> ApiError:
    """The connection failed or was lost (restart, failover, admin): PostgREST's 503 PGRST001."""
    return ApiError(503, "PGRST001", "Database client error. Retrying the connection.", detail)


def database_client_error(detail: str) -> ApiError:
    """The database driver failed with the connection still open (a protocol surprise, a plan
    invalidated mid-transaction): PostgREST's PGRST001 for a client error, retryable, so a 503."""
    return ApiError(503, "PGRST001", "Database client error.", detail)


def statement_timeout() -> ApiError:
    """The client-side backstop cancelled a statement that outlived the statement timeout: the
    same answer as Postgres's own cancellation (SQLSTATE 57014, 504)."""
    return ApiError(504, "57014", "canceling statement due to statement timeout")


def pool_timeout(details: str) -> ApiError:
    """No database connection came free within the pool timeout. PostgREST's code for it is
    PGRST003 (a 504 there); this is a 503 with Retry-After: the server is busy, not an upstream
    that failed to answer, and a retry soon may well succeed."""
    return ApiError(
        503,
        "PGRST003",
        "Timed out acquiring connection from connection pool.",
        details,
        headers={"Retry-After": POOL_RETRY_AFTER_S},
    )


POOL_RETRY_AFTER_S = "1"
"""Connections are held for milliseconds to seconds; a client should retry soon, not at once."""


CONNECTION_LOST_STATES = frozenset({"57P01", "57P02", "57P03"})


def from_postgres(exc: asyncpg.PostgresError) -> ApiError:
    """Map a Postgres error to PostgREST's status for its SQLSTATE, keeping Postgres's own words."""
    sqlstate: str = getattr(exc, "sqlstate", None) or "XX000"
    if sqlstate.startswith("08") or sqlstate in CONNECTION_LOST_STATES:
        return database_unreachable(getattr(exc, "message", None) or str(exc))
    status = _sqlstate_status(sqlstate)
    return ApiError(
        status,
        sqlstate,
        getattr(exc, "message", None) or str(exc),
        getattr(exc, "detail", None),
        getattr(exc, "hint", None),
    )


_EXACT_STATUS = {
    "23503": 409,
    "23505": 409,
    "25006": 405,
    "42501": 403,
    "42P01": 404,
    # 42883 (undefined_function) stays in class 42's 400: with no RPC here it only ever means an
    # operator that does not apply (`active=cs.true`: boolean @> unknown), a bad request. PostgREST
    # answers 404 for it, meant for /rpc/<missing function>, and its own tests mark that as wrong
    # for operators (JsonOperatorSpec's TODO). An RPC endpoint must answer a missing function itself.
    "42P17": 500,
    "53400": 500,
    "57014": 504,
    "P0001": 400,
}
_CLASS_STATUS = {
    "08": 503,
    "09": 500,
    "0L": 403,
    "0P": 403,
    "22": 400,
    "23": 400,
    "25": 500,
    "28": 403,
    "2D": 500,
    "38": 500,
    "39": 500,
    "3B": 500,
    "40": 500,
    "42": 400,
    "53": 503,
    "54": 400,
    "55": 500,
    "57": 500,
    "58": 500,
    "F0": 500,
    "HV": 500,
    "P0": 500,
    "XX": 500,
}


def _sqlstate_status(sqlstate: str) -> int:
    if sqlstate in _EXACT_STATUS:
        return _EXACT_STATUS[sqlstate]
    if sqlstate == "57P01":
        return 503
    if sqlstate == "428C9":
        return 400
    return _CLASS_STATUS.get(sqlstate[:2], 400)
