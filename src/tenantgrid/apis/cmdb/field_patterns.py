"""A type field's `regex`, run by PostgreSQL under a statement timeout, never by Python's `re`.

Python's `re` backtracks without limit and holds the GIL while it does: one pattern such as
`(.*)(.*)(.*)\\1\\2\\3` against a long value pins the worker, and no thread or deadline can stop it.
Postgres runs the same check (`value ~ pattern`, both bound parameters) with `statement_timeout`
set for that one statement, and cancels it cleanly; a pattern that times out, or that Postgres
finds invalid, is a 400 naming the field. The dialect is therefore Postgres's (POSIX ARE, with
PCRE's `\\b`, `\\B`, `\\z` rewritten), the same as the `$regex` filters'; a value must match the
whole pattern, as `re.fullmatch` did.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.query.dialects.mongo.regex import pcre_escapes

TIMEOUT = "250ms"
"""How long one check (all patterns of one write together) may run."""
_OPTIONS = re.compile(r"\(\?[bceimnpqstwx]+\)")


@dataclass(frozen=True, slots=True)
class PatternCheck:
    field: str
    value: str
    pattern: str


def whole_match(pattern: str) -> str:
    """The ARE that matches a whole value iff `pattern` does: `^(?:pattern)$`, after a leading
    embedded-options group (`(?i)`) or `***:` director, which Postgres accepts only at the start."""
    pattern = pcre_escapes(pattern)
    prefix = ""
    if pattern.startswith("***:"):
        pattern = pattern[4:]
    found = _OPTIONS.match(pattern)
    if found is not None:
        prefix, pattern = found.group(0), pattern[found.end() :]
    return f"{prefix}^(?:{pattern})$"


def literal(pattern: str) -> str | None:
    """`***=text`: the rest is a literal string (Postgres's director); None for any other pattern."""
    return pattern[4:] if pattern.startswith("***=") else None


async def check_patterns(conn: asyncpg.Connection, checks: Sequence[PatternCheck]) -> None:
    """Every value against its field's pattern, in one statement bounded by `TIMEOUT`. `conn` must
    be in a transaction: a timeout aborts it, so the write it guards never happens."""
    sql_checks = [c for c in checks if literal(c.pattern) is None]
    for check in checks:
        text = literal(check.pattern)
        if text is not None and check.value != text:
            raise _mismatch(check)
    if not sql_checks:
        return
    matched = await _bounded(
        conn,
        "SELECT array_agg(v ~ p ORDER BY i) "
        "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(v, p, i)",
        [c.value for c in sql_checks],
        [whole_match(c.pattern) for c in sql_checks],
        what=sql_checks,
    )
    for check, ok in zip(sql_checks, matched or [], strict=True):
        if not ok:
            raise _mismatch(check)


async def check_definitions(conn: asyncpg.Connection, fields: Iterable[dict[str, Any]]) -> None:
    """A type's patterns must be ones Postgres compiles (each against the empty string, bounded)."""
    named = [(f["name"], f["regex"]) for f in fields if isinstance(f.get("regex"), str) and f["regex"]]
    checks = [PatternCheck(name, "", pattern) for name, pattern in named if literal(pattern) is None]
    if checks:
        await _bounded(
            conn,
            "SELECT array_agg('' ~ p) FROM unnest($1::text[]) AS x(p)",
            [whole_match(c.pattern) for c in checks],
            what=checks,
        )


async def _bounded(conn: asyncpg.Connection, sql: str, *args: Any, what: Sequence[PatternCheck]) -> Any:
    # The fenced subquery reads the old value before the outer row sets the new one.
    previous = await conn.fetchval(
        "SELECT o.old FROM (SELECT current_setting('statement_timeout') AS old OFFSET 0) o "
        "WHERE set_config('statement_timeout', $1, true) IS NOT NULL",
        TIMEOUT,
    )
    try:
        result = await conn.fetchval(sql, *args)
    except asyncpg.QueryCanceledError:
        names = ", ".join(sorted({c.field for c in what}))
        raise invalid(
            f"the pattern ('regex') of field(s) {names} took longer than {TIMEOUT} to check; "
            "simplify it (nested repetition and back-references are slow)",
            what[0].field,
        ) from None
    except asyncpg.InvalidRegularExpressionError as exc:
        raise invalid(f"a field's 'regex' is not a valid regular expression: {exc}", what[0].field) from None
    await conn.execute("SELECT set_config('statement_timeout', $1, true)", previous)
    return result


def _mismatch(check: PatternCheck) -> Exception:
    return invalid(f"field '{check.field}' does not match the pattern {check.pattern!r}", check.field)
