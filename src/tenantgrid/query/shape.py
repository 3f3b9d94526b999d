"""Split a query into its shape (values replaced by `Slot`s) and its values.

The shape is what the compiled-statement cache keys on: two requests that differ only in values
(or only in tenant) share one compiled statement. The compiler sees only shapes, so it cannot
make SQL that depends on a value by accident.
"""

from __future__ import annotations

from dataclasses import replace

from tenantgrid.query.ast import And, Cond, IsValue, Node, Not, Op, Or, Page, Query, Scalar, Slot

BoundValue = str | list[str | None] | int | None
STRUCTURAL_OPS = frozenset({Op.IS, Op.EXISTS})


def split(query: Query) -> tuple[Query, list[BoundValue]]:
    values: list[BoundValue] = []

    def slot(value: BoundValue) -> Slot:
        values.append(value)
        return Slot(len(values) - 1)

    def walk(node: Node) -> Node:
        match node:
            case Cond(op=op) if op in STRUCTURAL_OPS:
                return node
            case Cond(op=Op.BETWEEN, value=(low, high)):
                return replace(node, value=(slot(as_text(low)), slot(as_text(high))))
            case Cond(value=tuple() as items):
                return replace(node, value=slot([as_text(v) for v in items]))
            case Cond(value=value):
                assert not isinstance(value, IsValue | Slot)
                return replace(node, value=slot(as_text(value)))
            case And(items=items):
                return And(tuple(walk(i) for i in items))
            case Or(items=items):
                return Or(tuple(walk(i) for i in items))
            case Not(item=item):
                return Not(walk(item))
        raise TypeError(node)

    where = walk(query.where) if query.where is not None else None
    page = query.page
    offset = slot(page.offset) if page.offset else 0
    limit = slot(page.limit) if isinstance(page.limit, int) else None
    shaped = replace(query, where=where, page=Page(offset=offset, limit=limit))
    return shaped, values


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
