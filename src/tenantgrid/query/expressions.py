"""AST nodes -> SQLAlchemy Core expressions, with one table from `Op` to SQL.

Every value becomes a bound parameter cast (in Postgres) to its target's type; every identifier
is looked up in the catalog first, so nothing a client sends is ever spliced into SQL text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.sql.elements import ColumnElement

from tenantgrid import errors
from tenantgrid.catalog.model import Resource
from tenantgrid.query.ast import (
    MAX_DEPTH,
    And,
    Cond,
    Elem,
    IsValue,
    Node,
    Not,
    Nulls,
    Op,
    Or,
    Path,
    Quantifier,
    SelectItem,
    Slot,
    SortKey,
    Truth,
)
from tenantgrid.query.declared import declared_condition, declared_value
from tenantgrid.query.jsonpath import COMPARISONS, literal, steps

Expr = ColumnElement[Any]
TEXT_TYPES = (sa.String, sa.Text, sa.Enum)
JSON_TYPES = (sa.JSON, pg.JSON, pg.JSONB)


@dataclass
class Binder:
    """Names bind parameters: `s<n>` for the query's slots, `c<n>` for constants of the shape."""

    constants: list[Any] = field(default_factory=list)

    def slot(self, slot: Slot | Any, type_: sa.types.TypeEngine | None = None) -> Expr:
        if not isinstance(slot, Slot):
            raise TypeError(f"the compiler only sees slots, got {slot!r}")
        return sa.bindparam(f"s{slot.index}", type_=type_ or sa.String())

    def constant(self, value: Any, type_: sa.types.TypeEngine | None = None) -> Expr:
        self.constants.append(value)
        return sa.bindparam(f"c{len(self.constants) - 1}", type_=type_ or sa.String())


