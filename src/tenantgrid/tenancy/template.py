"""The rows a fresh template schema starts with, so a new tenant has something to read."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantgrid.tenancy.names import quote_ident


async def seed_template(conn: AsyncConnection, schema: str) -> None:
    s = quote_ident(schema)
    await conn.execute(
        text(
            f"""
            INSERT INTO {s}.things (name, description, tags, data) VALUES
                ('Customer', 'People and companies we serve', '{{crm,core}}', '{{"color": "blue", "rank": 1}}'),
                ('Asset', 'Hardware and software we track', '{{cmdb}}', '{{"color": "green", "rank": 2}}'),
                ('Ticket', 'Requests raised by customers', '{{support,core}}', '{{"color": "red", "rank": 3}}')
            """
        )
    )
    await conn.execute(
        text(
            f"""
            INSERT INTO {s}.fields (thing_id, name, data_type, mandatory, required_for_initialization, position)
            SELECT t.id, f.name, f.data_type, f.mandatory, f.required, f.position
            FROM {s}.things t
            JOIN (VALUES
                ('Customer', 'name', 'text', true, true, 1),
                ('Customer', 'email', 'text', true, false, 2),
                ('Asset', 'serial', 'text', true, true, 1),
                ('Asset', 'purchased_on', 'date', false, false, 2),
                ('Ticket', 'subject', 'text', true, true, 1),
                ('Ticket', 'priority', 'integer', false, false, 2)
            ) AS f(thing, name, data_type, mandatory, required, position) ON f.thing = t.name
            """
        )
    )
