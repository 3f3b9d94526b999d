"""Split a query into its shape (values replaced by `Slot`s) and its values.

The shape is what the compiled-statement cache keys on: two requests that differ only in values
(or only in tenant) share one compiled statement. The compiler sees only shapes, so it cannot
make SQL that depends on a value by accident.
"""

from __future__ import annotations

import json
from dataclasses import replace

from tenantgrid.query.ast import (
    And,
    Cond,
    Elem,
    IsValue,
    Node,
    Not,
    Op,
    Or,
    Page,
    Path,
    Query,
    Scalar,
    Slot,
    Truth,
)
from tenantgrid.query.jsonpath import root_path

BoundValue = str | list[str | None] | int | None
STRUCTURAL_OPS = frozenset({Op.IS, Op.EXISTS})
COLUMN_JSON_OPS = frozenset({Op.EQ, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.IN})
"""JSON conditions on a column itself that the compiler writes as SQL on the column (so that its
b-tree index serves them); every other JSON condition becomes one bound jsonpath."""


def split(query: Query) -> tuple[Query, list[BoundValue]]:
    values: list[BoundValue] = []
    where = _shaped(query.where, values) if query.where is not None else None
    page = query.page
    offset = _slot(values, page.offset) if page.offset else 0
    limit = _slot(values, page.limit) if isinstance(page.limit, int) else None
    shaped = replace(query, where=where, page=Page(offset=offset, limit=limit))
    return shaped, values


# Module-level functions rather than closures inside `split`: a recursive closure refers to itself
# through its cell, and that cycle left 8 objects per request for the cyclic collector.


def _slot(values: list[BoundValue], value: BoundValue) -> Slot:
    values.append(value)
    return Slot(len(values) - 1)


def _shaped(node: Node, values: list[BoundValue]) -> Node:
    match node:
        case Truth():
            return node
        case Elem(path=path):
            return Cond(Path(path.column), Op.JSONPATH, _slot(values, root_path(node)), json=True)
        case Cond(json=True, path=path, op=op) if path.keys or op not in COLUMN_JSON_OPS:
            return Cond(Path(path.column), Op.JSONPATH, _slot(values, root_path(node)), json=True)
        case Cond(json=True, op=Op.IN, value=tuple() as items):
            # one kind (the Mongo dialect groups a column's `$in` by kind): one text[] slot
            return replace(node, value=_slot(values, [as_text(v) for v in items]), kind=json_kind(items[0]))
        case Cond(json=True, value=value):
            assert not isinstance(value, tuple | IsValue | Slot)
            return replace(node, value=_slot(values, json.dumps(value)), kind=json_kind(value))
        case Cond(op=op) if op in STRUCTURAL_OPS:
            return node
        case Cond(op=Op.BETWEEN, value=(low, high)):
            return replace(node, value=(_slot(values, as_text(low)), _slot(values, as_text(high))))
        case Cond(value=tuple() as items):
            return replace(node, value=_slot(values, [as_text(v) for v in items]))
        case Cond(value=value):
            assert not isinstance(value, IsValue | Slot)
            return replace(node, value=_slot(values, as_text(value)))
        case And(items=items):
            return And(tuple(_shaped(i, values) for i in items))
        case Or(items=items):
            return Or(tuple(_shaped(i, values) for i in items))
        case Not(item=item, two_valued=two_valued):
            return Not(_shaped(item, values), two_valued)
    raise TypeError(node)


def json_kind(value: Scalar) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "boolean"
        case int() if -(2**63) <= value < 2**63:
            return "integer"
        case int() | float():
            return "number"  # compared as numeric: 2**64 never equals a bigint, nor fails to cast
        case str():
            return "string"
    raise TypeError(f"not a JSON scalar: {value!r}")


def as_text(value: Scalar | tuple[Scalar, ...] | IsValue | Slot) -> str | None:
    """Values reach Postgres as text and are cast there to the target's type."""
    match value:
        case None:
            return None
        case bool():
            return "true" if value else "false"
        case str():
            return value
        case int() | float():
            return str(value)
    raise TypeError(f"not a scalar: {value!r}")
