"""Categories as a tree (`GET /rest/categories/?view=tree`) and the parent rule (no cycles)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def node_order(category: Mapping[str, Any]) -> int | float | None:
    order = (category.get("meta") or {}).get("order")
    return order if isinstance(order, int | float) and not isinstance(order, bool) else None


def _sort_key(category: Mapping[str, Any]) -> tuple[bool, float, int]:
    order = node_order(category)
    return (order is None, order if order is not None else 0, category["public_id"])


def build_tree(
    categories: list[Mapping[str, Any]], types: Mapping[int, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """`[{category, node_order, children, types}]`, siblings by meta.order (nulls last), then id.

    A category whose parent is missing is a root. `types` (id -> type document) fills each node's
    types, in the category's order; ids of types that no longer exist are left out.
    """
    ids = {c["public_id"] for c in categories}
    children: dict[int | None, list[Mapping[str, Any]]] = {}
    for category in categories:
        parent = category.get("parent")
        children.setdefault(parent if parent in ids else None, []).append(category)
    seen: set[int] = set()

    def nodes(parent: int | None) -> list[dict[str, Any]]:
        out = []
        for category in sorted(children.get(parent, []), key=_sort_key):
            if category["public_id"] in seen:
                continue
            seen.add(category["public_id"])
            out.append(
                {
                    "category": category,
                    "node_order": node_order(category),
                    "children": nodes(category["public_id"]),
                    "types": [types[t] for t in category.get("types") or [] if t in types],
                }
            )
        return out

    roots = nodes(None)
    # Stored data never holds a cycle (writes refuse them); should one appear, its members are
    # shown as roots rather than lost.
    for category in sorted((c for c in categories if c["public_id"] not in seen), key=_sort_key):
        children.setdefault(None, []).append(category)
        roots.extend(nodes(None))
    return roots


def creates_cycle(category_id: int | None, parent: int | None, parents: Mapping[int, int | None]) -> bool:
    """Whether giving `category_id` the parent `parent` makes a loop; `parents`: id -> parent of all.

    A new category (`category_id` None) can make no loop. A category as its own parent is a loop.
    """
    if parent is None or category_id is None:
        return False
    seen: set[int] = set()
    current: int | None = parent
    while current is not None and current not in seen:
        if current == category_id:
            return True
        seen.add(current)
        current = parents.get(current)
    return False
