"""A type field's `regex` runs in Postgres under a time limit: a pattern that backtracks without end
is a 400 in the CMDB's error shape, the worker stays free, and nothing is written."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.cmdb.framework_support import assert_cmdb_error, create_object, create_type
from tests.conftest import Database

# Back-references force Postgres (and Python's `re`) to backtrack: O(n^5) tries on this value.
SLOW = r"(.*)(.*)(.*)(.*)(.*)\1\2\3\4\5"
SLOW_VALUE = "a" * 200 + "!"


def _objects(db: Database, alpha: ProvisionedTenant, type_id: int) -> int:
    rows = db.fetch(f'SELECT count(*) AS n FROM "{alpha.schema}".cmdb_objects WHERE type_id = $1', type_id)
    return int(rows[0]["n"])


def test_a_catastrophic_pattern_is_a_400_within_the_time_limit(
    client: TestClient, alpha_key: dict[str, str], db: Database, alpha: ProvisionedTenant
) -> None:
    made = create_type(client, alpha_key, fields=[{"type": "text", "name": "code", "regex": SLOW}])
    started = time.monotonic()
    response = client.post(
        "/rest/objects/",
        headers=alpha_key,
        json={"type_id": made["public_id"], "fields": [{"name": "code", "value": SLOW_VALUE}]},
    )
    body = assert_cmdb_error(response, 400)
    assert time.monotonic() - started < 5
    assert "code" in str(body["message"]) and "longer than" in str(body["message"])
    assert _objects(db, alpha, made["public_id"]) == 0
    # The connection is usable afterwards and matching values still pass.
    assert isinstance(
        create_object(client, alpha_key, made["public_id"], [{"name": "code", "value": "aa"}]), int
    )


def test_values_must_match_the_whole_pattern(client: TestClient, alpha_key: dict[str, str]) -> None:
    made = create_type(
        client,
        alpha_key,
        fields=[
            {"type": "text", "name": "host", "regex": "[a-z0-9.-]+"},
            {"type": "text", "name": "tag", "regex": "(?i)web"},
            {"type": "text", "name": "word", "regex": r"\bx\b"},
        ],
    )
    type_id = made["public_id"]
    ok = create_object(
        client,
        alpha_key,
        type_id,
        [
            {"name": "host", "value": "web-1.example"},
            {"name": "tag", "value": "WEB"},
            {"name": "word", "value": "x"},
        ],
    )
    for field, value in (("host", "Web 1"), ("host", "web-1 "), ("tag", "webs"), ("word", "xx")):
        response = client.post(
            "/rest/objects/",
            headers=alpha_key,
            json={"type_id": type_id, "fields": [{"name": field, "value": value}]},
        )
        body = assert_cmdb_error(response, 400)
        assert field in str(body["message"])
    # Updates and bulk edits are checked too, and change nothing when refused.
    response = client.put(
        f"/rest/objects/{ok}", headers=alpha_key, json={"fields": [{"name": "host", "value": "A B"}]}
    )
    assert_cmdb_error(response, 400)
    response = client.put(
        f"/rest/objects/0?objectIDs={ok}",
        headers=alpha_key,
        json={"fields": [{"name": "host", "value": "A B"}]},
    )
    assert_cmdb_error(response, 400)
    native = client.get(f"/rest/objects/{ok}/native", headers=alpha_key).json()
    assert {"name": "host", "value": "web-1.example"} in native["fields"]


def test_patterns_postgres_cannot_compile_are_refused_on_the_type(
    client: TestClient, alpha_key: dict[str, str]
) -> None:
    for pattern in ("(", "(?P<name>a)", "a{3,1}"):
        response = client.post(
            "/rest/types/",
            headers=alpha_key,
            json={"name": "bad-pattern", "fields": [{"type": "text", "name": "f", "regex": pattern}]},
        )
        assert_cmdb_error(response, 400)
    made = create_type(client, alpha_key, fields=[{"type": "text", "name": "f"}])
    response = client.patch(
        f"/rest/types/{made['public_id']}",
        headers=alpha_key,
        json={"fields": [{"type": "text", "name": "f", "regex": "(("}]},
    )
    assert_cmdb_error(response, 400)
