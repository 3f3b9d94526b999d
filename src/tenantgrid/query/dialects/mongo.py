"""The CMDB's query dialect (seed 001): MongoDB filters, sort/order, page/limit and projection.

`filter` is a JSON object (one `$match`) or a list of pipeline stages (`$match`, `$sort`, `$skip`,
`$limit`, `$project`). Every condition keeps its value's JSON type (`Cond.json`), so the compiler
can follow MongoDB: `{"a": 5}` does not match `"5"`, a condition on an array matches when any
element does, and `$ne`/`$nin`/`$not`/`$nor` match documents where the field is missing or null.

A `Document` says which keys a resource's documents have and which column holds each. A key it does
not list is a field that no document has: a condition on it is decided here (`Truth`), never sent to
Postgres, so secret columns (a user's password hash) cannot even be probed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tenantgrid import errors
from tenantgrid.http.integers import parse_bigint
from tenantgrid.query.ast import (
    MAX_DEPTH,
    And,
    Cond,
    Elem,
    Node,
    Not,
    Nulls,
    Op,
    Or,
    Page,
    Path,
    Query,
    Scalar,
    SortKey,
    Truth,
)
from tenantgrid.query.shape import json_kind

CODE = "CMDB400"
DEFAULT_LIMIT = 10
MAX_NUMBER_DIGITS = 300
"""Numbers in a filter longer than this are refused (Postgres would compare them, but no CMDB value
is that long, and a megabyte of digits is only load)."""
MAX_JSON_DEPTH = 100
MAX_CONDITIONS = 256
"""Conditions one filter may hold (`$in` lists count once): each costs its compile time (~0.5 ms),
and ten thousand of them were seconds of CPU and more bind parameters than Postgres takes."""
MAX_BIGINT = 2**63 - 1
REGEX_OPTIONS = frozenset("imsx")
COMPARISON_OPERATORS = {"$eq": Op.EQ, "$gt": Op.GT, "$gte": Op.GTE, "$lt": Op.LT, "$lte": Op.LTE}
STAGES = ("$match", "$sort", "$skip", "$limit", "$project")


@dataclass(frozen=True, slots=True)
class Document:
    """How one CMDB resource looks as a MongoDB document: document key -> column of `resource`."""

    resource: str
    keys: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ListRequest:
    query: Query
    sort: str
    order: int
    page: int
    limit: int
    filter: Any
    projection: dict[str, Any] | None


def bad(message: str) -> errors.ApiError:
    return errors.ApiError(400, CODE, message)


# -- the request's parameters ----------------------------------------------------------------------


def parse_list(
    document: Document,
    params: Mapping[str, str],
    *,
    default_sort: str = "public_id",
    extra_where: Node | None = None,
) -> ListRequest:
    limit = _integer(params, "limit", DEFAULT_LIMIT, minimum=0)
    page = _integer(params, "page", 1, minimum=1)
    order = _integer(params, "order", 1, minimum=-1)
    if order not in (1, -1):
        raise bad(f"order must be 1 or -1, got {params.get('order')!r}")
    sort = params.get("sort") or default_sort
    text = params.get("filter")
    raw_filter: Any = {} if text is None or not text.strip() else loads(text, "filter")
    stages = _stages(raw_filter)
    where_items: list[Node] = _bounded([parse_match(document, match) for match in stages.matches])
    if extra_where is not None:
        where_items.append(extra_where)
    where_items = [item for item in where_items if item != Truth(True)]
    where: Node | None = None
    if len(where_items) == 1:
        where = where_items[0]
    elif where_items:
        where = And(tuple(where_items))
    sort_keys = stages.sort or ((sort, order),)
    offset = (page - 1) * limit + stages.skip
    effective_limit: int | None = limit or None
    if stages.limit is not None:
        effective_limit = stages.limit if effective_limit is None else min(effective_limit, stages.limit)
    if offset > MAX_BIGINT:
        raise bad(f"page {page} (with $skip {stages.skip}) is beyond the last possible page")
    projection_text = params.get("projection")
    projection = stages.project
    if projection_text is not None and projection_text.strip():
        projection = _projection(loads(projection_text, "projection"))
    query = Query(
        resource=document.resource,
        where=where,
        order=_sort_keys(document, sort_keys),
        page=Page(offset, effective_limit),
        count=True,
    )
    return ListRequest(query, sort, order, page, limit, raw_filter, projection)


def parse_filter(document: Document, text: str) -> Node | None:
    """A `filter` parameter alone (an object, or a pipeline of `$match` stages)."""
    stages = _stages(loads(text, "filter"))
    nodes = _bounded([parse_match(document, m) for m in stages.matches])
    nodes = [n for n in nodes if n != Truth(True)]
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def loads(text: str, name: str) -> Any:
    """JSON as the CMDB accepts it: no NaN or Infinity, no number longer than MAX_NUMBER_DIGITS."""

    def number(literal: str) -> int | float:
        if len(literal) > MAX_NUMBER_DIGITS:
            raise ValueError(f"a number of {len(literal)} digits")
        value = float(literal) if any(c in literal for c in ".eE") else int(literal)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{literal} is out of range")
        return value

    def constant(literal: str) -> Any:
        raise ValueError(f"{literal} is not JSON")

    try:
        value = json.loads(text, parse_int=number, parse_float=number, parse_constant=constant)
    except RecursionError:
        raise bad(f"{name} nests too deeply") from None
    except ValueError as exc:
        raise bad(f"{name} is not valid JSON ({exc}): {_clip(text)}") from None
    _check_text(value, name)
    return value


def _check_text(value: Any, name: str) -> None:
    """Refuse text Postgres cannot hold (NUL) or UTF-8 cannot encode (a lone `\\ud800` escape), and
    JSON nested deeper than MAX_JSON_DEPTH (MongoDB's own limit for documents)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list) and depth >= MAX_JSON_DEPTH:
            raise bad(f"{name} nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise bad(f"{name} may not contain the NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = ord(item[exc.start])
                raise bad(f"{name} holds a lone surrogate \\u{code:04x}, which is not text") from None


def _bounded(nodes: list[Node]) -> list[Node]:
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


def _integer(params: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    value = parse_bigint(text, signed=True)
    if value is None or value < minimum:
        raise bad(f"{name} must be an integer of at least {minimum}, got {text!r}")
    return value


@dataclass(slots=True)
class _Stages:
    matches: list[Any]
    sort: tuple[tuple[str, int], ...] = ()
    skip: int = 0
    limit: int | None = None
    project: dict[str, Any] | None = None


def _stages(raw: Any) -> _Stages:
    if isinstance(raw, dict):
        return _Stages([raw])
    if not isinstance(raw, list):
        raise bad(f"filter must be a JSON object or a list of stages, got {_what(raw)}")
    stages = _Stages([])
    for stage in raw:
        if not isinstance(stage, dict) or len(stage) != 1:
            raise bad(f"a pipeline stage is an object with one operator, got {_short(stage)}")
        ((name, body),) = stage.items()
        if name == "$match":
            if not isinstance(body, dict):
                raise bad(f"$match takes an object, got {_what(body)}")
            stages.matches.append(body)
        elif name == "$sort":
            if not isinstance(body, dict) or not body:
                raise bad(f"$sort takes an object of fields and 1 or -1, got {_what(body)}")
            for key, direction in body.items():
                if direction not in (1, -1) or isinstance(direction, bool):
                    raise bad(f"$sort direction of {key!r} must be 1 or -1")
            stages.sort = tuple(body.items())
        elif name in ("$skip", "$limit"):
            low = 0 if name == "$skip" else 1
            if not isinstance(body, int) or isinstance(body, bool) or not low <= body <= MAX_BIGINT:
                raise bad(f"{name} takes an integer from {low} to {MAX_BIGINT}, got {_short(body)}")
            if name == "$skip":
                stages.skip += body
            else:
                stages.limit = body if stages.limit is None else min(stages.limit, body)
        elif name == "$project":
            stages.project = _projection(body)
        else:
            raise bad(f"unsupported pipeline stage {name}: only {', '.join(STAGES)} are")
    return stages


def _projection(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise bad(f"projection must be a JSON object, got {_what(raw)}")
    for key, value in raw.items():
        if not isinstance(value, bool | int):
            raise bad(f"projection of {key!r} must be 1/0 or true/false, got {_short(value)}")
    return raw


def _sort_keys(document: Document, keys: tuple[tuple[str, int], ...]) -> tuple[SortKey, ...]:
    """Unknown paths sort nothing (MongoDB: every document lacks them); public_id breaks ties."""
    out: list[SortKey] = []
    for name, direction in keys:
        head, _, rest = name.partition(".")
        column = document.keys.get(head)
        if column is None:
            continue
        descending = direction == -1
        if not rest:
            out.append(SortKey(Path(column), descending))
            continue
        # MongoDB sorts a missing value as the lowest: first ascending, last descending.
        nulls = Nulls.LAST if descending else Nulls.FIRST
        if head == "fields" and "." not in rest:
            out.append(SortKey(Path(column, (rest,), by_name=True), descending, nulls))
        else:
            # lax: a path into a column that holds no JSON (`name.x`) sorts as missing, as in MongoDB
            out.append(SortKey(Path(column, tuple(rest.split(".")), lax=True), descending, nulls))
    tiebreak = document.keys.get("public_id")
    if tiebreak is not None and not any(k.path == Path(tiebreak) for k in out):
        out.append(SortKey(Path(tiebreak)))
    return tuple(out)


# -- filters ---------------------------------------------------------------------------------------


def parse_match(document: Document, match: Any, depth: int = 0) -> Node:
    """One query document: the AND of its keys."""
    if not isinstance(match, dict):
        raise bad(f"a query is a JSON object, got {_what(match)}")
    if depth > MAX_DEPTH:
        raise bad(f"queries may nest at most {MAX_DEPTH} levels")
    items = [_entry(document, key, value, depth) for key, value in match.items()]
    return _all(items)


def _entry(document: Document, key: str, value: Any, depth: int) -> Node:
    if key in ("$and", "$or", "$nor"):
        if not isinstance(value, list) or not value:
            raise bad(f"{key} takes a non-empty list of queries, got {_what(value)}")
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
        raise bad(f"cannot mix operators and fields in {_short(value)}")
    return _equals(path, value)


def _equals(path: Path, value: Any) -> Node:
    if isinstance(value, dict | list):
        # A whole array or object equal to the value: compared as JSON by the jsonpath.
        raise bad(f"equality with a whole {_what(value)} is not supported; use $elemMatch or a dotted path")
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
            raise bad(f"{name} takes a list, got {_what(argument)}")
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
            raise bad(f"$all takes a list, got {_what(argument)}")
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
            raise bad(f"$size takes a non-negative integer, got {_short(argument)}")
        return Cond(path, Op.SIZE, argument, json=True)
    if name == "$regex":
        flags = _regex_options(options)
        pattern = _pattern(argument)
        if "x" in flags:
            pattern, flags = strip_extended(pattern), flags.replace("x", "")
        return Cond(path, Op.MATCH, (pcre_escapes(pattern), flags), json=True)
    if name == "$not":
        if not isinstance(argument, dict) or not argument or not all(k.startswith("$") for k in argument):
            raise bad(
                f'$not takes an object of operators, e.g. {{"$not": {{"$gt": 5}}}}, got {_what(argument)}'
            )
        return _negate(_operators(path, argument, depth + 1, relative))
    if name == "$elemMatch":
        if not isinstance(argument, dict) or not argument:
            raise bad(f"$elemMatch takes a non-empty object, got {_what(argument)}")
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
                raise bad(f"{key} takes a non-empty list of queries, got {_what(value)}")
            if not all(isinstance(item, dict) and item for item in value):
                raise bad(f"{key} takes a list of non-empty queries, got {_short(value)}")
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


def _regex_options(options: Any) -> str:
    if options is None:
        return ""
    if not isinstance(options, str) or not set(options) <= REGEX_OPTIONS:
        raise bad(f"$options may hold only the letters i, m, s and x, got {_short(options)}")
    return "".join(sorted(set(options)))


def strip_extended(pattern: str) -> str:
    """The `x` option done here (Postgres's jsonpath has no `x` flag): whitespace and `#` comments
    outside character classes are dropped; escaped characters and classes are kept as written."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            # `[]...]` and `[^]...]`: a `]` right after the opening is a member, not the end
            for prefix in ("^]", "]", "^"):
                if pattern.startswith(prefix, i + 1):
                    out.append(prefix)
                    i += len(prefix)
                    break
        elif char == "#":
            end = pattern.find("\n", i)
            i = n if end < 0 else end
            continue
        elif not char.isspace():
            out.append(char)
        i += 1
    return "".join(out)


PCRE_ESCAPES = {"b": "\\y", "B": "\\Y", "z": "\\Z"}
"""PCRE's word boundary and end of text, as Postgres's regular expressions write them (there `\\b`
is a backspace and `\\z` is no escape at all)."""


def pcre_escapes(pattern: str) -> str:
    """`\\b`, `\\B` and `\\z` outside character classes in Postgres's spelling; the rest as written."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            pair = pattern[i : i + 2]
            out.append(pair if in_class else PCRE_ESCAPES.get(pattern[i + 1], pair))
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            for prefix in ("^]", "]", "^"):  # `[]...]`: a `]` right after the opening is a member
                if pattern.startswith(prefix, i + 1):
                    out.append(prefix)
                    i += len(prefix)
                    break
        else:
            if char == "]" and in_class:
                in_class = False
            out.append(char)
        i += 1
    return "".join(out)


def _pattern(argument: Any) -> str:
    if not isinstance(argument, str):
        raise bad(f"$regex takes a string, got {_what(argument)}")
    if "\x00" in argument:
        raise bad("$regex may not contain the NUL character")
    return argument


def _scalar(value: Any) -> Scalar:
    if isinstance(value, dict | list):
        raise bad(f"expected a string, number, boolean or null, got {_what(value)}")
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


def _kind(value: Any) -> str:
    match value:
        case dict():
            return "an object"
        case list():
            return "a list"
        case str():
            return "a string"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case None:
            return "null"
    return type(value).__name__


def _short(value: Any) -> str:
    return _clip(json.dumps(value, ensure_ascii=False, default=str))


def _clip(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _what(value: Any) -> str:
    """`an object {"a": 1}`: the kind of a value and the value itself, for error messages."""
    return f"{_kind(value)} {_short(value)}"


# -- projection ------------------------------------------------------------------------------------


def project(doc: dict[str, Any], projection: dict[str, Any] | None) -> dict[str, Any]:
    """MongoDB projection of a finished document: `{a: 1, b: 1}` keeps those keys (and public_id
    unless `public_id: 0`), `{a: 0}` drops them; dotted keys reach into nested objects."""
    if not projection:
        return doc
    include = {k for k, v in projection.items() if v}
    exclude = {k for k, v in projection.items() if not v}
    if include:
        if "public_id" not in exclude and "public_id" in doc:
            include.add("public_id")
        out: dict[str, Any] = {}
        for key in include:
            _copy_path(doc, out, key.split("."))
        return out
    out = dict(doc)
    for key in exclude:
        _drop_path(out, key.split("."))
    return out


def _copy_path(source: Any, target: dict[str, Any], parts: list[str]) -> None:
    if not isinstance(source, dict) or parts[0] not in source:
        return
    head, rest = parts[0], parts[1:]
    if not rest:
        target[head] = source[head]
        return
    value = source[head]
    if isinstance(value, dict):
        child = target.setdefault(head, {})
        if isinstance(child, dict):
            _copy_path(value, child, rest)
    elif isinstance(value, list):
        picked = []
        for item in value:
            if isinstance(item, dict):
                part: dict[str, Any] = {}
                _copy_path(item, part, rest)
                picked.append(part)
        target[head] = picked


def _drop_path(target: Any, parts: list[str]) -> None:
    if isinstance(target, list):
        for item in target:
            _drop_path(item, parts)
        return
    if not isinstance(target, dict) or parts[0] not in target:
        return
    if len(parts) == 1:
        del target[parts[0]]
        return
    child = target[parts[0]] = _copied(target[parts[0]])
    _drop_path(child, parts[1:])


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value
