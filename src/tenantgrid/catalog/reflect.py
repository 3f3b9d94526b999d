"""Build the catalog from what Postgres says about the template schema (never a hand-kept list)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import quoted_name

from tenantgrid.catalog.model import (
    ALIAS_MARK,
    PRIVATE_MARK,
    SCHEMA_TOKEN,
    Catalog,
    Column,
    ForeignKey,
    Resource,
)

IGNORED_TABLES = frozenset({"alembic_version"})


async def reflect_catalog(conn: AsyncConnection, template_schema: str) -> Catalog:
    reflected = sa.MetaData()
    await conn.run_sync(lambda sync: reflected.reflect(sync, schema=template_schema, views=False))
    metadata = sa.MetaData()
    tables = [
        table.to_metadata(metadata, schema=quoted_name(SCHEMA_TOKEN, quote=True))
        for table in reflected.sorted_tables
        if table.name not in IGNORED_TABLES
    ]
    resources = {str(table.name): _resource(table) for table in tables}
    return Catalog(resources=resources, copy_order=tuple(str(t.name) for t in tables))


def _resource(table: sa.Table) -> Resource:
    columns: dict[str, Column] = {}
    aliases: dict[str, str] = {}
    for c in table.columns:
        description, alias = _read_column_comment(c.comment)
        columns[str(c.name)] = Column(
            name=str(c.name),
            type=c.type,
            nullable=bool(c.nullable),
            has_default=c.server_default is not None or c.identity is not None,
            generated=c.computed is not None,
            primary_key=c.primary_key,
            description=description,
            write_alias=alias,
        )
        if alias:
            aliases[alias] = str(c.name)
    unique_keys = tuple(
        tuple(str(col.name) for col in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    ) + tuple(
        tuple(str(col.name) for col in index.columns)
        for index in table.indexes
        if index.unique and all(isinstance(col, sa.Column) for col in index.columns) and index.columns
    )
    foreign_keys = tuple(
        ForeignKey(
            columns=tuple(str(k) for k in fk.column_keys),
            target=str(fk.elements[0].column.table.name),
            target_columns=tuple(str(e.column.name) for e in fk.elements),
        )
        for fk in table.foreign_key_constraints
    )
    comment = table.comment or ""
    private = comment.startswith(PRIVATE_MARK)
    return Resource(
        name=str(table.name),
        table=table,
        columns=columns,
        primary_key=tuple(str(c.name) for c in table.primary_key.columns),
        unique_keys=unique_keys,
        foreign_keys=foreign_keys,
        private=private,
        description=comment.removeprefix(PRIVATE_MARK).strip() or None,
        write_aliases=aliases,
    )


def _read_column_comment(comment: str | None) -> tuple[str | None, str | None]:
    """`tenantgrid:alias=value The value` -> ("The value", "value")."""
    if not comment or not comment.startswith(ALIAS_MARK):
        return comment, None
    head, _, rest = comment.partition(" ")
    return rest or None, head.removeprefix(ALIAS_MARK)
