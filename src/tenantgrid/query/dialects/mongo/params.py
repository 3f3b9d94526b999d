"""A list request's parameters: `filter` (a query or a pipeline of stages), `sort`, `order`, `page`,
`limit` and `projection`, parsed into one `Query`."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tenantgrid.http.integers import parse_bigint
from tenantgrid.query.ast import (
    And,
    Node,
    Nulls,
    Page,
    Path,
    Query,
    SortKey,
    Truth,
)
from tenantgrid.query.dialects.mongo.document import Document, bad, clip, short, what
from tenantgrid.query.dialects.mongo.filters import bounded, parse_match

DEFAULT_LIMIT = 10
MAX_NUMBER_DIGITS = 300
"""Numbers in a filter longer than this are refused (Postgres would compare them, but no CMDB value
is that long, and a megabyte of digits is only load)."""
MAX_JSON_DEPTH = 100
MAX_BIGINT = 2**63 - 1
STAGES = ("$match", "$sort", "$skip", "$limit", "$project")


@dataclass(frozen=True, slots=True)
class ListRequest:
    query: Query
    sort: str
    order: int
    page: int
    limit: int
    filter: Any
    projection: dict[str, Any] | None


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
    where_items: list[Node] = bounded([parse_match(document, match) for match in stages.matches])
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
    nodes = bounded([parse_match(document, m) for m in stages.matches])
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
        raise bad(f"{name} is not valid JSON ({exc}): {clip(text)}") from None
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
        raise bad(f"filter must be a JSON object or a list of stages, got {what(raw)}")
    stages = _Stages([])
    for stage in raw:
        if not isinstance(stage, dict) or len(stage) != 1:
            raise bad(f"a pipeline stage is an object with one operator, got {short(stage)}")
        ((name, body),) = stage.items()
        if name == "$match":
            if not isinstance(body, dict):
                raise bad(f"$match takes an object, got {what(body)}")
            stages.matches.append(body)
        elif name == "$sort":
            if not isinstance(body, dict) or not body:
                raise bad(f"$sort takes an object of fields and 1 or -1, got {what(body)}")
            for key, direction in body.items():
                if direction not in (1, -1) or isinstance(direction, bool):
                    raise bad(f"$sort direction of {key!r} must be 1 or -1")
            stages.sort = tuple(body.items())
        elif name in ("$skip", "$limit"):
            low = 0 if name == "$skip" else 1
            if not isinstance(body, int) or isinstance(body, bool) or not low <= body <= MAX_BIGINT:
                raise bad(f"{name} takes an integer from {low} to {MAX_BIGINT}, got {short(body)}")
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
        raise bad(f"projection must be a JSON object, got {what(raw)}")
    for key, value in raw.items():
        if not isinstance(value, bool | int):
            raise bad(f"projection of {key!r} must be 1/0 or true/false, got {short(value)}")
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
