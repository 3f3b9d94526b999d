"""The category tree: order by meta.order (nulls last), children nested, no cycles."""

from __future__ import annotations

from typing import Any

from tenantgrid.apis.cmdb.category_tree import build_tree, creates_cycle


def cat(
    public_id: int, parent: int | None = None, order: Any = None, types: list[int] | None = None
) -> dict[str, Any]:
    return {
        "public_id": public_id,
        "name": f"c{public_id}",
        "parent": parent,
        "types": types or [],
        "meta": {"icon": "", "order": order},
    }


def ids(nodes: list[dict[str, Any]]) -> list[Any]:
    return [
        (n["category"]["public_id"], ids(n["children"])) if n["children"] else n["category"]["public_id"]
        for n in nodes
    ]


def test_roots_and_children_sorted_by_order_nulls_last() -> None:
    categories = [
        cat(1, order=None),
        cat(2, order=2),
        cat(3, order=1),
        cat(4, parent=2, order=None),
        cat(5, parent=2, order=0),
        cat(6, parent=5),
    ]
    tree = build_tree(categories, {})
    assert ids(tree) == [3, (2, [(5, [6]), 4]), 1]
    assert tree[0]["node_order"] == 1
    assert tree[2]["node_order"] is None


def test_types_are_filled_in_the_categorys_order() -> None:
    types = {1: {"public_id": 1}, 2: {"public_id": 2}}
    tree = build_tree([cat(1, types=[2, 9, 1])], types)
    assert tree[0]["types"] == [{"public_id": 2}, {"public_id": 1}]


def test_a_missing_parent_makes_a_root() -> None:
    assert ids(build_tree([cat(1, parent=99)], {})) == [1]


def test_a_stored_cycle_loses_no_category() -> None:
    tree = build_tree([cat(1, parent=2), cat(2, parent=1), cat(3)], {})
    assert ids(tree) == [3, (1, [2])]


def test_cycles() -> None:
    parents = {1: None, 2: 1, 3: 2}
    assert creates_cycle(1, 3, parents)  # 1 under its grandchild
    assert creates_cycle(2, 2, parents)  # its own parent
    assert not creates_cycle(3, 1, parents)
    assert not creates_cycle(1, None, parents)
    assert not creates_cycle(None, 3, parents)  # a new category
