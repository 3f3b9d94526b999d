"""Django REST Framework's list parameters (the Gainfully API, seed 002), parsed into the query AST.

- `limit`/`offset`: DRF's `LimitOffsetPagination`. A `limit` that is not a positive integer is the
  default, one above the maximum is the maximum; an `offset` that is not a non-negative integer is 0.
- `ordering=a,-b`: DRF's `OrderingFilter`. Terms naming no orderable field are ignored; none left is
  the model's default order. The primary key always ends the order (in the direction of the key
  before it), so that pages never overlap.
- `filter__<field>[__<lookup>]=v`: django-filter's lookups. The value is converted to the field's
  type (a bad one is refused naming the parameter); an empty value is no filter, as in django-filter.
  Unlike django-filter, an unknown field or lookup is refused, not ignored. `%`, `_` and `\\` in a
  value are literal: the LIKE lookups escape them.
- `fields=a,b` / `omit=a`: drf-dynamic-fields' sparse fieldsets (unknown names are ignored, as there).

Like every dialect, a pure parser: the `Model` tells it the fields and their types, the compiler
does the rest. Repeated parameters: the last wins, as Django's `QueryDict.get` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from tenantgrid import errors
from tenantgrid.http.integers import BIGINT_MAX, BIGINT_MIN, is_ascii_integer, parse_bigint
from tenantgrid.query.ast import And, Cond, IsValue, Node, Op, Page, Path, Query, SelectItem, SortKey

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
FILTER_PREFIX = "filter__"
SEPARATOR = "__"


class FieldType(Enum):
    INTEGER = "integer"
    """A bigint."""
    SMALLINT = "smallint"
    TIMESTAMP = "timestamp"
    """Unix seconds, stored as a bigint."""
    TEXT = "text"
    IDS = "ids"
    """A list of related ids, not a column: neither filtered, ordered nor selected here."""


INTEGER_RANGES: dict[FieldType, tuple[int, int]] = {
    FieldType.INTEGER: (BIGINT_MIN, BIGINT_MAX),
    FieldType.TIMESTAMP: (BIGINT_MIN, BIGINT_MAX),
    FieldType.SMALLINT: (-(2**15), 2**15 - 1),
}

NUMBER_LOOKUPS = ("exact", "gt", "gte", "lt", "lte", "in", "range", "isnull")
TEXT_LOOKUPS = (
    "exact",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "range",
    "isnull",
)
LOOKUPS: dict[FieldType, tuple[str, ...]] = {
    FieldType.INTEGER: NUMBER_LOOKUPS,
    FieldType.SMALLINT: NUMBER_LOOKUPS,
    FieldType.TIMESTAMP: NUMBER_LOOKUPS,
    FieldType.TEXT: TEXT_LOOKUPS,
    FieldType.IDS: (),
}
COMPARISONS = {"exact": Op.EQ, "gt": Op.GT, "gte": Op.GTE, "lt": Op.LT, "lte": Op.LTE}
PATTERNS: dict[str, tuple[Op, str, str]] = {
    # lookup: (operator, before, after) around the escaped value
    "iexact": (Op.ILIKE, "", ""),
    "contains": (Op.LIKE, "%", "%"),
    "icontains": (Op.ILIKE, "%", "%"),
    "startswith": (Op.LIKE, "", "%"),
    "istartswith": (Op.ILIKE, "", "%"),
    "endswith": (Op.LIKE, "%", ""),
    "iendswith": (Op.ILIKE, "%", ""),
}
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(eq=False)
class FieldError(errors.ApiError):
    """An error that blames one attribute: a body key, or the query parameter that was wrong."""

    field: str | None = None


def refuse(field: str | None, code: str, detail: str, status: int = 400) -> FieldError:
    return FieldError(status, code, detail, field=field)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    nullable: bool = False

    @property
    def stored(self) -> bool:
        """A column of the resource's table (by the same name)."""
        return self.type is not FieldType.IDS


@dataclass(frozen=True, slots=True)
class Model:
    """A resource as the API shows it: its table and its fields, in the order objects list them."""

    resource: str
    fields: tuple[Field, ...]
    default_ordering: tuple[str, ...] = ("id",)
    primary_key: str = "id"

    def field(self, name: str) -> Field | None:
        for field in self.fields:
            if field.name == name:
                return field
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True, slots=True)
class ListRequest:
    query: Query
    """The page's query: filter, order, page (offset capped at a bigint), stored fields, count."""
    limit: int
    offset: int
    """As asked (a non-negative integer, at most a bigint): the pagination links use it."""
    fields: tuple[str, ...]
    """The attributes each object shows, in the model's order (`fields`/`omit` applied)."""


def parse_list(model: Model, items: Iterable[tuple[str, str]]) -> ListRequest:
    params = dict(items)  # the last of a repeated parameter wins
    limit = parse_limit(params.get("limit"))
    offset = parse_offset(params.get("offset"))
    fields = sparse_fields(model, params)
    query = Query(
        resource=model.resource,
        where=parse_filters(model, params),
        order=parse_ordering(model, params.get("ordering")),
        page=Page(min(offset, BIGINT_MAX), limit),
        select=select_items(model, fields),
        count=True,
    )
    return ListRequest(query, limit, offset, fields)


# -- pagination ------------------------------------------------------------------------------------


def _positive_int(text: str, *, strict: bool, cutoff: int | None) -> int | None:
    """DRF's `_positive_int` over ASCII digits (`http/integers.py`): None where DRF raises."""
    text = text.strip()
    if not is_ascii_integer(text, signed=True):
        return None
    value = parse_bigint(text, signed=True)
    if value is None:  # beyond a bigint either way
        value = BIGINT_MIN if text.startswith("-") else BIGINT_MAX
    if value < 0 or (value == 0 and strict):
        return None
    return min(value, cutoff) if cutoff else value


