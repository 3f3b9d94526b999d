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
        case Not(item=item):
            return Not(_shaped(item, values))
    raise TypeError(node)


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
