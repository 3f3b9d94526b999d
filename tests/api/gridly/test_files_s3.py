"""What only the S3 store does (the shared behaviour runs against it in test_files.py): the bucket made
at start-up, the object's key and type, no object left by an upload whose transaction failed (single PUT
and multipart), a 404 for an object deleted behind the server's back, a 503 while the store is down,
and `delete_tenant_files` removing exactly one tenant's objects. All against moto's S3 server, a real
process (tests/cli/s3_server.py)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.files import FileStoreUnavailable, delete_tenant_files
from tenantgrid.files.s3 import MIN_PART_BYTES, object_key, tenant_prefix
from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.gridly.conftest import MakeGrid
from tests.api.gridly.files_support import assert_gridly_error
from tests.api.gridly.test_files import add_record, upload
from tests.cli.pgbouncer import free_port
from tests.cli.s3_server import S3Server, moto_binary, running_s3_server, s3_server_fixture  # noqa: F401

Headers = dict[str, str]
PREFIX = "tg/"


@pytest.fixture(scope="module")
def s3_settings(settings: Settings, s3_server: S3Server) -> Settings:
    return s3_server.settings(settings, prefix=PREFIX)


@pytest.fixture(scope="module")
def api(s3_settings: Settings, client: TestClient) -> Iterator[TestClient]:
    with TestClient(create_app(s3_settings), base_url="http://tenantgrid.test") as s3_client:
        yield s3_client


def keys(s3_server: S3Server, settings: Settings, tenant: ProvisionedTenant) -> set[str]:
    return set(s3_server.keys(settings.s3_bucket, tenant_prefix(settings, tenant.schema)))


def test_the_bucket_is_made_at_start_up(api: TestClient, s3_server: S3Server, s3_settings: Settings) -> None:
    assert s3_server.bucket_exists(s3_settings.s3_bucket)
    # A second server process finds it there and starts too.
    with TestClient(create_app(s3_settings)) as second:
        assert second.get("/health").status_code == 200


def test_an_object_per_file_under_prefix_schema_id(
    api: TestClient,
    s3_server: S3Server,
    s3_settings: Settings,
    alpha_gridly: Headers,
    make_grid: MakeGrid,
) -> None:
    grid = make_grid("alpha")
    add_record(api, alpha_gridly, grid)
    content = os.urandom(MIN_PART_BYTES + 1)  # a multipart upload of two parts
    answer = upload(api, alpha_gridly, grid, content, "photo.jpg", content_type="image/jpeg")
    assert answer.status_code == 200, answer.text
    file_id = answer.json()["id"]
    key = f"{PREFIX}{grid.tenant.schema}/{file_id}"
    assert key == object_key(s3_settings, grid.tenant.schema, file_id)
    head = s3_server.client.head_object(Bucket=s3_settings.s3_bucket, Key=key)
    assert (head["ContentLength"], head["ContentType"]) == (len(content), "image/jpeg")
    stored = s3_server.client.get_object(Bucket=s3_settings.s3_bucket, Key=key)["Body"].read()
    assert stored == content
    # No bytes in PostgreSQL.
    s = quote_ident(grid.tenant.schema)
    db_chunks = api.portal.call(  # type: ignore[union-attr]
        api.app.state.runtime.pools.control.fetchval,  # type: ignore[attr-defined]
        f"SELECT count(*) FROM {s}.gridly_file_chunks WHERE file_id = $1",
        file_id,
    )
    assert db_chunks == 0
    assert s3_server.multipart_uploads(s3_settings.s3_bucket) == []


@pytest.mark.parametrize("size", [100, MIN_PART_BYTES + 100], ids=["single-put", "multipart"])
def test_an_upload_whose_transaction_fails_leaves_no_object(
    api: TestClient,
    s3_server: S3Server,
    s3_settings: Settings,
    alpha_gridly: Headers,
    make_grid: MakeGrid,
    db: Any,
    size: int,
) -> None:
    """The bytes reached the store, then the database refused the row (a trigger raising, as any
    failure inside the transaction): the object is deleted again, and no row, no cell entry remain."""
    grid = make_grid("alpha")
    add_record(api, alpha_gridly, grid)
    s = quote_ident(grid.tenant.schema)
    before = keys(s3_server, s3_settings, grid.tenant)
    db.value(
        f"CREATE FUNCTION {s}.test_refuse_file() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
    )
    db.value(
        f"CREATE TRIGGER test_refuse_file BEFORE INSERT ON {s}.gridly_files FOR EACH ROW "
        f"WHEN (NEW.original_name = 'refused.bin') EXECUTE FUNCTION {s}.test_refuse_file()"
    )
    try:
        answer = upload(api, alpha_gridly, grid, os.urandom(size), "refused.bin")
    finally:
        db.value(f"DROP TRIGGER test_refuse_file ON {s}.gridly_files")
        db.value(f"DROP FUNCTION {s}.test_refuse_file()")
    assert 400 <= answer.status_code < 500, answer.text
    assert "refused by the test" in answer.text
    assert keys(s3_server, s3_settings, grid.tenant) == before
    assert s3_server.multipart_uploads(s3_settings.s3_bucket) == []
    assert db.value(f"SELECT count(*) FROM {s}.gridly_files WHERE grid_id = $1", grid.id) == 0
    records = api.get(grid.records_url, headers=alpha_gridly, params={"columnIds": "docs"}).json()
    assert records[0]["cells"][0].get("value") in (None, [])
    # The same upload under another name goes through.
    assert upload(api, alpha_gridly, grid, os.urandom(size), "accepted.bin").status_code == 200
    assert len(keys(s3_server, s3_settings, grid.tenant) - before) == 1


def test_an_upload_to_a_missing_record_sends_nothing_to_the_store(
    api: TestClient, s3_server: S3Server, s3_settings: Settings, alpha_gridly: Headers, make_grid: MakeGrid
) -> None:
    grid = make_grid("alpha")
    before = keys(s3_server, s3_settings, grid.tenant)
    assert_gridly_error(upload(api, alpha_gridly, grid, b"data", record_id="ghost"), 404, "recordId")
    assert keys(s3_server, s3_settings, grid.tenant) == before


def test_an_object_deleted_behind_the_servers_back_is_a_404(
    api: TestClient, s3_server: S3Server, s3_settings: Settings, alpha_gridly: Headers, make_grid: MakeGrid
) -> None:
    grid = make_grid("alpha")
    add_record(api, alpha_gridly, grid)
    file_id = upload(api, alpha_gridly, grid, b"here today").json()["id"]
    s3_server.client.delete_object(
        Bucket=s3_settings.s3_bucket, Key=object_key(s3_settings, grid.tenant.schema, file_id)
    )
    answer = api.get(f"/v1/views/{grid.view_id}/files/{file_id}", headers=alpha_gridly)
    assert_gridly_error(answer, 404, "fileId")


def test_a_store_that_is_down_is_a_503_and_stores_nothing(
    settings: Settings, alpha_gridly: Headers, make_grid: MakeGrid, db: Any
) -> None:
    """A store of its own, stopped while the server runs: uploads and downloads answer 503 with
    Retry-After in Gridly's shape, nothing is written; deletes still succeed (the bytes are logged)."""
    binary = moto_binary()
    assert binary is not None
    grid = make_grid("alpha")
    s = quote_ident(grid.tenant.schema)
    with running_s3_server(binary) as own:
        own_settings = own.settings(settings)
        with TestClient(create_app(own_settings), base_url="http://tenantgrid.test") as app:
            add_record(app, alpha_gridly, grid)
            file_id = upload(app, alpha_gridly, grid, b"before").json()["id"]
            own.stop()
            down = upload(app, alpha_gridly, grid, b"during")
            body = assert_gridly_error(down, 503, "file")
            assert down.headers["retry-after"]
            assert body["errors"][0]["code"] == "unavailable"
            fetched = app.get(f"/v1/views/{grid.view_id}/files/{file_id}", headers=alpha_gridly)
            assert_gridly_error(fetched, 503, "file")
            rows = db.value(f"SELECT count(*) FROM {s}.gridly_files WHERE grid_id = $1", grid.id)
            assert rows == 1
            deleted = app.request("DELETE", grid.records_url, headers=alpha_gridly, json={"ids": ["r1"]})
            assert deleted.status_code == 204
            assert db.value(f"SELECT count(*) FROM {s}.gridly_files WHERE grid_id = $1", grid.id) == 0


