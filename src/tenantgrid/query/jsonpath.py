"""MongoDB-style conditions on JSON -> one SQL/JSON path (`jsonpath`), bound as a single value.

Postgres evaluates it with `column @? $n::jsonpath`, which a GIN `jsonb_path_ops` index serves for
equality (`$[*] ? (@."name" == "ip" && @."value" == "10.0.0.1")` is two index lookups). The path
is built here, from validated keys and values written as jsonpath literals (JSON's own escaping),
and reaches Postgres as a bound parameter: nothing a client sends becomes SQL text.

jsonpath's lax mode is MongoDB's array rule: `$."a" ? (@ == 5)` unwraps an array `a` and matches
when any element equals 5; `==` between a number and a string is unknown, never true. Negation
inside a path counts unknown as not matching (`!(p) || (p) is unknown`), as `$ne` does.
"""

from __future__ import annotations

import json
import math

from tenantgrid.query.ast import And, Cond, Elem, Node, Not, Op, Or, Scalar, Truth

COMPARISONS = {Op.EQ: "==", Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}
TRUE = "(1 == 1)"
FALSE = "(1 == 0)"


class PathError(ValueError):
    """A value that has no jsonpath literal (not finite, or text Postgres cannot hold)."""


def literal(value: Scalar) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "true" if value else "false"
        case int():
            return str(value)
        case float():
            if not math.isfinite(value):
                raise PathError(f"not a finite number: {value!r}")
            return repr(value)
        case str():
            if "\x00" in value:
                raise PathError("text may not contain the NUL character")
            return json.dumps(value, ensure_ascii=False)
    raise PathError(f"not a JSON scalar: {value!r}")


def steps(keys: tuple[str | int, ...]) -> str:
    """`."a"."b"`: every key quoted, so `$`, `@`, `.` or quotes in a key stay part of its name."""
    return "".join("." + literal(str(key)) for key in keys)


def root_path(node: Cond | Elem) -> str:
    """The jsonpath for a condition or `$elemMatch` on one column (its path's keys follow it)."""
    if isinstance(node, Elem):
        # Lax mode would take a lone object for an array of one (`[*]` wraps it): `$elemMatch`
        # matches arrays only, so the filter also asks the type of the array (`$` is the root
        # inside a filter too). The accessors stay lax, so that a missing key is no error.
        array = "$" + steps(node.path.keys)
        return f'{array}[*] ? ({array}.type() == "array" && {_element(node)})'
    keys = node.path.keys
    if node.op in COMPARISONS and node.value is not None and not isinstance(node.value, tuple):
        # The index-friendly form: an accessor chain and one comparison with a constant.
        return f"${steps(keys)} ? (@ {COMPARISONS[node.op]} {literal(node.value)})"
    if node.op is Op.SIZE and not keys:
        # A filter on an array in lax mode looks at its elements; strict looks at the array.
        return f"strict $ ? ({_condition(node)})"
    return f"$ ? ({predicate(node)})"


def predicate(node: Node) -> str:
    """A jsonpath predicate on `@` (the element or document the paths in `node` start from)."""
    match node:
        case Truth(value=value):
            return TRUE if value else FALSE
        case And(items=items):
            return "(" + " && ".join(predicate(i) for i in items) + ")" if items else TRUE
        case Or(items=items):
            return "(" + " || ".join(predicate(i) for i in items) + ")" if items else FALSE
        case Not(item=item):
            inner = predicate(item)
            return f"(!({inner}) || ({inner}) is unknown)"
        case Elem(path=path):
            array = "@" + steps(path.keys)
            return f'({array}.type() == "array" && exists({array}[*] ? ({_element(node)})))'
        case Cond():
            return _condition(node)
    raise TypeError(node)


def _element(elem: Elem) -> str:
    """The predicate on one element of an `$elemMatch` (`@` is the element)."""
    if elem.objects:
        return f'(@.type() == "object" && {predicate(elem.item)})'
    return predicate(elem.item)


def _condition(cond: Cond) -> str:
    at = "@" + steps(cond.path.keys)
    value = cond.value
    match cond.op:
        case Op.EQ if value is None:
            return f"(!exists({at}) || {at} == null)"
        case Op.EQ | Op.GT | Op.GTE | Op.LT | Op.LTE:
            assert not isinstance(value, tuple)
            return f"{at} {COMPARISONS[cond.op]} {literal(value)}"  # type: ignore[arg-type]
        case Op.IN:
            assert isinstance(value, tuple)
            options = [f"{at} == {literal(v)}" for v in value if v is not None]
            if None in value:
                options.append(f"!exists({at})")
                options.append(f"{at} == null")
            return "(" + " || ".join(options) + ")" if options else FALSE
        case Op.EXISTS:
            return f"exists({at})" if value else f"!exists({at})"
        case Op.SIZE:
            return f'({at}.type() == "array" && {at}.size() == {literal(value)})'  # type: ignore[arg-type]
        case Op.MATCH:
            assert isinstance(value, tuple) and len(value) == 2
            pattern, flags = value
            flag = f" flag {literal(flags)}" if flags else ""
            return f"{at} like_regex {literal(pattern)}{flag}"
    raise PathError(f"no jsonpath form for {cond.op.value}")
