"""PostgREST's query-string grammar, parsed into the query AST.

A pure parser: no database and no catalog (the compiler checks that columns exist and types values).
Values stay the text the client sent. Every syntax error is a 400 PGRST100 whose message quotes the
bad input, as PostgREST's do (`failed to parse filter (noop.0)`), with `details` saying what was wrong.

Internally the grammar functions raise `_Fail(details)`; each public function turns that into the
`ApiError` naming its own grammar and input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from tenantgrid.errors import parse_error, range_error
from tenantgrid.http.integers import BIGINT_MAX, is_ascii_integer, parse_bigint
from tenantgrid.query.ast import (
    MAX_DEPTH,
    And,
    Cond,
    IsValue,
    Node,
    Not,
    Nulls,
    Op,
    Or,
    Path,
    Quantifier,
    Scalar,
    SelectItem,
    SortKey,
)

RESERVED = frozenset(
    {"select", "order", "limit", "offset", "or", "and", "not.or", "not.and", "columns", "on_conflict"}
)

OPERATORS: dict[str, Op] = {
    "eq": Op.EQ, "neq": Op.NEQ, "gt": Op.GT, "gte": Op.GTE, "lt": Op.LT, "lte": Op.LTE,
    "like": Op.LIKE, "ilike": Op.ILIKE, "match": Op.MATCH, "imatch": Op.IMATCH,
    "in": Op.IN, "is": Op.IS, "isdistinct": Op.IS_DISTINCT,
    "cs": Op.CONTAINS, "cd": Op.CONTAINED, "ov": Op.OVERLAPS,
    "sl": Op.STRICTLY_LEFT, "sr": Op.STRICTLY_RIGHT, "nxr": Op.NOT_EXTENDS_RIGHT, "nxl": Op.NOT_EXTENDS_LEFT,
    "adj": Op.ADJACENT,
    "fts": Op.FTS, "plfts": Op.PLFTS, "phfts": Op.PHFTS, "wfts": Op.WFTS,
}  # fmt: skip
_QUANTIFIABLE = frozenset(
    {Op.EQ, Op.NEQ, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.LIKE, Op.ILIKE, Op.MATCH, Op.IMATCH}
)
_FTS = frozenset({Op.FTS, Op.PLFTS, Op.PHFTS, Op.WFTS})
_WILDCARD = frozenset({Op.LIKE, Op.ILIKE})  # `*` stands for `%`
_LOGIC = {"or": Or, "and": And}
_NAME_FORBIDDEN = frozenset('.,()":*{}')
_QUOTE_OPENERS = frozenset(" .,(:{>")  # a `"` opens a quoted string only at the start of a token
_CAST = re.compile(r"[A-Za-z0-9_ \[\]]+")
_LANGUAGE = re.compile(r"[A-Za-z0-9_.]+")
_OPERATOR_LIST = ", ".join(OPERATORS)


@dataclass(frozen=True, slots=True)
class Params:
    where: Node | None
    order: tuple[SortKey, ...]
    select: tuple[SelectItem, ...]
    offset: int
    limit: int | None
    columns: tuple[str, ...] | None
    on_conflict: tuple[str, ...] | None


class _Fail(Exception):
    """A syntax error; the argument is the `details` of the eventual PGRST100."""


_T = TypeVar("_T")


def _q(text: str) -> str:
    """An input fragment quoted in `details`, clipped so details stay short."""
    return text if len(text) <= 40 else text[:37] + "..."


def _guarded(message: str, parse: Callable[[], _T]) -> _T:
    try:
        return parse()
    except _Fail as fail:
        raise parse_error(message, str(fail)) from None


# -- lexical helpers ---------------------------------------------------------------------------


def _top(text: str, brackets: str = "(){}") -> list[int]:
    """Indices of `text` outside double quotes and outside bracket pairs (a depth-0 pair's own
    brackets count as outside). Raises on unbalanced brackets or an unterminated quote."""
    closer = dict(zip(brackets[0::2], brackets[1::2], strict=True))
    stack: list[str] = []
    top: list[int] = []
    quoted, i = False, 0
    while i < len(text):
        c = text[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"' and (i == 0 or text[i - 1] in _QUOTE_OPENERS):
            quoted = True
        elif c in closer:
            if not stack:
                top.append(i)
            stack.append(closer[c])
        elif c in closer.values():
            if not stack or stack.pop() != c:
                raise _Fail(f'unexpected "{c}"')
            if not stack:
                top.append(i)
        elif not stack:
            top.append(i)
        i += 1
    if quoted:
        raise _Fail("unterminated double-quoted string")
    if stack:
        raise _Fail(f'unexpected end of input, expecting "{stack[-1]}"')
    return top


def _split(text: str, brackets: str = "(){}") -> list[str]:
    """Split on the commas outside quotes and brackets."""
    parts, start = [], 0
    for i in _top(text, brackets):
        if text[i] == ",":
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _find(text: str, token: str) -> int:
    """Index of the first `token` outside quotes and brackets, or -1."""
    top = _top(text)
    outside = set(top)
    for i in top:
        if text.startswith(token, i) and all(j in outside for j in range(i, i + len(token))):
            return i
    return -1


def _unquote(text: str) -> str | None:
    """The content of `text` if it is exactly one double-quoted string (`\\` escapes), else None."""
    if len(text) < 2 or text[0] != '"':
        return None
    out, i = [], 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif c == '"':
            return "".join(out) if i == len(text) - 1 else None
        else:
            out.append(c)
            i += 1
    return None


def _read_name(text: str, pos: int, what: str = "column name") -> tuple[str, int, bool]:
    """A quoted or bare name starting at `pos`: (name, position after it, was quoted)."""
    if text.startswith('"', pos):
        end = pos + 1
        while end < len(text) and text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        name = _unquote(text[pos : end + 1])
        if name is None:
            raise _Fail(f"unterminated double-quoted {what}")
        if not name:
            raise _Fail(f"empty {what}")
        return name, end + 1, True
    end = pos
    while end < len(text) and not text.startswith("->", end):
        if text[end] in _NAME_FORBIDDEN:
            raise _Fail(f'unexpected "{text[end]}" in {what} "{_q(text[pos:])}"')
        end += 1
    if end == pos:
        raise _Fail(f"empty {what}")
    if text[pos] == ">":
        raise _Fail(f'unexpected ">" in {what} "{_q(text[pos:])}"')
    return text[pos:end], end, False


def _name(text: str, what: str = "column name") -> str:
    """A whole string as one name (no JSON arrows)."""
    name, end, _ = _read_name(text, 0, what)
    if end != len(text):
        raise _Fail(f'unexpected "{_q(text[end:])}" after {what} "{_q(name)}"')
    return name


def _path(text: str) -> Path:
    """`col`, `"my col"`, `col->key`, `col->0`, `col->a->>b`: ->> only as the last arrow."""
    column, pos, _ = _read_name(text, 0)
    keys: list[str | int] = []
    as_text = False
    while pos < len(text):
        if as_text:
            raise _Fail(f'"->>" may only be the last arrow of a JSON path ({_q(text)})')
        if not text.startswith("->", pos):
            raise _Fail(f'unexpected "{_q(text[pos:])}" after column name "{_q(column)}"')
        arrow = "->>" if text.startswith("->>", pos) else "->"
        as_text = arrow == "->>"
        key, pos, quoted = _read_name(text, pos + len(arrow), "JSON key")
        keys.append(key if quoted else _json_key(key))
    return Path(column, tuple(keys), as_text)


def _json_key(key: str) -> str | int:
    """An unquoted integer key indexes a JSON array (Postgres takes an int4 index); anything else,
    a number too large for an index included, is an object key."""
    index = parse_bigint(key, signed=True)
    return index if index is not None and -(2**31) <= index < 2**31 else key


# -- values ------------------------------------------------------------------------------------


def _in_list(text: str) -> tuple[str, ...]:
    """`(1,2,"a,b")`: unquoted elements verbatim, quoted ones unquoted."""
    if len(text) < 2 or text[0] != "(" or text[-1] != ")":
        raise _Fail(f'expecting a parenthesised list after "in.", got "{_q(text)}"')
    inner = text[1:-1]
    if not inner.strip():
        return ()
    items: list[str] = []
    for raw in _split(inner, brackets=""):
        unquoted = _unquote(raw.strip())
        if unquoted is None and ")" in raw:
            raise _Fail(f'unexpected ")" in list element "{_q(raw)}"; quote it')
        items.append(raw if unquoted is None else unquoted)
    return tuple(items)


def _pg_array(text: str) -> tuple[Scalar, ...]:
    """A Postgres array literal `{a,"b,c",NULL}`: unquoted elements trimmed, unquoted NULL is None."""
    if len(text) < 2 or text[0] != "{" or text[-1] != "}":
        raise _Fail(f'expecting an array literal {{...}}, got "{_q(text)}"')
    inner = text[1:-1]
    if not inner.strip():
        return ()
    items: list[Scalar] = []
    for raw in _split(inner, brackets=""):
        element = raw.strip()
        unquoted = _unquote(element)
        if unquoted is not None:
            items.append(unquoted)
        elif not element or any(c in element for c in '{}"'):
            raise _Fail(f'malformed array element "{_q(raw)}" in "{_q(text)}"')
        else:
            items.append(None if element.upper() == "NULL" else element)
    return tuple(items)


def _wildcards(value: Scalar) -> Scalar:
    return value.replace("*", "%") if isinstance(value, str) else value


def _operator(text: str) -> tuple[Op, str | None, str]:
    """`op[(modifier)].value` → (Op, modifier, value)."""
    name = text.split(".", 1)[0].split("(", 1)[0]
    op = OPERATORS.get(name)
    if op is None:
        raise _Fail(f'unexpected "{_q(name)}" expecting "not" or an operator ({_OPERATOR_LIST})')
    rest, modifier = text[len(name) :], None
    if rest.startswith("("):
        close = rest.find(")")
        if close < 0:
            raise _Fail(f'unexpected end of input, expecting ")" after "{_q(text)}"')
        modifier, rest = rest[1:close], rest[close + 1 :]
    if not rest.startswith("."):
        raise _Fail(f'expecting "." and a value after operator "{_q(text[: len(text) - len(rest)])}"')
    return op, modifier, rest[1:]


def _condition(path: Path, text: str, in_tree: bool) -> Node:
    """`[not.]op[(modifier)].value` applied to `path`. In logic trees a value may be double-quoted."""
    negated = text.startswith("not.")
    op, modifier, value = _operator(text[4:] if negated else text)
    quantifier: Quantifier | None = None
    language: str | None = None
    if modifier is not None:
        if op in _FTS and _LANGUAGE.fullmatch(modifier):
            language = modifier
        elif op in _QUANTIFIABLE and modifier in ("any", "all"):
            quantifier = Quantifier(modifier)
        else:
            raise _Fail(f'unexpected modifier "({_q(modifier)})" for operator "{op.value}"')
    if in_tree and op is not Op.IN and quantifier is None:
        unquoted = _unquote(value)
        value = value if unquoted is None else unquoted
    cond: Cond
    if op is Op.IN:
        cond = Cond(path, op, _in_list(value))
    elif op is Op.IS:
        try:
            cond = Cond(path, op, IsValue(value.lower()))
        except ValueError:
            raise _Fail(
                f'unexpected "{_q(value)}" expecting null, not_null, true, false or unknown'
            ) from None
    elif quantifier is not None:
        items = _pg_array(value)
        cond = Cond(path, op, tuple(map(_wildcards, items)) if op in _WILDCARD else items, quantifier)
    else:
        cond = Cond(path, op, _wildcards(value) if op in _WILDCARD else value, language=language)
    return Not(cond) if negated else cond


def _filter_path(key: str) -> Path:
    if _find(key, ".") >= 0:
        raise _Fail("filters on embedded resources are not supported")
    return _path(key)


def _tree(text: str, depth: int) -> tuple[Node, ...]:
    """`(item,item,...)` where an item is a condition or a nested `[not.]or(...)`/`[not.]and(...)`."""
    if depth > MAX_DEPTH:
        raise _Fail(f"logic trees may nest at most {MAX_DEPTH} levels")
    if not (text.startswith("(") and text.endswith(")")):
        raise _Fail(f'expecting "(" and ")" around the conditions, got "{_q(text)}"')
    inner = text[1:-1]
    if not inner.strip():
        raise _Fail('unexpected ")" expecting a condition')
    return tuple(_tree_item(item.lstrip(), depth) for item in _split(inner))


def _tree_item(item: str, depth: int) -> Node:
    if not item:
        raise _Fail('unexpected "," or ")" expecting a condition')
    negated = item.startswith("not.")
    body = item[4:] if negated else item
    for word, node_type in _LOGIC.items():
        if body.startswith(word + "("):
            node: Node = node_type(_tree(body[len(word) :], depth + 1))
            return Not(node) if negated else node
    dot = _find(item, ".")
    if dot < 0:
        raise _Fail(f'expecting "." and an operator after "{_q(item)}"')
    return _condition(_path(item[:dot]), item[dot + 1 :], in_tree=True)


def _select_item(text: str) -> SelectItem:
    item = text.strip()
    if not item:
        raise _Fail('unexpected "," expecting a column')
    if _find(item, "(") >= 0:
        raise _Fail("resource embedding is not supported")
    if item == "*":
        return SelectItem(Path("*"))
    cast: str | None = None
    at = _find(item, "::")
    if at >= 0:
        item, cast = item[:at], item[at + 2 :]
        if not _CAST.fullmatch(cast):
            raise _Fail(f'unexpected cast "{_q(cast)}"')
    alias: str | None = None
    at = _find(item, ":")
    if at >= 0:
        alias, item = _name(item[:at], "alias"), item[at + 1 :]
    return SelectItem(_path(item), alias, cast)


_DIRECTIONS = {"asc": False, "desc": True}
_NULLS = {"nullsfirst": Nulls.FIRST, "nullslast": Nulls.LAST}


def _sort_key(text: str) -> SortKey:
    item = text.strip()
    if not item:
        raise _Fail('unexpected "," expecting a column')
    if _find(item, "(") >= 0:
        raise _Fail("ordering by embedded resources is not supported")
    dot = _find(item, ".")
    path = _path(item if dot < 0 else item[:dot])
    modifiers = [] if dot < 0 else item[dot + 1 :].split(".")
    descending, nulls = False, None
    if modifiers and modifiers[0] in _DIRECTIONS:
        descending = _DIRECTIONS[modifiers.pop(0)]
    if modifiers and modifiers[0] in _NULLS:
        nulls = _NULLS[modifiers.pop(0)]
    if modifiers:
        raise _Fail(f'unexpected "{_q(modifiers[0])}" expecting "asc", "desc", "nullsfirst" or "nullslast"')
    return SortKey(path, descending, nulls)


# -- public API --------------------------------------------------------------------------------


def parse_filter(key: str, value: str) -> Node:
    """`key=value` where key is a column or JSON path and value is `[not.]op[(modifier)].value`."""
    path = _parse_filter_path(key)
    return _guarded(f"failed to parse filter ({value})", lambda: _condition(path, value, in_tree=False))


# The parsers below are pure functions of one parameter's text, and the same select=, order= or
# filter key arrives on request after request: each is memoized (failures are not), so a hot query
# shape pays for its grammar once. Values change per request, so `_condition` is not cached.
_PARSE_CACHE = 1024


@lru_cache(maxsize=_PARSE_CACHE)
def _parse_filter_path(key: str) -> Path:
    return _guarded(f"failed to parse tree path ({key})", lambda: _filter_path(key))


@lru_cache(maxsize=_PARSE_CACHE)
def parse_logic(key: str, value: str) -> Node:
    """`or=(...)`, `and=(...)`, `not.or=(...)`, `not.and=(...)`."""
    word = key.removeprefix("not.")
    if word not in _LOGIC:
        raise parse_error(
            f"failed to parse logic tree ({key})", 'expecting "or", "and", "not.or" or "not.and"'
        )
    node: Node = _LOGIC[word](_guarded(f"failed to parse logic tree ({value})", lambda: _tree(value, 1)))
    return Not(node) if word != key else node


@lru_cache(maxsize=_PARSE_CACHE)
def parse_select(value: str) -> tuple[SelectItem, ...]:
    if value.strip() in ("", "*"):
        return ()
    return _guarded(
        f"failed to parse select parameter ({value})",
        lambda: tuple(_select_item(item) for item in _split(value)),
    )


@lru_cache(maxsize=_PARSE_CACHE)
def parse_order(value: str) -> tuple[SortKey, ...]:
    return _guarded(f"failed to parse order ({value})", lambda: tuple(_sort_key(k) for k in _split(value)))


@lru_cache(maxsize=_PARSE_CACHE)
def parse_columns(value: str, param: str = "columns") -> tuple[str, ...]:
    """`a,b` or `"a","b"` (what the Supabase clients send)."""
    return _guarded(
        f"failed to parse {param} parameter ({value})", lambda: tuple(_name(c.strip()) for c in _split(value))
    )


MAX_BIGINT = BIGINT_MAX
"""Limits, offsets and Range bounds must fit Postgres's bigint (LIMIT and OFFSET take one); each
parses through `tenantgrid.http.integers`, so `+5`, ` 5`, `²` or 5,000 digits answer a 4xx."""


def parse_limit(value: str) -> int:
    limit = parse_bigint(value, signed=True)
    if limit is None and value.startswith("-") and is_ascii_integer(value, signed=True):
        limit = -1  # a negative limit too large for a bigint is still a negative limit
    if limit is None:
        raise parse_error(
            f"failed to parse limit parameter ({value})", f"expecting an integer up to {MAX_BIGINT}"
        )
    if limit < 0:
        raise range_error(
            "Requested range not satisfiable",
            f"Limit should be greater than or equal to zero (limit={_q(value)}).",
        )
    return limit


def parse_offset(value: str) -> int:
    offset = parse_bigint(value)
    if offset is None:
        raise parse_error(
            f"failed to parse offset parameter ({value})",
            f"expecting a non-negative integer up to {MAX_BIGINT}",
        )
    return offset


def parse_range_header(value: str) -> tuple[int, int | None]:
    """`Range: 0-19` → (offset 0, limit 20); `10-` → (10, None); an `items=` prefix is tolerated."""
    first, dash, last = value.strip(" \t").removeprefix("items=").partition("-")  # HTTP OWS only
    lower = parse_bigint(first) if dash else None
    upper = parse_bigint(last) if last else -1
    if lower is None or upper is None:
        raise parse_error(
            f"failed to parse Range header ({value})",
            f'expecting "lower-upper" or "lower-", each bound a non-negative integer up to {MAX_BIGINT}',
        )
    if upper < 0:
        return lower, None
    if lower > upper:
        raise range_error(
            "Requested range not satisfiable",
            "The lower boundary must be lower than or equal to the upper boundary in the Range header"
            f" ({_q(value)}).",
        )
    return lower, min(upper - lower + 1, MAX_BIGINT)


def parse_params(items: list[tuple[str, str]]) -> Params:
    """Decoded query-string pairs, in order. Reserved keys: the last wins, but or/and accumulate."""
    where: list[Node] = []
    single: dict[str, str] = {}
    for key, value in items:
        if key in ("or", "and", "not.or", "not.and"):
            where.append(parse_logic(key, value))
        elif key in RESERVED:
            single[key] = value
        elif not key:
            raise parse_error(f"failed to parse tree path (={value})", "empty column name")
        else:
            where.append(parse_filter(key, value))
    columns, on_conflict = single.get("columns"), single.get("on_conflict")
    return Params(
        where=None if not where else where[0] if len(where) == 1 else And(tuple(where)),
        order=parse_order(single["order"]) if "order" in single else (),
        select=parse_select(single.get("select", "")),
        offset=parse_offset(single["offset"]) if "offset" in single else 0,
        limit=parse_limit(single["limit"]) if "limit" in single else None,
        columns=parse_columns(columns) if columns is not None else None,
        on_conflict=parse_columns(on_conflict, "on_conflict") if on_conflict is not None else None,
    )
