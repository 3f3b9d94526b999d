"""The schema cache: every table of the template schema as a resource, shared by every tenant.

Tables carry the placeholder schema `SCHEMA_TOKEN`; the tenant's real schema is put in only when a
compiled statement is rendered for execution (`query.compile.render`), so one catalog and one
statement cache serve any number of tenants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

SCHEMA_TOKEN = "__tenant__"
SCHEMA_PREFIX = f'"{SCHEMA_TOKEN}".'
"""How the token stands in compiled SQL: always quoted and followed by a dot. A client-chosen label
can never contain it, because SQL quoting doubles every `"` inside a label."""
PRIVATE_MARK = "tenantgrid:private"
ALIAS_MARK = "tenantgrid:alias="


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: sa.types.TypeEngine
    nullable: bool
    has_default: bool
    generated: bool
    primary_key: bool
    description: str | None = None
    write_alias: str | None = None

    @property
    def pg_type(self) -> str:
        return str(self.type.compile(dialect=postgresql.dialect())).lower()


@dataclass(frozen=True, slots=True)
class ForeignKey:
    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    table: sa.Table
    columns: dict[str, Column]
    primary_key: tuple[str, ...]
    unique_keys: tuple[tuple[str, ...], ...]
    foreign_keys: tuple[ForeignKey, ...]
    private: bool
    description: str | None = None
    write_aliases: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> Column | None:
        return self.columns.get(name)


@dataclass(frozen=True, slots=True)
class Catalog:
    resources: dict[str, Resource]
    copy_order: tuple[str, ...]
    """Table names in foreign-key order: parents before children."""

    def exposed(self, name: str) -> Resource | None:
        resource = self.resources.get(name)
        if resource is None or resource.private:
            return None
        return resource

    def exposed_resources(self) -> list[Resource]:
        return [r for r in self.resources.values() if not r.private]
