"""Shared by the write-path tests: request headers, unique markers, and direct looks at the rows.

Every test makes its own rows, named with a fresh marker, and looks only at rows with that marker:
other modules' tests share the session database.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.conftest import Database

THING_COLUMNS = ("id", "name", "description", "tags", "data", "active", "created_at", "updated_at")
PLAIN = "id,name,description,tags,data,active"
"""A `select=` of every `things` column but the timestamps."""


RUN = f"w{uuid.uuid4().hex[:6]}"
"""Every marker of this run starts with it, so `forget_rows` can remove all of this run's rows."""


def mark() -> str:
    return f"{RUN}-{uuid.uuid4().hex[:12]}"


def forget_rows(db: Database, schema: str) -> None:
    """Delete every `things` row these tests made (their entries, fields and values cascade), so
    tests that list a whole table (the seed walk-through) see only the template's rows."""
    db.fetch(f'DELETE FROM "{schema}".things WHERE starts_with(name, $1)', RUN)


def headers(tenant: ProvisionedTenant, prefer: str | None = None, **extra: str) -> dict[str, str]:
    """A secret key and the write profile, as a server-side client sends them."""
    result = {"apikey": tenant.secret_key, "Content-Profile": tenant.schema}
    if prefer is not None:
        result["Prefer"] = prefer
    result.update({k.replace("_", "-"): v for k, v in extra.items()})
    return result


def error(code: str, message: str, details: str | None = None, hint: str | None = None) -> dict:
    return {"code": code, "message": message, "details": details, "hint": hint}


def plain(row: Any) -> dict[str, Any]:
    """A `things` row from the database as the API shows it (without the timestamps)."""
    data = row["data"]
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "tags": list(row["tags"]),
        "data": json.loads(data) if isinstance(data, str) else data,
        "active": row["active"],
    }


class Rows:
    """Direct SQL on one tenant's schema."""

    def __init__(self, db: Database, schema: str) -> None:
        self.db = db
        self.schema = schema

    def q(self, table: str) -> str:
        return f'"{self.schema}".{table}'

    def things(self, marker: str) -> list[Any]:
        return self.db.fetch(f"SELECT * FROM {self.q('things')} WHERE name LIKE $1 ORDER BY id", marker + "%")

    def names(self, marker: str) -> list[str]:
        return [r["name"] for r in self.things(marker)]

    def thing(self, name: str, **columns: Any) -> int:
        """Insert a `things` row directly; its id."""
        names = ["name", *columns]
        values = [name, *columns.values()]
        placeholders = ", ".join(f"${i + 1}" for i in range(len(values)))
        return self.db.value(
            f"INSERT INTO {self.q('things')} ({', '.join(names)}) VALUES ({placeholders}) RETURNING id",
            *values,
        )

    def entry(self, thing_id: int, status: str | None = None) -> int:
        return self.db.value(
            f"INSERT INTO {self.q('entries')} (thing_id, status) VALUES ($1, $2) RETURNING id",
            thing_id,
            status,
        )

    def field(self, thing_id: int, name: str) -> int:
        return self.db.value(
            f"INSERT INTO {self.q('fields')} (thing_id, name) VALUES ($1, $2) RETURNING id", thing_id, name
        )

    def field_entries(self, entry_id: int) -> list[tuple[int, str | None]]:
        rows = self.db.fetch(
            f"SELECT field_id, entered_value FROM {self.q('field_entries')} WHERE entry_id = $1 "
            "ORDER BY field_id",
            entry_id,
        )
        return [(r["field_id"], r["entered_value"]) for r in rows]

    def entry_form(self, marker: str) -> tuple[int, int, list[int]]:
        """A thing with three fields and one entry: (thing id, entry id, field ids)."""
        thing_id = self.thing(marker)
        fields = [self.field(thing_id, f"{marker}-f{i}") for i in range(3)]
        return thing_id, self.entry(thing_id, marker), fields
