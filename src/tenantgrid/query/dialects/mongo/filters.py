"""MongoDB query documents -> the shared AST, with MongoDB's semantics (see the package docstring)."""

from __future__ import annotations

from typing import Any

from tenantgrid.query.ast import (
    MAX_DEPTH,
    And,
    Cond,
    Elem,
    Node,
    Not,
    Op,
    Or,
    Path,
    Scalar,
    Truth,
)
from tenantgrid.query.dialects.mongo.document import Document, bad, short, what
from tenantgrid.query.dialects.mongo.regex import pattern_of, pcre_escapes, regex_options, strip_extended
from tenantgrid.query.shape import json_kind

MAX_CONDITIONS = 256
"""Conditions one filter may hold (`$in` lists count once): each costs its compile time (~0.5 ms),
and ten thousand of them were seconds of CPU and more bind parameters than Postgres takes."""
COMPARISON_OPERATORS = {"$eq": Op.EQ, "$gt": Op.GT, "$gte": Op.GTE, "$lt": Op.LT, "$lte": Op.LTE}


def parse_match(document: Document, match: Any, depth: int = 0) -> Node:
    """One query document: the AND of its keys."""
    if not isinstance(match, dict):
        raise bad(f"a query is a JSON object, got {what(match)}")
    if depth > MAX_DEPTH:
        raise bad(f"queries may nest at most {MAX_DEPTH} levels")
    items = [_entry(document, key, value, depth) for key, value in match.items()]
    return _all(items)


def _entry(document: Document, key: str, value: Any, depth: int) -> Node:
    if key in ("$and", "$or", "$nor"):
        if not isinstance(value, list) or not value:
            raise bad(f"{key} takes a non-empty list of queries, got {what(value)}")
        parts = [parse_match(document, item, depth + 1) for item in value]
        if key == "$and":
            return _all(parts)
        either = _any(parts)
        return _negate(either) if key == "$nor" else either
    if key.startswith("$"):
        raise bad(f"unknown top-level operator {key}")
    head, _, rest = key.partition(".")
    column = document.keys.get(head)
    keys = tuple(rest.split(".")) if rest else ()
    if column is None:
        return _missing(value, depth)
    return _field(Path(column, keys), value, depth, relative=False)


def _field(path: Path, value: Any, depth: int, relative: bool) -> Node:
    """The conditions on one field: a value (implicit equality) or an object of operators."""
    if isinstance(value, dict) and value and all(k.startswith("$") for k in value):
        return _operators(path, value, depth, relative)
    if isinstance(value, dict) and any(k.startswith("$") for k in value):
        raise bad(f"cannot mix operators and fields in {short(value)}")
    return _equals(path, value)


def _equals(path: Path, value: Any) -> Node:
    if isinstance(value, dict | list):
        # A whole array or object equal to the value: compared as JSON by the jsonpath.
        raise bad(f"equality with a whole {what(value)} is not supported; use $elemMatch or a dotted path")
    return Cond(path, Op.EQ, _scalar(value), json=True)


def _operators(path: Path, operators: dict[str, Any], depth: int, relative: bool) -> Node:
    if depth > MAX_DEPTH:
        raise bad(f"queries may nest at most {MAX_DEPTH} levels")
    options = operators.get("$options")
    items: list[Node] = []
    for name, argument in operators.items():
        if name == "$options":
            if "$regex" not in operators:
                raise bad("$options needs $regex")
            continue
        items.append(_operator(path, name, argument, options, depth, relative))
    return _all(items)


def _operator(path: Path, name: str, argument: Any, options: Any, depth: int, relative: bool) -> Node:
    if name in COMPARISON_OPERATORS:
        value = _scalar(argument)
        if value is None and name != "$eq":
            # MongoDB: null is only equal to null (or a missing field), never less or greater
            return _equals(path, None) if name in ("$gte", "$lte") else Truth(False)
        return Cond(path, COMPARISON_OPERATORS[name], value, json=True)
    if name == "$ne":
        return _negate(_equals(path, argument))
    if name in ("$in", "$nin"):
        if not isinstance(argument, list):
            raise bad(f"{name} takes a list, got {what(argument)}")
        values = tuple(_scalar(v) for v in argument)
        found: Node
        if not values:
            found = Truth(False)
        elif path.keys or relative:
            found = Cond(path, Op.IN, values, json=True)
        else:
            found = _any(_in_column(path, values))
        return _negate(found) if name == "$nin" else found
    if name == "$all":
        if not isinstance(argument, list):
            raise bad(f"$all takes a list, got {what(argument)}")
        if not argument:
            return Truth(False)
        return _all([_equals(path, v) for v in argument])
    if name == "$exists":
        exists = bool(argument)
        if not path.keys and not relative:
            # A column is in every document, but SQL NULL stands for a key the document lacks
            # (DATAGERRY's types without `acl`): `{"acl": {"$exists": false}}` matches them.
            return Cond(path, Op.EXISTS, exists)
        return Cond(path, Op.EXISTS, exists, json=True)
    if name == "$size":
        if not isinstance(argument, int) or isinstance(argument, bool) or argument < 0:
            raise bad(f"$size takes a non-negative integer, got {short(argument)}")
        return Cond(path, Op.SIZE, argument, json=True)
    if name == "$regex":
        flags = regex_options(options)
        pattern = pattern_of(argument)
        if "x" in flags:
            pattern, flags = strip_extended(pattern), flags.replace("x", "")
        return Cond(path, Op.MATCH, (pcre_escapes(pattern), flags), json=True)
    if name == "$not":
        if not isinstance(argument, dict) or not argument or not all(k.startswith("$") for k in argument):
            raise bad(
                f'$not takes an object of operators, e.g. {{"$not": {{"$gt": 5}}}}, got {what(argument)}'
            )
        return _negate(_operators(path, argument, depth + 1, relative))
    if name == "$elemMatch":
        if not isinstance(argument, dict) or not argument:
            raise bad(f"$elemMatch takes a non-empty object, got {what(argument)}")
        if depth + 1 > MAX_DEPTH:
            raise bad(f"queries may nest at most {MAX_DEPTH} levels")
        return Elem(path, _element(argument, depth + 1), objects=not _on_element(argument))
    raise bad(f"unknown operator {name}")