def parse_limit(text: str | None, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    if text is None:
        return default
    limit = _positive_int(text, strict=True, cutoff=maximum)
    return default if limit is None else limit


def parse_offset(text: str | None) -> int:
    if text is None:
        return 0
    offset = _positive_int(text, strict=False, cutoff=None)
    return 0 if offset is None else offset


# -- ordering --------------------------------------------------------------------------------------


def parse_ordering(model: Model, text: str | None) -> tuple[SortKey, ...]:
    terms = [t.strip() for t in text.split(",")] if text else []
    keys = [_sort_key(t) for t in terms if _orderable(model, t.removeprefix("-"))]
    if not keys:
        keys = [_sort_key(t) for t in model.default_ordering]
    if not any(k.path.column == model.primary_key for k in keys):
        # in the last key's direction, so that one index on (column, id) serves the whole order
        keys.append(SortKey(Path(model.primary_key), descending=keys[-1].descending))
    return tuple(keys)


def _sort_key(term: str) -> SortKey:
    return SortKey(Path(term.removeprefix("-")), descending=term.startswith("-"))


def _orderable(model: Model, name: str) -> bool:
    field = model.field(name)
    return field is not None and field.stored


# -- sparse fieldsets ------------------------------------------------------------------------------


def sparse_fields(model: Model, params: Mapping[str, str]) -> tuple[str, ...]:
    """drf-dynamic-fields: `fields` keeps only the names it lists (none listed: none kept), `omit`
    drops names; names are not trimmed and unknown ones are ignored."""
    wanted = params.get("fields")
    allowed = set(filter(None, wanted.split(","))) if wanted is not None else None
    omitted = set(filter(None, params.get("omit", "").split(",")))
    return tuple(n for n in model.names if (allowed is None or n in allowed) and n not in omitted)


def select_items(model: Model, fields: Iterable[str]) -> tuple[SelectItem, ...]:
    """The stored columns among `fields`; the primary key when there are none (an empty projection
    would be every column), which the caller drops from the objects."""
    items = [SelectItem(Path(f.name)) for f in model.fields if f.name in set(fields) and f.stored]
    return tuple(items) or (SelectItem(Path(model.primary_key)),)


# -- filters ---------------------------------------------------------------------------------------


def parse_filters(model: Model, params: Mapping[str, str]) -> Node | None:
    conditions: list[Node] = []
    for key, value in params.items():
        if key.startswith(FILTER_PREFIX):
            condition = parse_filter(model, key, value)
            if condition is not None:
                conditions.append(condition)
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else And(tuple(conditions))


def parse_filter(model: Model, param: str, value: str) -> Node | None:
    """One `filter__<field>[__<lookup>]` parameter; None for an empty value (no filter)."""
    name, separator, lookup = param.removeprefix(FILTER_PREFIX).partition(SEPARATOR)
    field = model.field(name)
    if field is None or not field.stored:
        known = ", ".join(f.name for f in model.fields if f.stored)
        raise refuse(param, "unknown_field", f"Unknown field '{_q(name)}' to filter by; filterable: {known}.")
    lookup = lookup if separator else "exact"
    allowed = LOOKUPS[field.type]
    if lookup not in allowed:
        raise refuse(
            param,
            "unknown_lookup",
            f"Unknown lookup '{_q(lookup)}' for '{name}' ({field.type.value}); lookups: {', '.join(allowed)}.",
        )
    if value == "":
        return None
    path = Path(name)
    if lookup in COMPARISONS:
        return Cond(path, COMPARISONS[lookup], _typed(field, param, value))
    if lookup in PATTERNS:
        op, before, after = PATTERNS[lookup]
        return Cond(path, op, before + like_escape(_typed(field, param, value)) + after)
    if lookup == "in":
        return Cond(path, Op.IN, tuple(_typed(field, param, v) for v in value.split(",")))
    if lookup == "range":
        bounds = value.split(",")
        if len(bounds) != 2:
            raise refuse(param, "invalid", "Range query expects two values.")
        return Cond(path, Op.BETWEEN, (_typed(field, param, bounds[0]), _typed(field, param, bounds[1])))
    assert lookup == "isnull"
    flag = BOOLEANS.get(value.strip().lower())
    if flag is None:
        raise refuse(param, "invalid", "Must be a valid boolean: true, false, 1 or 0.")
    return Cond(path, Op.IS, IsValue.NULL if flag else IsValue.NOT_NULL)


def like_escape(text: str) -> str:
    """`%`, `_` and the escape character itself as literal characters of a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _typed(field: Field, param: str, text: str) -> str:
    """The value as the field's type would hold it, as text for the compiler to cast."""
    if field.type is FieldType.TEXT:
        if "\x00" in text:
            raise refuse(param, "null_characters_not_allowed", "Null characters are not allowed.")
        return text
    return str(integer_value(field, param, text.strip()))


def integer_value(field: Field, name: str, text: str) -> int:
    """An integer of the field's range, else a 400 in DRF's `IntegerField` words blaming `name`."""
    low, high = INTEGER_RANGES[field.type]
    if not is_ascii_integer(text, signed=True):
        raise refuse(name, "invalid", "A valid integer is required.")
    value = parse_bigint(text, signed=True)
    if value is None:
        value = low - 1 if text.startswith("-") else high + 1
    if value > high:
        raise refuse(name, "max_value", f"Ensure this value is less than or equal to {high}.")
    if value < low:
        raise refuse(name, "min_value", f"Ensure this value is greater than or equal to {low}.")
    return value


def _q(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
