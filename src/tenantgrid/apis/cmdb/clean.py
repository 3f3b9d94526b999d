"""Unclean objects (`/rest/objects/clean/{type_id}`): objects whose field names differ from their
type's, and what cleaning makes of their fields (extra ones dropped, missing ones added with the
type's default value, else null)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def field_names(fields: Iterable[Mapping[str, Any]]) -> set[str]:
    return {f["name"] for f in fields if isinstance(f, Mapping) and "name" in f}


def is_unclean(type_fields: Iterable[Mapping[str, Any]], object_fields: Iterable[Mapping[str, Any]]) -> bool:
    return field_names(type_fields) != field_names(object_fields)


def unclean(
    type_fields: list[Mapping[str, Any]], objects: Iterable[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    return [o for o in objects if is_unclean(type_fields, o.get("fields") or [])]


def cleaned_fields(
    type_fields: list[Mapping[str, Any]], object_fields: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The object's fields in the type's order: kept values, defaults for the missing ones."""
    values = {f["name"]: f.get("value") for f in object_fields if isinstance(f, Mapping) and "name" in f}
    return [
        {"name": d["name"], "value": values[d["name"]] if d["name"] in values else default_value(d)}
        for d in type_fields
    ]


def default_value(definition: Mapping[str, Any]) -> Any:
    for key in ("default", "value"):
        if definition.get(key) is not None:
            return definition[key]
    return None