def _in_column(path: Path, values: tuple[Scalar, ...]) -> list[Node]:
    """`$in` on a column: one condition per JSON kind of the values, each bound as one array, so
    that a list of 10,000 ids is one parameter (`col = ANY($1)`) and one shape whatever its length."""
    by_kind: dict[str, list[Scalar]] = {}
    for value in values:
        by_kind.setdefault(json_kind(value), []).append(value)
    nodes: list[Node] = []
    for kind, items in by_kind.items():
        if kind == "null" or len(items) == 1:
            nodes.append(Cond(path, Op.EQ, items[0], json=True))
        else:
            nodes.append(Cond(path, Op.IN, tuple(dict.fromkeys(items)), json=True))
    return nodes


def _on_element(query: dict[str, Any]) -> bool:
    """`{"$gt": 1}`: operators on the element itself, not a query of the element's fields."""
    return all(k.startswith("$") for k in query) and not any(k in ("$and", "$or", "$nor") for k in query)


def _element(query: dict[str, Any], depth: int) -> Node:
    """`$elemMatch`'s query: operators on the element itself, or fields of the element."""
    if _on_element(query):
        return _operators(Path(""), query, depth, relative=True)
    items: list[Node] = []
    for key, value in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(value, list) or not value:
                raise bad(f"{key} takes a non-empty list of queries, got {what(value)}")
            if not all(isinstance(item, dict) and item for item in value):
                raise bad(f"{key} takes a list of non-empty queries, got {short(value)}")
            parts = [_element(item, depth + 1) for item in value]
            either = _all(parts) if key == "$and" else _any(parts)
            items.append(_negate(either) if key == "$nor" else either)
        elif key.startswith("$"):
            raise bad(f"unknown operator {key} in $elemMatch")
        else:
            items.append(_field(Path("", tuple(key.split("."))), value, depth, relative=True))
    return _all(items)


def _missing(value: Any, depth: int) -> Node:
    """A field no document has: decide the condition without a row (MongoDB's answer for absent)."""
    if isinstance(value, dict) and value and all(k.startswith("$") for k in value):
        results = [_missing_operator(name, argument, value, depth) for name, argument in value.items()]
        return Truth(all(results))
    _field(Path("_"), value, depth, relative=True)  # validates the value as for a real field
    return Truth(value is None)


def _missing_operator(name: str, argument: Any, operators: dict[str, Any], depth: int) -> bool:
    if name != "$options":  # refused exactly as on a real field
        _operator(Path("_"), name, argument, operators.get("$options"), depth, relative=True)
    match name:
        case "$options":
            return True
        case "$eq":
            return argument is None
        case "$ne":
            return argument is not None
        case "$in":
            return None in argument
        case "$nin":
            return None not in argument
        case "$all":
            return bool(argument) and all(v is None for v in argument)
        case "$exists":
            return not argument
        case "$not":
            return not all(_missing_operator(k, v, argument, depth + 1) for k, v in argument.items())
        case "$gte" | "$lte":
            return argument is None
    return False


def _scalar(value: Any) -> Scalar:
    if isinstance(value, dict | list):
        raise bad(f"expected a string, number, boolean or null, got {what(value)}")
    if isinstance(value, str) and "\x00" in value:
        raise bad("text may not contain the NUL character")
    return value  # type: ignore[no-any-return]


def _negate(node: Node) -> Node:
    if isinstance(node, Truth):
        return Truth(not node.value)
    return Not(node, two_valued=True)


def _all(items: list[Node]) -> Node:
    if any(i == Truth(False) for i in items):
        return Truth(False)
    kept = [i for i in items if i != Truth(True)]
    if not kept:
        return Truth(True)
    return kept[0] if len(kept) == 1 else And(tuple(kept))


def _any(items: list[Node]) -> Node:
    if any(i == Truth(True) for i in items):
        return Truth(True)
    kept = [i for i in items if i != Truth(False)]
    if not kept:
        return Truth(False)
    return kept[0] if len(kept) == 1 else Or(tuple(kept))


def bounded(nodes: list[Node]) -> list[Node]:
    count, stack = 0, list(nodes)
    while stack:
        match stack.pop():
            case Cond():
                count += 1
            case Elem(item=item):
                count += 1
                stack.append(item)
            case Not(item=item):
                stack.append(item)
            case And(items=items) | Or(items=items):
                stack.extend(items)
    if count > MAX_CONDITIONS:
        raise bad(f"filter holds {count} conditions, more than {MAX_CONDITIONS}; use $in for lists of values")
    return nodes
