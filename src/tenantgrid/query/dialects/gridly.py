"""Gridly's query parameters (seed 004) -> the shared query AST.

`page={"offset": n, "limit": m}` (limit 100 by default, at most 1000), `query={"<columnId>":
{"<op>": value, ...}, ...}` (columns AND-ed; several operators on one column AND-ed too),
`sort={"<columnId>": "asc"|"desc", ...}` (keys in order, then the records' own order), `columnIds=a,b`,
`afterRecordId`/`beforeRecordId`. JSON parameters arrive URL-decoded as text.

Every condition is on `Path("cells", (columnId,), declared=<kind>)`: the column's declared type
decides how a value is typed (a number column compares numbers, a datetime column timestamps, text
columns text, selections by membership) and which operators apply (`contains` on a number column is a
400). The negative operators match empty cells too (`Not(..., two_valued=True)`), as a person reading
the grid expects. Text matching is case-sensitive; `"caseSensitive": false` beside the operators
makes `=`, `contains`, `startsWith`, `endsWith` and `regex` (and their negatives) ignore case.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tenantgrid import errors
from tenantgrid.query.ast import (
    DECLARED_KEY,
    And,
    Cond,
    IsValue,
    Node,
    Not,
    Op,
    Page,
    Path,
    Query,
    SelectItem,
    SortKey,
    Truth,
)

RESOURCE = "gridly_records"
CELLS = "cells"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_LIST = 1000
MAX_OFFSET = 2**62

KIND_OF_TYPE: dict[str, str] = {
    "singleLine": "text",
    "multipleLines": "text",
    "richText": "text",
    "markdown": "text",
    "html": "text",
    "yaml": "text",
    "language": "text",
    "singleSelection": "text",
    "user": "text",
    "number": "number",
    "datetime": "timestamp",
    "boolean": "boolean",
    "multipleSelections": "set",
    "reference": "set",
    "files": "json",
    "json": "json",
    "lookup": "json",
    "formula": "json",
}
"""A Gridly column type -> the declared kind its values are compared as (`ast.DECLARED_KINDS`)."""

SPELLINGS: dict[str, tuple[str, bool]] = {
    "=": ("=", False),
    "!=": ("=", True),
    "<": ("<", False),
    "<=": ("<=", False),
    ">": (">", False),
    ">=": (">=", False),
    "contains": ("contains", False),
    "notContains": ("contains", True),
    "startsWith": ("startsWith", False),
    "notStartsWith": ("startsWith", True),
    "endsWith": ("endsWith", False),
    "notEndsWith": ("endsWith", True),
    "regex": ("regex", False),
    "regexp": ("regex", False),
    "notRegex": ("regex", True),
    "notRegexp": ("regex", True),
    "in": ("in", False),
    "notIn": ("in", True),
    "between": ("between", False),
    "notBetween": ("between", True),
    "isEmpty": ("isEmpty", False),
    "isNull": ("isEmpty", False),
    "isNotEmpty": ("isEmpty", True),
    "isNotNull": ("isEmpty", True),
}
"""Every operator name clients send -> (the operator, negated)."""

APPLIES: dict[str, frozenset[str]] = {
    "number": frozenset({"=", "<", "<=", ">", ">=", "in", "between", "isEmpty"}),
    "timestamp": frozenset({"=", "<", "<=", ">", ">=", "in", "between", "isEmpty"}),
    "text": frozenset(
        {"=", "<", "<=", ">", ">=", "contains", "startsWith", "endsWith", "regex", "in", "between", "isEmpty"}
    ),
    "boolean": frozenset({"=", "in", "isEmpty"}),
    "set": frozenset({"=", "contains", "in", "isEmpty"}),
    "json": frozenset({"=", "isEmpty"}),
}
RANGE_OPS = {"<": Op.LT, "<=": Op.LTE, ">": Op.GT, ">=": Op.GTE}
CASE_FLAG = "caseSensitive"


@dataclass(frozen=True, slots=True)
class RecordList:
    """A parsed records list: the filter on cells, the sort, the page, and what to show."""

    where: Node | None
    order: tuple[SortKey, ...]
    offset: int
    limit: int
    column_ids: tuple[str, ...] | None
    """`columnIds`, in the order asked (duplicates dropped); None: every column of the view."""
    after: str | None = None
    before: str | None = None


def invalid(parameter: str, message: str) -> errors.ApiError:
    """A 400 naming the parameter at fault (Gridly's `field`); `hint` carries the resource."""
    return errors.ApiError(400, "invalid", message, parameter, "record")


def parse_records_list(params: Mapping[str, str], columns: Mapping[str, str]) -> RecordList:
    """`columns`: the view's columns, id -> Gridly type, in the view's order."""
    offset, limit = parse_page(params.get("page"))
    where = parse_query(params.get("query"), columns)
    order = parse_sort(params.get("sort"), columns)
    return RecordList(
        where=where,
        order=order,
        offset=offset,
        limit=limit,
        column_ids=parse_column_ids(params.get("columnIds"), columns),
        after=_record_id(params, "afterRecordId"),
        before=_record_id(params, "beforeRecordId"),
    )


def records_query(grid_id: str, listing: RecordList, extra: tuple[Node, ...] = ()) -> Query:
    """The Query of one page of a grid's records: `extra` conditions (after/before a record) AND-ed."""
    items: list[Node] = [Cond(Path("grid_id"), Op.EQ, grid_id), *extra]
    if listing.where is not None:
        items.append(listing.where)
    select = tuple(
        SelectItem(Path(c))
        for c in ("id", "path", "cells", "cell_status", "last_modified_time", "last_modified_by")
    )
    return Query(
        resource=RESOURCE,
        where=And(tuple(items)),
        order=(*listing.order, SortKey(Path("position"))),
        page=Page(offset=listing.offset, limit=listing.limit),
        select=select,
        count=True,
    )


def cell_path(column_id: str, gridly_type: str) -> Path:
    return Path(CELLS, (column_id,), declared=KIND_OF_TYPE.get(gridly_type, "json"))


# -- parameters -----------------------------------------------------------------------------------


def _json(parameter: str, text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise invalid(parameter, f'Unable to parse "{parameter}".') from None


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def parse_page(text: str | None) -> tuple[int, int]:
    raw = _json("page", text)
    if raw is None:
        return 0, DEFAULT_LIMIT
    if not isinstance(raw, dict):
        raise invalid("page", 'Unable to parse "page": expected {"offset": n, "limit": m}.')
    offset = _count(raw, "offset", 0, MAX_OFFSET)
    limit = _count(raw, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    return offset, limit


def _count(raw: dict[str, Any], key: str, default: int, maximum: int) -> int:
    value = raw.get(key)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid("page", f'"page": "{key}" must be an integer of at least 0.')
    if value > maximum:
        raise invalid("page", f'"page": "{key}" must be at most {maximum}.')
    return value


def parse_column_ids(text: str | None, columns: Mapping[str, str]) -> tuple[str, ...] | None:
    if text is None:
        return None
    wanted: list[str] = []
    for part in text.split(","):
        column_id = part.strip()
        if not column_id or column_id in wanted:
            continue
        if column_id not in columns:
            raise invalid("columnIds", f'Column "{column_id[:80]}" is not a column of this view.')
        wanted.append(column_id)
    return tuple(wanted)


def _record_id(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not value:
        raise invalid(name, f'"{name}" must name a record.')
    return value


def parse_sort(text: str | None, columns: Mapping[str, str]) -> tuple[SortKey, ...]:
    raw = _json("sort", text)
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise invalid("sort", 'Unable to parse "sort": expected {"<columnId>": "asc"|"desc"}.')
    keys: list[SortKey] = []
    for column_id, direction in raw.items():
        _known(column_id, columns, "sort")
        if not isinstance(direction, str) or direction.lower() not in ("asc", "desc"):
            raise invalid("sort", f'"sort": the direction of "{column_id[:80]}" must be "asc" or "desc".')
        keys.append(SortKey(cell_path(column_id, columns[column_id]), descending=direction.lower() == "desc"))
    return tuple(keys)


def _known(column_id: str, columns: Mapping[str, str], parameter: str) -> None:
    if column_id not in columns or not DECLARED_KEY.fullmatch(column_id):
        raise invalid(parameter, f'Column "{column_id[:80]}" is not a column of this view.')


def parse_query(text: str | None, columns: Mapping[str, str]) -> Node | None:
    raw = _json("query", text)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid("query", 'Unable to parse "query": expected {"<columnId>": {"<operator>": value}}.')
    items: list[Node] = []
    for column_id, operators in raw.items():
        _known(column_id, columns, "query")
        if not isinstance(operators, dict):
            raise invalid(
                "query", f'"query": the value of "{column_id[:80]}" must be an object of operators.'
            )
        items.extend(_column_conditions(column_id, columns[column_id], operators))
    if not items:
        return None
    return items[0] if len(items) == 1 else And(tuple(items))


def _column_conditions(column_id: str, gridly_type: str, operators: dict[str, Any]) -> list[Node]:
    flag = operators.get(CASE_FLAG, True)
    if not isinstance(flag, bool):
        raise invalid("query", f'"query": "{CASE_FLAG}" must be true or false.')
    path = cell_path(column_id, gridly_type)
    nodes: list[Node] = []
    for name, value in operators.items():
        if name == CASE_FLAG:
            continue
        spelling = SPELLINGS.get(name)
        if spelling is None:
            raise invalid("query", f'"query": unknown operator "{name[:40]}".')
        operator, negated = spelling
        if operator not in APPLIES[path.declared or "json"]:
            raise invalid(
                "query",
                f'"query": operator "{name}" does not apply to column "{column_id}" of type {gridly_type}.',
            )
        node = _condition(path, operator, value, flag, column_id)
        nodes.append(_negate(node) if negated else node)
    return nodes


def _negate(node: Node) -> Node:
    if isinstance(node, Truth):
        return Truth(not node.value)
    if isinstance(node, Cond) and node.op is Op.IS:
        flipped = IsValue.NOT_NULL if node.value is IsValue.NULL else IsValue.NULL
        return Cond(node.path, Op.IS, flipped)
    return Not(node, two_valued=True)


def _condition(path: Path, operator: str, value: Any, case_sensitive: bool, column_id: str) -> Node:
    kind = path.declared or "json"
    if operator == "isEmpty":
        return Cond(path, Op.IS, IsValue.NULL)
    if operator == "in":
        items = _list(value, column_id, operator)
        if not items:
            return Truth(False)
        if kind == "set":
            return Cond(path, Op.IN, tuple(_text(v, column_id) for v in items))
        return Cond(path, Op.IN, tuple(_typed(kind, v, column_id) for v in items))
    if operator == "between":
        items = _list(value, column_id, operator)
        if len(items) != 2:
            raise invalid("query", f'"query": "between" on "{column_id}" takes a list of two values.')
        low, high = (_typed(kind, v, column_id) for v in items)
        return Cond(path, Op.BETWEEN, (low, high))
    if operator in RANGE_OPS:
        return Cond(path, RANGE_OPS[operator], _typed(kind, value, column_id))
    if kind == "set" and operator in ("=", "contains"):
        if _is_empty(value):
            return Cond(path, Op.IS, IsValue.NULL)
        return Cond(path, Op.CONTAINS, json.dumps([_text(value, column_id)]))
    if operator == "=":
        if _is_empty(value):
            return Cond(path, Op.IS, IsValue.NULL)
        if kind == "text" and not case_sensitive:
            return Cond(path, Op.ILIKE, _escape_like(_text(value, column_id)))
        return Cond(path, Op.EQ, _typed(kind, value, column_id))
    text = _text(value, column_id)
    if operator == "regex":
        return Cond(path, Op.MATCH if case_sensitive else Op.IMATCH, text)
    if not case_sensitive:
        escaped = _escape_like(text)
        pattern = {"contains": f"%{escaped}%", "startsWith": f"{escaped}%", "endsWith": f"%{escaped}"}
        return Cond(path, Op.ILIKE, pattern[operator])
    op = {"contains": Op.CONTAINS_TEXT, "startsWith": Op.STARTS_WITH, "endsWith": Op.ENDS_WITH}[operator]
    return Cond(path, op, text)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _list(value: Any, column_id: str, operator: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid("query", f'"query": "{operator}" on "{column_id}" takes a list.')
    if len(value) > MAX_LIST:
        raise invalid("query", f'"query": "{operator}" takes at most {MAX_LIST} values.')
    return value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text(value: Any, column_id: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise invalid("query", f'"query": the value for "{column_id}" must be a string.')
    if isinstance(value, float) and not math.isfinite(value):
        raise invalid("query", f'"query": the value for "{column_id}" must be a string.')
    return str(value)


def _typed(kind: str, value: Any, column_id: str) -> str:
    """The value as JSON text of the column's kind (compared as jsonb with the stored cell)."""
    match kind:
        case "number":
            return json.dumps(number_value(value, column_id, "query"))
        case "timestamp":
            return json.dumps(timestamp_value(value, column_id, "query"))
        case "boolean":
            if isinstance(value, bool):
                return json.dumps(value)
            if value in ("true", "false"):
                return value
            raise invalid("query", f'"query": the value for "{column_id}" must be true or false.')
        case "text":
            return json.dumps(_text(value, column_id))
    return json.dumps(value)


def number_value(value: Any, column_id: str, parameter: str) -> int | float:
    """A JSON number, or a string holding one; anything else is a 400 naming the column."""
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            parsed = math.nan
        if math.isfinite(parsed):
            return int(parsed) if parsed.is_integer() and abs(parsed) < 2**53 else parsed
    elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    raise invalid(parameter, f'The value for column "{column_id}" must be a number.')


def timestamp_value(value: Any, column_id: str, parameter: str) -> str:
    """An ISO 8601 date or date-time as the one fixed-width UTC text cells keep
    (`2024-01-02T03:04:05.000Z`): its text order is time order. No zone means UTC."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            try:
                moment = moment.astimezone(UTC)
            except OverflowError:
                moment = None
        if moment is not None and 1 <= moment.year <= 9999:
            m = moment
            return (
                f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}."
                f"{m.microsecond // 1000:03d}Z"
            )
    raise invalid(parameter, f'The value for column "{column_id}" must be an ISO 8601 date-time.')
