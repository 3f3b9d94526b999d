"""MongoDB projection, applied to finished documents."""

from __future__ import annotations

from typing import Any


def project(doc: dict[str, Any], projection: dict[str, Any] | None) -> dict[str, Any]:
    """MongoDB projection of a finished document: `{a: 1, b: 1}` keeps those keys (and public_id
    unless `public_id: 0`), `{a: 0}` drops them; dotted keys reach into nested objects."""
    if not projection:
        return doc
    include = {k for k, v in projection.items() if v}
    exclude = {k for k, v in projection.items() if not v}
    if include:
        if "public_id" not in exclude and "public_id" in doc:
            include.add("public_id")
        out: dict[str, Any] = {}
        for key in include:
            _copy_path(doc, out, key.split("."))
        return out
    out = dict(doc)
    for key in exclude:
        _drop_path(out, key.split("."))
    return out


def _copy_path(source: Any, target: dict[str, Any], parts: list[str]) -> None:
    if not isinstance(source, dict) or parts[0] not in source:
        return
    head, rest = parts[0], parts[1:]
    if not rest:
        target[head] = source[head]
        return
    value = source[head]
    if isinstance(value, dict):
        child = target.setdefault(head, {})
        if isinstance(child, dict):
            _copy_path(value, child, rest)
    elif isinstance(value, list):
        picked = []
        for item in value:
            if isinstance(item, dict):
                part: dict[str, Any] = {}
                _copy_path(item, part, rest)
                picked.append(part)
        target[head] = picked


def _drop_path(target: Any, parts: list[str]) -> None:
    if isinstance(target, list):
        for item in target:
            _drop_path(item, parts)
        return
    if not isinstance(target, dict) or parts[0] not in target:
        return
    if len(parts) == 1:
        del target[parts[0]]
        return
    child = target[parts[0]] = _copied(target[parts[0]])
    _drop_path(child, parts[1:])


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value
