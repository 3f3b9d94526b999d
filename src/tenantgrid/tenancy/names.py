"""Tenant and schema names: what is allowed, how a schema name is made, how it is quoted."""

from __future__ import annotations

import re
import secrets

TENANT_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
RESERVED_SCHEMAS = frozenset({"public", "information_schema", "pg_catalog", "pg_toast"})


class InvalidName(ValueError):
    pass


def check_tenant_name(name: str) -> str:
    if not TENANT_NAME.fullmatch(name):  # not match + $: "$" lets a trailing newline through
        raise InvalidName(
            f"invalid tenant name {name!r}: use 1-40 lowercase letters, digits or _, starting with a letter"
        )
    return name


def new_schema_name(email: str) -> str:
    """`<email before @>_<6 random digits>`, the naming seed 003 documents, made a safe identifier."""
    local = re.sub(r"[^a-z0-9_]", "_", email.split("@", 1)[0].lower()).strip("_") or "tenant"
    # Postgres refuses schema names starting with pg_ (reserved for system schemas).
    if not local[0].isalpha() or f"{local}_".startswith("pg_"):
        local = "t_" + local
    return f"{local[:40]}_{secrets.randbelow(10**6):06d}"


def is_reserved_schema(schema: str, *own: str) -> bool:
    """A schema no tenant may own: Postgres's own, and the server's (`own`: template, control)."""
    return schema in RESERVED_SCHEMAS or schema in own or schema.startswith("pg_")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
