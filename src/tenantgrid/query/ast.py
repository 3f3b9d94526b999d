"""One query model for every API: filter tree, sort, page, projection, count.

Dialects (`query/dialects/*`) parse an API's parameters into these nodes; only `query/compile.py`
turns them into SQL. Nothing here is tenant-specific and nothing here is SQL.

Values are kept as the client sent them (text for query-string dialects, JSON scalars for the
JSON dialects); the compiler types them by the target column, so "10" > "9" compares as numbers
on a number column. A `Cond` marked `json` keeps its value's JSON type instead (MongoDB: `{"a": 5}`
does not match `"5"`), and its path follows MongoDB into JSON: a condition on an array matches when
any element does. `query.shape.split` swaps every value for a `Slot`, which is what the
compiled-statement cache keys on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import TypeAlias


class Op(Enum):
    EQ = "eq"
    NEQ = "neq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    LIKE = "like"  # SQL pattern: % and _
    ILIKE = "ilike"
    MATCH = "match"  # POSIX regex, case-sensitive
    IMATCH = "imatch"
    STARTS_WITH = "starts_with"  # literal prefix
    ENDS_WITH = "ends_with"
    CONTAINS_TEXT = "contains_text"  # literal substring
    IN = "in"  # value: tuple of values
    IS = "is"  # value: an IsValue, never a Slot
    IS_DISTINCT = "isdistinct"
    CONTAINS = "cs"  # @> on arrays, ranges, jsonb
    CONTAINED = "cd"  # <@
    OVERLAPS = "ov"  # &&
    STRICTLY_LEFT = "sl"  # << ranges
    STRICTLY_RIGHT = "sr"  # >>
    NOT_EXTENDS_RIGHT = "nxr"  # &<
    NOT_EXTENDS_LEFT = "nxl"  # &>
    ADJACENT = "adj"  # -|-
    FTS = "fts"  # to_tsquery
    PLFTS = "plfts"  # plainto_tsquery
    PHFTS = "phfts"  # phraseto_tsquery
    WFTS = "wfts"  # websearch_to_tsquery
    BETWEEN = "between"  # value: (low, high)
    EXISTS = "exists"  # value: bool; the path (a JSON key) is present and not null
    SIZE = "size"  # json: the value at the path is an array of this many elements
    JSONPATH = "jsonpath"  # the column's JSON has an item this jsonpath selects (`@?`); made by split


class IsValue(Enum):
    NULL = "null"
    NOT_NULL = "not_null"
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


class Quantifier(Enum):
    ANY = "any"
    ALL = "all"


class Nulls(Enum):
    FIRST = "first"
    LAST = "last"


@dataclass(frozen=True, slots=True)
class Slot:
    """Stands for the n-th value of a query; see `query.shape`."""

    index: int


Scalar: TypeAlias = str | int | float | bool | None
Value: TypeAlias = Scalar | tuple[Scalar, ...] | IsValue | Slot


@dataclass(frozen=True, slots=True)
class Path:
    """A column, or a JSON path into it: `data->a->>b` is Path("data", ("a", "b"), as_text=True).

    Integer keys index JSON arrays. `as_text` applies to the last step (`->>`); without keys the
    path is the column itself.
    """

    column: str
    keys: tuple[str | int, ...] = ()
    as_text: bool = False
    by_name: bool = False
    """The one key names an element of the column's array of `{name, value}` objects, and the path
    is that element's `value` (DATAGERRY's `fields.<name>`, for sorting)."""
    lax: bool = False
    """The keys are followed as MongoDB follows a dotted path, as one lax jsonpath on the column's
    value as JSON (any column type): through arrays, and to NULL (not an error) where a key is
    missing or the column is no JSON (the CMDB's sort keys)."""
    declared: str | None = None
    """The one key names a value of a declared type (a Gridly column's: one of `DECLARED_KINDS`)
    rather than of a catalog column. The compiler writes `column -> 'key'` with the key as a literal
    (so that the per-column expression index serves it) and compares jsonb with jsonb, keeping the
    value's JSON type: conditions on it carry JSON text, except the text operators (and `in` on a
    "set"), which carry plain text."""

    def __str__(self) -> str:
        if not self.keys:
            return self.column
        arrows = ["->"] * len(self.keys)
        if self.as_text:
            arrows[-1] = "->>"
        return self.column + "".join(f"{a}{k}" for a, k in zip(arrows, self.keys, strict=True))


@dataclass(frozen=True, slots=True)
class Cond:
    path: Path
    op: Op
    value: Value
    quantifier: Quantifier | None = None
    """`eq(any).{1,2}`: the value is a list and the row matches any/all of it."""
    language: str | None = None
    """Text-search configuration for the FTS operators (`fts(english).cat`)."""
    json: bool = False
    """The value keeps its JSON type and matches only values of that type; a path into JSON follows
    MongoDB's rules (any array element; a missing field is no match)."""
    kind: str | None = None
    """Set by `split` on a `json` condition: the JSON type of the value its slot holds, which decides
    the SQL (a number never equals a text column)."""


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node
    two_valued: bool = False
    """True: a row where `item` is unknown (NULL, a missing field) counts as not matching, so the
    negation matches it (MongoDB's `$ne`, `$nin`, `$not`, `$nor`). False: SQL's three values."""


@dataclass(frozen=True, slots=True)
class Elem:
    """Some element of the JSON array at `path` satisfies `item` (MongoDB's `$elemMatch`). Paths in
    `item` start at the element: `Path("")` is the element itself, `Path("", ("name",))` its key."""

    path: Path
    item: Node
    objects: bool = False
    """Only elements that are objects count (`item` is a query of the element's fields: MongoDB
    skips scalar elements there, where a missing field would otherwise satisfy `$ne`)."""


@dataclass(frozen=True, slots=True)
class Truth:
    """A condition known without reading a row: a field that no document has (MongoDB)."""

    value: bool


Node: TypeAlias = Cond | And | Or | Not | Elem | Truth
MAX_DEPTH = 16
DECLARED_KINDS = frozenset({"number", "timestamp", "text", "boolean", "set", "json"})
"""`Path.declared`: numbers (JSON numbers), timestamps (fixed-width UTC text, so text order is time
order), text, booleans, sets (JSON arrays of strings, matched by membership), any JSON."""
DECLARED_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""A declared key is written into SQL as a literal, so it is restricted to these characters."""


@dataclass(frozen=True, slots=True)
class SortKey:
    path: Path
    descending: bool = False
    nulls: Nulls | None = None


@dataclass(frozen=True, slots=True)
class Page:
    offset: int | Slot = 0
    limit: int | Slot | None = None


@dataclass(frozen=True, slots=True)
class SelectItem:
    path: Path
    alias: str | None = None
    cast: str | None = None

    @property
    def output_name(self) -> str:
        """The key the value gets in the result object (PostgREST: alias, else the last path step)."""
        if self.alias:
            return self.alias
        return str(self.path.keys[-1]) if self.path.keys else self.path.column


@dataclass(frozen=True, slots=True)
class Query:
    resource: str
    where: Node | None = None
    order: tuple[SortKey, ...] = ()
    page: Page = Page()
    select: tuple[SelectItem, ...] = ()
    """Empty: every column."""
    count: bool = False
