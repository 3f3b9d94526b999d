"""`$regex` as Postgres runs it: the options MongoDB's clients send, PCRE escapes in ARE spelling."""

from __future__ import annotations

from typing import Any

from tenantgrid.query.dialects.mongo.document import bad, short, what

REGEX_OPTIONS = frozenset("imsx")


def regex_options(options: Any) -> str:
    if options is None:
        return ""
    if not isinstance(options, str) or not set(options) <= REGEX_OPTIONS:
        raise bad(f"$options may hold only the letters i, m, s and x, got {short(options)}")
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


def pattern_of(argument: Any) -> str:
    if not isinstance(argument, str):
        raise bad(f"$regex takes a string, got {what(argument)}")
    if "\x00" in argument:
        raise bad("$regex may not contain the NUL character")
    return argument