class JsonPathType(sa.types.UserDefinedType[str]):
    """Postgres's `jsonpath`; values are bound as text and cast in the statement."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "JSONPATH"


JSONPATH = JsonPathType()


@dataclass
class Target:
    """A path resolved against a row source: its SQL expression and its Postgres type."""

    expr: Expr
    type: sa.types.TypeEngine


CAST_TYPES: dict[str, sa.types.TypeEngine] = {
    "text": sa.Text(),
    "varchar": sa.String(),
    "int": sa.Integer(),
    "int4": sa.Integer(),
    "integer": sa.Integer(),
    "int8": sa.BigInteger(),
    "bigint": sa.BigInteger(),
    "smallint": sa.SmallInteger(),
    "numeric": sa.Numeric(),
    "float": sa.Float(),
    "float8": sa.Float(),
    "real": sa.REAL(),
    "double precision": sa.Double(),
    "bool": sa.Boolean(),
    "boolean": sa.Boolean(),
    "json": pg.JSON(),
    "jsonb": pg.JSONB(),
    "date": sa.Date(),
    "time": sa.Time(),
    "timestamp": sa.DateTime(),
    "timestamptz": sa.DateTime(timezone=True),
    "uuid": pg.UUID(),
}


def resolve(path: Path, resource: Resource, source: sa.FromClause, binder: Binder) -> Target:
    column = resource.column(path.column)
    if column is None:
        raise errors.column_not_found(resource.name, path.column)
    expr: Expr = source.c[path.column]
    if not path.keys:
        return Target(expr, column.type)
    if path.declared is not None:
        return Target(declared_value(path, source), pg.JSONB())
    if path.by_name:
        element = f'$[*] ? (@."name" == {literal(str(path.keys[0]))})."value"'
        found = sa.func.jsonb_path_query_first(
            as_jsonb(Target(expr, column.type)), sa.cast(binder.constant(element), JSONPATH)
        )
        return Target(found, pg.JSONB())
    if path.lax:
        found = sa.func.jsonb_path_query_first(
            as_jsonb(Target(expr, column.type)), sa.cast(binder.constant("$" + steps(path.keys)), JSONPATH)
        )
        return Target(found, pg.JSONB())
    if not isinstance(column.type, JSON_TYPES):
        arrow = "->>" if path.as_text and len(path.keys) == 1 else "->"
        raise errors.ApiError(
            400,
            "42883",
            f"operator does not exist: {column.pg_type} {arrow} unknown",
            None,
            f"{resource.name}.{path.column} is not a json or jsonb column",
        )
    json_type = column.type
    for i, key in enumerate(path.keys):
        last = i == len(path.keys) - 1
        op = "->>" if last and path.as_text else "->"
        key_type: sa.types.TypeEngine = sa.Integer() if isinstance(key, int) else sa.String()
        result_type = sa.Text() if op == "->>" else json_type
        expr = expr.op(op, return_type=result_type)(binder.constant(key, key_type))
    return Target(expr, sa.Text() if path.as_text else json_type)


def typed(binder: Binder, slot: Any, target: Target) -> Expr:
    """A slot's text value cast, in Postgres, to the target's type."""
    return sa.cast(binder.slot(slot), target.type)


def as_jsonb(target: Target) -> Expr:
    return target.expr if isinstance(target.type, pg.JSONB) else sa.func.to_jsonb(target.expr)


def as_text(target: Target) -> Expr:
    return target.expr if isinstance(target.type, TEXT_TYPES) else sa.cast(target.expr, sa.Text())


Builder = Callable[[Target, Any, Binder, Cond], Expr]


def _compare(op: str) -> Builder:
    return lambda t, v, b, c: t.expr.op(op, is_comparison=True)(typed(b, v, t))


def _pattern(op: str) -> Builder:
    return lambda t, v, b, c: as_text(t).op(op, is_comparison=True)(b.slot(v))


def _fts(function: str) -> Builder:
    def build(t: Target, v: Any, b: Binder, c: Cond) -> Expr:
        query_args: list[Expr] = [b.slot(v)]
        vector = t.expr
        if c.language:
            language = sa.cast(b.constant(c.language), pg.REGCONFIG())
            query_args.insert(0, language)
            if not isinstance(t.type, pg.TSVECTOR):
                vector = sa.func.to_tsvector(sa.cast(b.constant(c.language), pg.REGCONFIG()), as_text(t))
        elif not isinstance(t.type, pg.TSVECTOR):
            vector = sa.func.to_tsvector(as_text(t))
        return vector.op("@@", is_comparison=True)(getattr(sa.func, function)(*query_args))

    return build


def _in(t: Target, v: Any, b: Binder, c: Cond) -> Expr:
    values = b.slot(v, pg.ARRAY(sa.String()))
    if isinstance(t.type, sa.ARRAY):
        # An array column: each listed value is a whole array literal (`tags=in.("{a,b}","{c}")`);
        # Postgres has no array of arrays to compare with, so the list is unnested and cast row by row.
        items = (
            sa.func.unnest(sa.cast(values, pg.ARRAY(sa.Text())))
            .table_valued("item")
            .render_derived("in_items")
        )
        return t.expr.in_(sa.select(sa.cast(items.c.item, t.type)))
    return t.expr == sa.any_(sa.cast(values, pg.ARRAY(t.type)))


def _is_distinct(t: Target, v: Any, b: Binder, c: Cond) -> Expr:
    return t.expr.is_distinct_from(typed(b, v, t))


def _is(t: Target, v: Any, b: Binder, c: Cond) -> Expr:
    match v:
        case IsValue.NULL:
            return t.expr.is_(None)
        case IsValue.NOT_NULL:
            return t.expr.is_not(None)
        case IsValue.TRUE:
            return t.expr.is_(sa.true())
        case IsValue.FALSE:
            return t.expr.is_(sa.false())
        case IsValue.UNKNOWN:
            # IS UNKNOWN is IS NULL for a boolean; other types answer as IS NULL does too.
            return t.expr.is_(None)
    raise errors.parse_error(f"failed to parse filter (is.{v})")


def _between(t: Target, v: Any, b: Binder, c: Cond) -> Expr:
    low, high = v
    return t.expr.between(typed(b, low, t), typed(b, high, t))


def _exists(t: Target, v: Any, b: Binder, c: Cond) -> Expr:
    return t.expr.is_not(None) if v else t.expr.is_(None)


OPERATORS: dict[Op, Builder] = {
    Op.EQ: _compare("="),
    Op.NEQ: _compare("<>"),
    Op.GT: _compare(">"),
    Op.GTE: _compare(">="),
    Op.LT: _compare("<"),
    Op.LTE: _compare("<="),
    Op.LIKE: _pattern("LIKE"),
    Op.ILIKE: _pattern("ILIKE"),
    Op.MATCH: _pattern("~"),
    Op.IMATCH: _pattern("~*"),
    Op.STARTS_WITH: lambda t, v, b, c: sa.func.starts_with(as_text(t), b.slot(v)),
    Op.ENDS_WITH: lambda t, v, b, c: sa.func.right(as_text(t), sa.func.length(b.slot(v))) == b.slot(v),
    Op.CONTAINS_TEXT: lambda t, v, b, c: sa.func.strpos(as_text(t), b.slot(v)) > 0,
    Op.IN: _in,
    Op.IS: _is,
    Op.IS_DISTINCT: _is_distinct,
    Op.CONTAINS: _compare("@>"),
    Op.CONTAINED: _compare("<@"),
    Op.OVERLAPS: _compare("&&"),
    Op.STRICTLY_LEFT: _compare("<<"),
    Op.STRICTLY_RIGHT: _compare(">>"),
    Op.NOT_EXTENDS_RIGHT: _compare("&<"),
    Op.NOT_EXTENDS_LEFT: _compare("&>"),
    Op.ADJACENT: _compare("-|-"),
    Op.FTS: _fts("to_tsquery"),
    Op.PLFTS: _fts("plainto_tsquery"),
    Op.PHFTS: _fts("phraseto_tsquery"),
    Op.WFTS: _fts("websearch_to_tsquery"),
    Op.BETWEEN: _between,
    Op.EXISTS: _exists,
}

QUANTIFIABLE = {
    Op.EQ: "=",
    Op.NEQ: "<>",
    Op.GT: ">",
    Op.GTE: ">=",
    Op.LT: "<",
    Op.LTE: "<=",
    Op.LIKE: "LIKE",
    Op.ILIKE: "ILIKE",
    Op.MATCH: "~",
    Op.IMATCH: "~*",
}
PATTERN_OPS = frozenset({Op.LIKE, Op.ILIKE, Op.MATCH, Op.IMATCH})


def _quantified(cond: Cond, t: Target, b: Binder) -> Expr:
    op = QUANTIFIABLE.get(cond.op)
    if op is None:
        raise errors.parse_error(f"operator {cond.op.value} takes no (any)/(all) modifier")
    quantify = sa.any_ if cond.quantifier is Quantifier.ANY else sa.all_
    if cond.op in PATTERN_OPS:
        left, element_type = as_text(t), sa.Text()
    else:
        left, element_type = t.expr, t.type
    if isinstance(element_type, sa.ARRAY):
        pg_type = element_type.compile(dialect=pg.dialect()).lower()
        raise errors.ApiError(
            400,
            "42883",
            f"operator does not exist: {pg_type} {op} {cond.quantifier.value} ({pg_type})",
            None,
            "(any) and (all) compare a column with each value of a list; compare arrays with cs, cd or ov",
        )
    values = sa.cast(b.slot(cond.value, pg.ARRAY(sa.String())), pg.ARRAY(element_type))
    return left.op(op, is_comparison=True)(quantify(values))


def compile_where(
    node: Node, resource: Resource, source: sa.FromClause, binder: Binder, depth: int = 0
) -> Expr:
    """`depth` counts the And/Or nodes above `node`: a backstop for dialects that do not limit it.
    A dialect's own limit (MAX_DEPTH trees) gets one level more for the AND of its parameters;
    `not` adds no level."""
    match node:
        case Truth(value=value):
            return sa.true() if value else sa.false()
        case Cond(op=Op.JSONPATH):
            target = resolve(node.path, resource, source, binder)
            # The bare operator, not coalesce(): only so can the GIN index serve it. A NULL column
            # gives NULL, which WHERE takes as false and a two-valued Not coalesces.
            return as_jsonb(target).op("@?", is_comparison=True)(sa.cast(binder.slot(node.value), JSONPATH))
        case Cond(path=Path(declared=str())):
            if resource.column(node.path.column) is None:
                raise errors.column_not_found(resource.name, node.path.column)
            return declared_condition(node, source, binder)
        case Cond(json=True):
            return _json_on_column(node, resolve(node.path, resource, source, binder), binder)
        case Cond():
            target = resolve(node.path, resource, source, binder)
            if node.quantifier is not None:
                return _quantified(node, target, binder)
            return OPERATORS[node.op](target, node.value, binder, node)
        case Not(item=item, two_valued=True):
            return sa.not_(sa.func.coalesce(compile_where(item, resource, source, binder, depth), sa.false()))
        case Not(item=item):
            return sa.not_(compile_where(item, resource, source, binder, depth))
        case Elem():
            raise TypeError("an Elem reaches the compiler only as the jsonpath `split` makes of it")
    if depth > MAX_DEPTH:
        raise errors.parse_error(f"logic trees may nest at most {MAX_DEPTH} levels")
    match node:
        case And(items=items):
            return sa.and_(*(compile_where(i, resource, source, binder, depth + 1) for i in items))
        case Or(items=items):
            return sa.or_(*(compile_where(i, resource, source, binder, depth + 1) for i in items))
    raise TypeError(node)


JSON_COMPARISONS = {Op.EQ: "=", Op.GT: ">", Op.GTE: ">=", Op.LT: "<", Op.LTE: "<="}
NUMBER_TYPES = (sa.Integer, sa.Numeric, sa.Float)
KIND_OF_COLUMN: tuple[tuple[type, frozenset[str]], ...] = (
    (sa.Boolean, frozenset({"boolean"})),
    (NUMBER_TYPES, frozenset({"integer", "number"})),
    (TEXT_TYPES, frozenset({"string"})),
)


def _json_on_column(cond: Cond, target: Target, binder: Binder) -> Expr:
    """A JSON value compared with a whole column (made by `split`; the slot holds JSON text).

    A JSON or array column is matched as MongoDB matches a document's field (any element of an
    array); a scalar column only by a value of its own kind, in plain SQL so that its index serves
    it: `{"type_id": 5}` is `type_id = 5::bigint`, and `{"type_id": "5"}` is false.
    """
    if cond.op is Op.IN:
        return _json_in_column(cond, target, binder)
    value = sa.cast(binder.slot(cond.value), pg.JSONB())
    symbol = JSON_COMPARISONS[cond.op]
    if isinstance(target.type, (*JSON_TYPES, sa.ARRAY)):
        document = as_jsonb(target)
        path = sa.cast(binder.constant(f"$ ? (@ {COMPARISONS[cond.op]} $v)"), JSONPATH)
        found = sa.func.jsonb_path_exists(
            document, path, sa.func.jsonb_build_object(binder.constant("v"), value)
        )
        if cond.kind == "null" and cond.op is Op.EQ:
            return sa.or_(target.expr.is_(None), found)
        return found
    if cond.kind == "null":
        return target.expr.is_(None) if cond.op is Op.EQ else sa.false()
    if not any(isinstance(target.type, types) and cond.kind in kinds for types, kinds in KIND_OF_COLUMN):
        return sa.false()
    scalar = value.op("#>>", return_type=sa.Text())(sa.literal_column("'{}'"))
    if isinstance(target.type, sa.Integer):
        # 5.5 as numeric; any integer as bigint, which `int4 = int8` compares (index served) and
        # which 2**40 fits, where a cast to the column's int4 would fail
        operand: Expr = sa.cast(scalar, sa.Numeric() if cond.kind == "number" else sa.BigInteger())
    else:
        operand = sa.cast(scalar, target.type)
    return target.expr.op(symbol, is_comparison=True)(operand)


KIND_TYPES: dict[str, sa.types.TypeEngine] = {
    "string": sa.Text(),
    "integer": sa.BigInteger(),
    "number": sa.Numeric(),
    "boolean": sa.Boolean(),
}


def _json_in_column(cond: Cond, target: Target, binder: Binder) -> Expr:
    """`$in` of values of one JSON kind on a whole column; the slot holds them as one text[]."""
    texts = binder.slot(cond.value, pg.ARRAY(sa.String()))
    if isinstance(target.type, (*JSON_TYPES, sa.ARRAY)):
        values = sa.func.to_jsonb(sa.cast(texts, pg.ARRAY(KIND_TYPES[cond.kind or ""])))
        path = sa.cast(binder.constant("$ ? (@ == $v[*])"), JSONPATH)
        return sa.func.jsonb_path_exists(
            as_jsonb(target), path, sa.func.jsonb_build_object(binder.constant("v"), values)
        )
    if not any(isinstance(target.type, types) and cond.kind in kinds for types, kinds in KIND_OF_COLUMN):
        return sa.false()
    if isinstance(target.type, sa.Integer):
        element: sa.types.TypeEngine = KIND_TYPES[cond.kind or ""]  # as for one value, above
    else:
        element = target.type
    return target.expr == sa.any_(sa.cast(texts, pg.ARRAY(element)))


MONGO_TYPE_RANKS = (("number", 1), ("string", 2), ("object", 3), ("array", 4), ("boolean", 5))
"""MongoDB's sort order of the JSON types; null and missing are 0."""


