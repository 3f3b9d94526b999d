"""Writing records: POST (new records, client-chosen ids allowed), PATCH (the cells given change, the
others stay), DELETE (by ids or identifiers). Each request is one transaction.

Every written cell is checked against its column (`cells.normalise`). Dependencies: when a source
cell's value changes and its target cell in the same record is not written too, the target's
`dependencyStatus` becomes "outOfDate"; writing the target makes it "upToDate" (a status the
client sends explicitly wins).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson

from tenantgrid.apis.gridly import failures, ids
from tenantgrid.apis.gridly.cells import EMPTY, normalise, render_record, status_of
from tenantgrid.apis.gridly.context import Ctx
from tenantgrid.apis.gridly.file_store import take_record_files
from tenantgrid.apis.gridly.views_store import View

MAX_PATH = 1000
RECORD_JSON = (
    "json_build_object('id', t.id, 'path', t.path, 'cells', t.cells, 'cell_status', t.cell_status, "
    "'last_modified_time', t.last_modified_time)::text"
)
"""A stored record `t` as the JSON text `cells.render_record` reads (as the list's rows are)."""


@dataclass(slots=True)
class Draft:
    """A record as it will be stored."""

    id: str
    path: str
    cells: dict[str, Any] = field(default_factory=dict)
    cell_status: dict[str, Any] = field(default_factory=dict)


def parse_path(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_PATH:
        raise failures.bad_request(
            f"{where}path must be text of at most {MAX_PATH} characters.", f"{where}path"
        )
    return value.strip().strip("/")


def _record_object(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise failures.bad_request(
            f"{where.rstrip('.')} must be a record object.", where.rstrip(".") or "body"
        )
    return item


def _written_cells(view: View, item: Mapping[str, Any], where: str) -> list[Mapping[str, Any]]:
    cells = item.get("cells", [])
    if cells is None:
        return []
    if not isinstance(cells, list):
        raise failures.bad_request(f"{where}cells must be a list of cells.", f"{where}cells")
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("columnId"), str):
            raise failures.bad_request(
                f"{where}cells[{i}] must be an object with a columnId.", f"{where}cells[{i}].columnId"
            )
        if view.column(cell["columnId"]) is None:
            column_id = cell["columnId"][:80]
            raise failures.bad_request(
                f'Column "{column_id}" is not a column of this view.', column_id, "column", "missing"
            )
    return cells


def apply_cells(
    view: View, draft: Draft, written: Sequence[Mapping[str, Any]], dependencies: Sequence[tuple[str, str]]
) -> None:
    """Write `written` into `draft`, then mark dependency targets."""
    changed: set[str] = set()
    touched: set[str] = set()
    explicit: set[str] = set()
    for cell in written:
        column = view.column(cell["columnId"])
        assert column is not None
        touched.add(column.id)
        if "value" in cell:
            value = normalise(column, cell["value"])
            before = draft.cells.get(column.id, EMPTY)
            if value is EMPTY:
                draft.cells.pop(column.id, None)
            else:
                draft.cells[column.id] = value
            if before is EMPTY or value is EMPTY:
                if before is not value:
                    changed.add(column.id)
            elif orjson.dumps(before) != orjson.dumps(value):
                changed.add(column.id)
        status = status_of(column, cell)
        if status:
            draft.cell_status[column.id] = {**draft.cell_status.get(column.id, {}), **status}
            if "dependencyStatus" in status:
                explicit.add(column.id)
    for source, target in dependencies:
        if target in explicit:
            continue
        if target in touched:
            draft.cell_status[target] = {**draft.cell_status.get(target, {}), "dependencyStatus": "upToDate"}
        elif source in changed:
            draft.cell_status[target] = {**draft.cell_status.get(target, {}), "dependencyStatus": "outOfDate"}


async def dependencies(conn: asyncpg.Connection, s: str, grid_id: str) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        f"SELECT source_column_id, target_column_id FROM {s}.gridly_dependencies WHERE grid_id = $1", grid_id
    )
    return [(r[0], r[1]) for r in rows]


def _payload(drafts: Sequence[Draft]) -> str:
    return orjson.dumps(
        [
            {"n": n, "id": d.id, "path": d.path, "cells": d.cells, "cell_status": d.cell_status}
            for n, d in enumerate(drafts)
        ]
    ).decode()


def _in_order(drafts: Sequence[Draft], texts: Sequence[str], view: View) -> list[dict[str, Any]]:
    rows = {row["id"]: row for row in (orjson.loads(t) for t in texts)}
    seen: set[str] = set()
    records = []
    for draft in drafts:
        if draft.id not in seen:
            seen.add(draft.id)
            records.append(render_record(rows[draft.id], view.columns))
    return records


async def create_records(ctx: Ctx, view: View, body: list[Any]) -> list[dict[str, Any]]:
    drafts: list[Draft] = []
    async with ctx.transaction() as conn:
        deps = await dependencies(conn, ctx.s, view.grid_id)
        chosen: set[str] = set()
        for i, raw in enumerate(body):
            where = f"[{i}]."
            item = _record_object(raw, where)
            record_id = item.get("id")
            if record_id is None:
                record_id = ids.new_id()
            elif not ids.is_record_id(record_id):
                raise failures.bad_request(
                    f"{where}id must be non-empty text of at most {ids.MAX_RECORD_ID} characters.",
                    f"{where}id",
                )
            elif record_id in chosen:
                raise failures.conflict(f'Record "{record_id[:80]}" is given twice.', f"{where}id", "record")
            chosen.add(record_id)
            draft = Draft(record_id, parse_path(item.get("path"), where))
            apply_cells(view, draft, _written_cells(view, item, where), deps)
            drafts.append(draft)
        if not drafts:
            return []
        texts = await conn.fetch(
            f"""
            INSERT INTO {ctx.s}.gridly_records AS t (grid_id, id, path, cells, cell_status)
            SELECT $1, r.id, r.path, r.cells, r.cell_status
            FROM jsonb_to_recordset($2::jsonb) AS r(n int, id text, path text, cells jsonb, cell_status jsonb)
            ORDER BY r.n
            ON CONFLICT (grid_id, id) DO NOTHING
            RETURNING {RECORD_JSON}
            """,
            view.grid_id,
            _payload(drafts),
        )
        if len(texts) < len(drafts):
            made = {orjson.loads(t[0])["id"] for t in texts}
            taken = next(d.id for d in drafts if d.id not in made)
            raise failures.conflict(f'Record "{taken[:80]}" already exists.', "id", "record")
    return _in_order(drafts, [t[0] for t in texts], view)


async def update_records(
    ctx: Ctx, view: View, body: list[Any], *, path_filter: str | None = None
) -> list[dict[str, Any]]:
    """`body`: records with their ids; `path_filter` (PATCH .../records/{id}?path=): the record must be
    in that path."""
    items: list[tuple[str, dict[str, Any], str]] = []
    for i, raw in enumerate(body):
        where = f"[{i}]."
        item = _record_object(raw, where)
        record_id = item.get("id")
        if not ids.is_record_id(record_id):
            raise failures.bad_request(
                f"{where}id is required: the id of the record to update.", f"{where}id"
            )
        items.append((record_id, item, where))
    if not items:
        return []
    async with ctx.transaction() as conn:
        deps = await dependencies(conn, ctx.s, view.grid_id)
        rows = await conn.fetch(
            f"SELECT id, path, cells::text, cell_status::text FROM {ctx.s}.gridly_records "
            "WHERE grid_id = $1 AND id = ANY($2::text[]) ORDER BY position FOR UPDATE",
            view.grid_id,
            sorted({i[0] for i in items}),
        )
        drafts = {r[0]: Draft(r[0], r[1], orjson.loads(r[2]), orjson.loads(r[3])) for r in rows}
        order: list[Draft] = []
        for record_id, item, where in items:
            draft = drafts.get(record_id)
            if draft is None or (path_filter is not None and draft.path != path_filter.strip().strip("/")):
                raise failures.not_found("record", record_id)
            if "path" in item:
                draft.path = parse_path(item["path"], where)
            apply_cells(view, draft, _written_cells(view, item, where), deps)
            order.append(draft)
        unique = list({d.id: d for d in order}.values())
        texts = await conn.fetch(
            f"""
            UPDATE {ctx.s}.gridly_records AS t
            SET path = r.path, cells = r.cells, cell_status = r.cell_status, last_modified_time = now()
            FROM jsonb_to_recordset($2::jsonb) AS r(n int, id text, path text, cells jsonb, cell_status jsonb)
            WHERE t.grid_id = $1 AND t.id = r.id
            RETURNING {RECORD_JSON}
            """,
            view.grid_id,
            _payload(unique),
        )
        # A file its `files` cell no longer lists (the client wrote the cell) goes with its bytes.
        dropped = await conn.fetch(
            f"""
            DELETE FROM {ctx.s}.gridly_files AS f
            USING jsonb_to_recordset($2::jsonb) AS r(id text, cells jsonb)
            WHERE f.grid_id = $1 AND f.record_id = r.id
              AND NOT coalesce(r.cells -> f.column_id, '[]') @> jsonb_build_array(jsonb_build_object('id', f.id))
            RETURNING f.id
            """,
            view.grid_id,
            _payload(unique),
        )
    await ctx.runtime.files.discard(ctx.schema, [row[0] for row in dropped])
    return _in_order(order, [t[0] for t in texts], view)


async def delete_records(ctx: Ctx, view: View, body: Mapping[str, Any]) -> int:
    """`{"ids": [...]}` or `{"identifiers": [{"id", "path"}]}`; ids not in the grid are ignored."""
    if "ids" in body:
        record_ids = body["ids"]
        if not isinstance(record_ids, list) or not all(isinstance(i, str) for i in record_ids):
            raise failures.bad_request("ids must be a list of record ids.", "ids")
        return await _delete(ctx, view, record_ids, None)
    if "identifiers" in body:
        identifiers = body["identifiers"]
        if not isinstance(identifiers, list) or not all(
            isinstance(i, dict) and isinstance(i.get("id"), str) for i in identifiers
        ):
            raise failures.bad_request("identifiers must be a list of {id, path}.", "identifiers")
        record_ids = [i["id"] for i in identifiers]
        paths = [parse_path(i.get("path"), f"identifiers[{n}].") for n, i in enumerate(identifiers)]
        return await _delete(ctx, view, record_ids, paths)
    raise failures.bad_request('Send {"ids": [...]} or {"identifiers": [{"id": ..., "path": ...}]}.', "ids")


async def _delete(ctx: Ctx, view: View, record_ids: list[str], paths: list[str] | None) -> int:
    """The records, their files' rows, then (committed) their files' bytes."""
    if not record_ids:
        return 0
    async with ctx.transaction() as conn:
        if paths is not None:  # only those in the path given
            rows = await conn.fetch(
                f"SELECT t.id FROM {ctx.s}.gridly_records t JOIN unnest($2::text[], $3::text[]) AS d(id, path)"
                " ON t.id = d.id AND t.path = d.path WHERE t.grid_id = $1 ORDER BY t.position FOR UPDATE OF t",
                view.grid_id,
                record_ids,
                paths,
            )
            record_ids = [row[0] for row in rows]
        files = await take_record_files(conn, ctx.s, view.grid_id, record_ids)
        status = await conn.execute(
            f"DELETE FROM {ctx.s}.gridly_records WHERE grid_id = $1 AND id = ANY($2::text[])",
            view.grid_id,
            record_ids,
        )
    await ctx.runtime.files.discard(ctx.schema, files)
    return int(status.split()[-1])