def test_a_server_whose_store_cannot_be_reached_does_not_start(settings: Settings) -> None:
    unreachable = settings.model_copy(
        update={
            "file_store": "s3",
            "s3_endpoint_url": f"http://127.0.0.1:{free_port()}",
            "s3_access_key_id": "x",
            "s3_secret_access_key": "y",
        }
    )
    with pytest.raises(FileStoreUnavailable, match=r"127\.0\.0\.1"), TestClient(create_app(unreachable)):
        pass


def test_delete_tenant_files_removes_that_tenants_objects_only(
    api: TestClient,
    s3_server: S3Server,
    s3_settings: Settings,
    alpha_gridly: Headers,
    beta_gridly: Headers,
    make_grid: MakeGrid,
    beta: ProvisionedTenant,
) -> None:
    for tenant, headers in (("alpha", alpha_gridly), ("beta", beta_gridly)):
        grid = make_grid(tenant)
        add_record(api, headers, grid)
        for n in range(3):
            assert upload(api, headers, grid, b"x" * n, f"{n}.txt").status_code == 200
    bucket = s3_settings.s3_bucket
    lookalike = f"{PREFIX}{beta.schema}_2/kept"  # another schema whose name starts with beta's
    s3_server.client.put_object(Bucket=bucket, Key=lookalike, Body=b"k")
    alpha_keys = set(s3_server.keys(bucket, f"{PREFIX}alpha"))
    beta_keys = keys(s3_server, s3_settings, beta)
    assert len(beta_keys) >= 3

    deleted = asyncio.run(delete_tenant_files(s3_settings, beta.schema))
    assert deleted == len(beta_keys)
    assert keys(s3_server, s3_settings, beta) == set()
    assert set(s3_server.keys(bucket, f"{PREFIX}alpha")) == alpha_keys
    assert lookalike in s3_server.keys(bucket, PREFIX)
    assert asyncio.run(delete_tenant_files(s3_settings, beta.schema)) == 0
    # The PostgreSQL store's bytes go with the schema: nothing to do.
    assert (
        asyncio.run(delete_tenant_files(s3_settings.model_copy(update={"file_store": "postgres"}), "x")) == 0
    )
