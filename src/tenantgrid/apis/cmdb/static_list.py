"""Listing a fixed, in-memory collection (the rights) with the same query parameters as the stored
ones: `filter` (a MongoDB filter over flat documents), `sort`, `order`, `page`, `limit`.

The stored collections go through the query core (`listing.py`); the 62 rights never change, so
they are filtered here, with Mongo's semantics for the operators a client sends them: implicit
equality, `$eq $ne $gt $gte $lt $lte $in $nin $exists $regex/$options $and $or $nor $not`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from tenantgrid.apis.cmdb import failures
from tenantgrid.apis.cmdb.context import query_int

MISSING = object()
MAX_DEPTH = 16
REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


@dataclass(frozen=True, slots=True)
class StaticListRequest:
    sort: str
    order: int
    page: int
    limit: int
    filter: Any
    projection: dict[str, Any] | None = None


def parse_static_list(request: Request, default_sort: str) -> StaticListRequest:
    params = request.query_params
    order = query_int(request, "order", 1)
    if order not in (1, -1):
        raise failures.bad_request("'order' must be 1 or -1", f"got {params.get('order', '')[:40]!r}")
    page = query_int(request, "page", 1, minimum=1)
    limit = query_int(request, "limit", 10, minimum=0)
    text = params.get("filter")
    flt: Any = {}
    if text is not None and text.strip():
        try:
            flt = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise failures.bad_request("'filter' is not valid JSON", text[:80]) from None
        if isinstance(flt, list):
            flt = {"$and": [_match_stage(stage) for stage in flt]} if flt else {}
        if not isinstance(flt, dict):
            raise failures.bad_request("'filter' must be a JSON object or a list of $match stages")
    assert order is not None and page is not None and limit is not None
    return StaticListRequest(params.get("sort") or default_sort, order, page, limit, flt)


def _match_stage(stage: Any) -> Any:
    if isinstance(stage, dict) and set(stage) == {"$match"}:
        return stage["$match"]
    name = next(iter(stage), "?") if isinstance(stage, dict) and stage else "?"
    raise failures.bad_request(
        f"Unsupported filter stage: {name}", "only $match stages filter this collection"
    )


def run_static_list(
    docs: list[dict[str, Any]], listing: StaticListRequest
) -> tuple[list[dict[str, Any]], int]:
    matched = [d for d in docs if matches(d, listing.filter, 0)]
    present = [d for d in matched if _sort_key(d.get(listing.sort, MISSING)) is not None]
    absent = [d for d in matched if d not in present]
    present.sort(key=lambda d: _sort_key(d[listing.sort]), reverse=listing.order == -1)  # type: ignore[arg-type,return-value]
    ordered = absent + present if listing.order == 1 else present + absent
    if listing.limit == 0:
        return ordered, len(matched)
    start = (listing.page - 1) * listing.limit
    return ordered[start : start + listing.limit], len(matched)


def _sort_key(value: Any) -> tuple[int, Any] | None:
    if value is MISSING or value is None:
        return None
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (3, orjson.dumps(value))


def matches(doc: Mapping[str, Any], flt: Any, depth: int) -> bool:
    if depth > MAX_DEPTH:
        raise failures.bad_request("The filter is nested too deeply")
    if not isinstance(flt, dict):
        raise failures.bad_request("A filter must be a JSON object")
    for key, condition in flt.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(condition, list) or not condition:
                raise failures.bad_request(f"{key} needs a non-empty list of filters")
            results = [matches(doc, item, depth + 1) for item in condition]
            ok = all(results) if key == "$and" else any(results) if key == "$or" else not any(results)
        elif key.startswith("$"):
            raise failures.bad_request(f"Unsupported filter operator: {key}")
        else:
            ok = _field(doc.get(key, MISSING), condition, depth + 1)
        if not ok:
            return False
    return True


def _field(value: Any, condition: Any, depth: int) -> bool:
    if isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition):
        options = condition.get("$options", "")
        return all(
            _operator(value, op, arg, options, depth) for op, arg in condition.items() if op != "$options"
        )
    return _equal(value, condition)


def _equal(value: Any, expected: Any) -> bool:
    if value is MISSING:
        return expected is None
    return (type(value) is type(expected) and value == expected) or (
        isinstance(value, int | float)
        and isinstance(expected, int | float)
        and not isinstance(value, bool)
        and not isinstance(expected, bool)
        and value == expected
    )


def _compare(value: Any, op: str, arg: Any) -> bool:
    if value is MISSING or value is None or arg is None:
        return False
    numbers = (int, float)
    same = (
        isinstance(value, numbers)
        and isinstance(arg, numbers)
        and not isinstance(value, bool)
        and not isinstance(arg, bool)
    ) or (isinstance(value, str) and isinstance(arg, str))
    if not same:
        return False
    return {"$gt": value > arg, "$gte": value >= arg, "$lt": value < arg, "$lte": value <= arg}[op]


def _operator(value: Any, op: str, arg: Any, options: Any, depth: int) -> bool:
    if op == "$eq":
        return _equal(value, arg)
    if op == "$ne":
        return not _equal(value, arg)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        return _compare(value, op, arg)
    if op in ("$in", "$nin"):
        if not isinstance(arg, list):
            raise failures.bad_request(f"{op} needs a list")
        found = any(_equal(value, item) for item in arg)
        return found if op == "$in" else not found
    if op == "$exists":
        return (value is not MISSING) == bool(arg)
    if op == "$regex":
        if not isinstance(arg, str) or not isinstance(options, str):
            raise failures.bad_request("$regex needs a string pattern and string $options")
        flags = 0
        for letter in options:
            if letter not in REGEX_FLAGS:
                raise failures.bad_request(f"Unsupported $options flag: {letter}")
            flags |= REGEX_FLAGS[letter]
        try:
            pattern = re.compile(arg, flags)
        except re.error as exc:
            raise failures.bad_request(f"Invalid $regex: {exc}") from None
        return isinstance(value, str) and pattern.search(value) is not None
    if op == "$not":
        return not _field(value, arg, depth + 1)
    raise failures.bad_request(f"Unsupported filter operator: {op}")
