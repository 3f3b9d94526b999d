"""The version bump rule: one changed field -> patch, more than half -> minor, all -> major."""

from __future__ import annotations

import pytest

from tenantgrid.apis.cmdb.versions import next_type_version, next_version


def fields(*values: object) -> list[dict[str, object]]:
    return [{"name": f"f{i}", "value": v} for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (fields(1, 2, 3, 4), "1.2.3"),  # nothing changed
        (fields(9, 2, 3, 4), "1.2.4"),  # one
        (fields(9, 9, 3, 4), "1.2.4"),  # half is not more than half
        (fields(9, 9, 9, 4), "1.3.0"),  # more than half
        (fields(9, 9, 9, 9), "2.0.0"),  # all
    ],
)
def test_the_rule(after: list[dict[str, object]], expected: str) -> None:
    assert next_version("1.2.3", fields(1, 2, 3, 4), after) == expected


def test_one_changed_field_is_a_patch_even_when_it_is_the_only_field() -> None:
    assert next_version("1.0.0", fields("a"), fields("b")) == "1.0.1"


def test_types_are_kept_apart() -> None:
    assert next_version("1.0.0", fields(1, 2, 3), fields(True, 2, 3)) == "1.0.1"
    assert next_version("1.0.0", fields(1, 2, 3), fields(1.0, 2, 3)) == "1.0.0"


def test_an_added_field_counts_as_changed() -> None:
    assert next_version("1.0.0", fields(1, 2, 3), fields(1, 2, 3, 4)) == "1.0.1"


@pytest.mark.parametrize("version", [None, "", "0.0.1.2", "a.b.c", "1.0"])
def test_odd_stored_versions_start_from_the_initial_one(version: str | None) -> None:
    assert next_version(version, fields(1), fields(2)) == "1.0.1"


def test_type_versions_count_field_definitions_then_other_keys() -> None:
    base = {
        "name": "t",
        "label": "T",
        "fields": [{"name": "a", "type": "text"}, {"name": "b", "type": "text"}],
    }
    assert next_type_version("1.0.0", base, dict(base)) == "1.0.0"
    assert next_type_version("1.0.0", base, {**base, "label": "U"}) == "1.0.1"
    assert next_type_version("1.0.0", base, {**base, "acl": {"activated": True}}) == "1.0.1"
    changed = {**base, "fields": [{"name": "a", "type": "number"}, {"name": "b", "type": "text"}]}
    assert next_type_version("1.0.0", base, changed) == "1.0.1"
    assert next_type_version("1.0.0", base, {**changed, "fields": []}) == "2.0.0"
