"""An object's `fields` ([{name, value}]) checked against its type's field definitions.

Checking is pure: a `ref` value needs the referenced object to exist with an allowed type, which is a
database question, so `check_values` returns the `RefCheck`s and the caller answers them with one
query (`referenced_ids`) and `check_refs`. A `regex` is Postgres's to run too (`pattern_checks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tenantgrid.apis.cmdb.field_patterns import PatternCheck
from tenantgrid.apis.cmdb.invalid import invalid
from tenantgrid.apis.cmdb.type_definition import WITH_OPTIONS, is_id, ref_types_of

TEXTUAL = frozenset({"text", "password", "textarea"})


@dataclass(frozen=True, slots=True)
class RefCheck:
    field: str
    object_id: int
    ref_types: tuple[int, ...]
    """Allowed type ids of the referenced object; empty: any type."""


def parse_fields(raw: Any) -> list[dict[str, Any]]:
    """The shape of `fields`: a list of {name: str, value} with unique names."""
    if not isinstance(raw, list):
        raise invalid("'fields' must be a list of {name, value} objects", "fields")
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise invalid(f"'fields[{index}]' must be an object with a string 'name'", f"fields[{index}]")
        if item["name"] in seen:
            raise invalid(f"field '{item['name']}' is given twice", item["name"])
        seen.add(item["name"])
    return [{"name": item["name"], "value": item.get("value")} for item in raw]


def merge_fields(
    stored: Iterable[Mapping[str, Any]], sent: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The stored fields with the sent ones' values replacing theirs by name; new names appended."""
    sent_by_name = {f["name"]: f for f in sent}
    merged = [dict(sent_by_name.pop(f["name"], f)) for f in stored if isinstance(f, Mapping) and "name" in f]
    merged.extend(dict(f) for f in sent_by_name.values())
    return merged


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def check_values(type_fields: list[Mapping[str, Any]], fields: list[Mapping[str, Any]]) -> list[RefCheck]:
    """Every sent value against its definition; a name the type does not have is refused."""
    definitions = {d["name"]: d for d in type_fields}
    checks: list[RefCheck] = []
    for field in fields:
        name = field["name"]
        definition = definitions.get(name)
        if definition is None:
            raise invalid(f"field '{name}' is not a field of the object's type", name)
        check = _check_value(definition, field.get("value"))
        if check is not None:
            checks.append(check)
    return checks


def pattern_checks(
    type_fields: list[Mapping[str, Any]], fields: list[Mapping[str, Any]]
) -> list[PatternCheck]:
    """The textual values whose field has a `regex`: Postgres checks them (`field_patterns`), never `re`.
    Run after `check_values`, which has made sure they are strings."""
    definitions = {d["name"]: d for d in type_fields}
    checks = []
    for field in fields:
        definition = definitions.get(field["name"]) or {}
        pattern, value = definition.get("regex"), field.get("value")
        textual = definition.get("type") in TEXTUAL and isinstance(value, str) and value != ""
        if textual and isinstance(pattern, str) and pattern:
            checks.append(PatternCheck(field["name"], value, pattern))
    return checks


def check_required(type_fields: list[Mapping[str, Any]], fields: list[Mapping[str, Any]]) -> None:
    values = {f["name"]: f.get("value") for f in fields}
    for definition in type_fields:
        if definition.get("required") and is_empty(values.get(definition["name"])):
            raise invalid(f"field '{definition['name']}' is required", definition["name"])


def _check_value(definition: Mapping[str, Any], value: Any) -> RefCheck | None:
    name, kind = definition["name"], definition.get("type")
    if is_empty(value):
        return None
    if kind in TEXTUAL:
        if not isinstance(value, str):
            raise invalid(f"field '{name}' must be a string", name)
    elif kind == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise invalid(f"field '{name}' must be a number", name)
    elif kind == "checkbox":
        if not isinstance(value, bool):
            raise invalid(f"field '{name}' must be a boolean", name)
    elif kind == "date":
        if not is_date(value):
            raise invalid(f"field '{name}' must be a date: {{\"$date\": ms}} or an ISO 8601 string", name)
    elif kind in WITH_OPTIONS:
        options = [o.get("name") for o in definition.get("options") or []]
        if value not in options:
            raise invalid(f"field '{name}' must be one of its options {options}: {value!r}", name)
    elif kind == "ref":
        if not is_id(value):
            raise invalid(f"field '{name}' must be the public_id of an object", name)
        return RefCheck(name, value, ref_types_of(definition))
    return None


def is_date(value: Any) -> bool:
    if isinstance(value, dict):
        return (
            set(value) == {"$date"}
            and isinstance(value["$date"], int)
            and not isinstance(value["$date"], bool)
        )
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    return False


def referenced_ids(checks: Iterable[RefCheck]) -> list[int]:
    return sorted({c.object_id for c in checks})


def check_refs(checks: Iterable[RefCheck], found: Mapping[int, int]) -> None:
    """`found`: referenced object id -> its type_id, for the ids that exist (in this tenant)."""
    for check in checks:
        type_id = found.get(check.object_id)
        if type_id is None:
            raise invalid(
                f"field '{check.field}' refers to object {check.object_id}, which does not exist", check.field
            )
        if check.ref_types and type_id not in check.ref_types:
            raise invalid(
                f"field '{check.field}' refers to object {check.object_id} of type {type_id}; "
                f"allowed types: {list(check.ref_types)}",
                check.field,
            )