def _mongo_type_rank(expr: Expr) -> Expr:
    kind = sa.func.jsonb_typeof(expr)
    whens = [
        (kind == sa.literal_column(f"'{name}'"), sa.literal_column(str(rank)))
        for name, rank in MONGO_TYPE_RANKS
    ]
    return sa.case(*whens, else_=sa.literal_column("0"))


def compile_order(
    keys: tuple[SortKey, ...], resource: Resource, source: sa.FromClause, binder: Binder
) -> list[Expr]:
    clauses: list[Expr] = []
    for key in keys:
        expr = resolve(key.path, resource, source, binder).expr
        if key.path.lax or key.path.by_name:
            # MongoDB's order of types first (jsonb's own puts strings before numbers); its null
            # and a missing value tie, as in MongoDB
            rank = _mongo_type_rank(expr)
            clauses.append(rank.desc() if key.descending else rank.asc())
            expr = sa.func.nullif(expr, sa.literal_column("'null'::jsonb"))
        clause = expr.desc() if key.descending else expr.asc()
        if key.nulls is Nulls.FIRST:
            clause = clause.nulls_first()
        elif key.nulls is Nulls.LAST:
            clause = clause.nulls_last()
        clauses.append(clause)
    return clauses


def compile_projection(
    items: tuple[SelectItem, ...], resource: Resource, source: sa.FromClause, binder: Binder
) -> list[Expr]:
    if not items:
        return [source.c[name] for name in resource.columns]
    columns: list[Expr] = []
    for item in items:
        if item.path.column == "*" and not item.path.keys:
            # labelled, so that `*,*` or `*,id` repeat keys as PostgREST does instead of renaming them
            columns.extend(source.c[name].label(name) for name in resource.columns)
            continue
        target = resolve(item.path, resource, source, binder)
        expr = target.expr
        if item.cast:
            cast_type = CAST_TYPES.get(item.cast.strip().lower())
            if cast_type is None:
                raise errors.ApiError(
                    400,
                    "42704",
                    f'type "{item.cast}" does not exist',
                    None,
                    "Casts may use: " + ", ".join(sorted(CAST_TYPES)),
                )
            expr = sa.cast(expr, cast_type)
        columns.append(expr.label(item.output_name))
    return columns
