"""Gridly files: upload (the seed's route and the spec's), streamed download, delete; the size limit,
wrong columns, isolation between tenants, grids and views; files deleted with their record, column
or grid; a 20 MB round trip that does not grow the server's memory by 20 MB."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tenantgrid.files.postgres import CHUNK_BYTES
from tenantgrid.runtime import Runtime
from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident
from tests.api.gridly.conftest import Grid, MakeGrid
from tests.api.gridly.file_backends import (  # noqa: F401 (the fixtures api, backend, s3_server)
    Backend,
    api_fixture,
    backend_fixture,
    s3_server_fixture,
)
from tests.api.gridly.files_support import (
    MULTIPART,
    PeakRss,
    ServerProcess,
    assert_gridly_error,
    multipart,
    streamed_multipart,
)

Headers = dict[str, str]


def add_record(client: TestClient, headers: Headers, grid: Grid, record_id: str = "r1") -> None:
    answer = client.post(grid.records_url, headers=headers, json=[{"id": record_id, "cells": []}])
    assert answer.status_code == 200, answer.text


def upload(
    client: TestClient,
    headers: Headers,
    grid: Grid,
    content: bytes,
    filename: str = "pizza.jpg",
    record_id: str = "r1",
    column_id: str = "docs",
    content_type: str | None = "image/jpeg",
) -> httpx.Response:
    """The seed's route: multipart `file` + `columnId`."""
    return client.post(
        f"/v1/views/{grid.view_id}/records/{record_id}/files",
        headers={**headers, "Content-Type": MULTIPART},
        content=multipart(content, filename, content_type, columnId=column_id),
    )


def cell_files(client: TestClient, headers: Headers, grid: Grid, record_id: str = "r1") -> list[Any]:
    records = client.get(grid.records_url, headers=headers, params={"columnIds": "docs"}).json()
    return next(r for r in records if r["id"] == record_id)["cells"][0]["value"]


def test_seed_upload_and_download_round_trip(
    api: TestClient, backend: Backend, alpha_gridly: Headers, grid: Grid, db: Any
) -> None:
    add_record(api, alpha_gridly, grid)
    content = os.urandom(2 * CHUNK_BYTES + 12345)  # three chunks, the last one short
    answer = upload(api, alpha_gridly, grid, content)
    assert answer.status_code == 200, answer.text
    file = answer.json()
    assert file["originalName"] == "pizza.jpg"
    assert (file["contentType"], file["size"], file["thumbnailId"]) == ("image/jpeg", len(content), None)
    assert file["id"].endswith(".jpg") and len(file["id"]) >= 22 + 4
    assert backend.held(db, grid) == (1, backend.pieces(len(content)))
    assert cell_files(api, alpha_gridly, grid) == [file]

    download = api.get(f"/v1/views/{grid.view_id}/files/{file['id']}", headers=alpha_gridly)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "image/jpeg"
    assert download.headers["content-length"] == str(len(content))
    assert download.headers["content-disposition"] == 'attachment; filename="pizza.jpg"'
    assert download.headers["x-content-type-options"] == "nosniff"

    head = api.head(f"/v1/views/{grid.view_id}/files/{file['id']}", headers=alpha_gridly)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(content))


def test_spec_upload_route_and_names(api: TestClient, alpha_gridly: Headers, grid: Grid) -> None:
    add_record(api, alpha_gridly, grid)
    answer = api.post(
        f"/v1/views/{grid.view_id}/files",
        params={"columnId": "docs", "recordId": "r1"},
        headers={**alpha_gridly, "Content-Type": MULTIPART},
        content=multipart(b"", 'notes "été".txt', None),
    )
    assert answer.status_code == 201, answer.text
    file = answer.json()
    assert set(file) == {"id", "originalName", "contentType", "size", "thumbnailId"}
    assert (file["originalName"], file["contentType"], file["size"]) == ('notes "été".txt', "text/plain", 0)
    download = api.get(f"/v1/views/{grid.view_id}/files/{file['id']}", headers=alpha_gridly)
    assert download.status_code == 200 and download.content == b""
    assert download.headers["content-type"] == "text/plain"  # as stored: no charset added
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"notes __t__.txt\"; filename*=UTF-8''notes%20%22%C3%A9t%C3%A9%22.txt"
    )
    second = upload(api, alpha_gridly, grid, b"second", "b.bin", content_type="application/x-thing")
    assert second.status_code == 200
    assert [f["id"] for f in cell_files(api, alpha_gridly, grid)] == [file["id"], second.json()["id"]]
    assert second.json()["id"] != file["id"]


def test_a_file_from_the_requests_own_client(api: TestClient, alpha_gridly: Headers, grid: Grid) -> None:
    """httpx's own multipart encoder (as `requests` and curl send it), the fields before the file."""
    add_record(api, alpha_gridly, grid)
    answer = api.post(
        f"/v1/views/{grid.view_id}/records/r1/files",
        headers=alpha_gridly,
        data={"columnId": "docs"},
        files={"file": ("report.pdf", b"%PDF-1.4 ...", "application/pdf")},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["contentType"] == "application/pdf"


def test_size_limit_is_413_and_stores_nothing(
    api: TestClient,
    backend: Backend,
    alpha_gridly: Headers,
    grid: Grid,
    db: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime: Runtime = api.app.state.runtime  # type: ignore[attr-defined]
    monkeypatch.setattr(runtime.settings, "gridly_max_file_bytes", 1000)
    add_record(api, alpha_gridly, grid)
    body = assert_gridly_error(upload(api, alpha_gridly, grid, b"x" * 1001), 413, "file")
    assert body["errors"][0]["code"] == "too_large"
    assert backend.held(db, grid) == (0, 0)
    assert cell_files(api, alpha_gridly, grid) == []
    declared = api.post(
        f"/v1/views/{grid.view_id}/records/r1/files",
        headers={**alpha_gridly, "Content-Type": MULTIPART, "Content-Length": str(10**9)},
        content=b"",
    )
    assert_gridly_error(declared, 413, "file")
    assert upload(api, alpha_gridly, grid, b"x" * 1000).status_code == 200


@pytest.mark.parametrize(
    ("column_id", "field"),
    [("text", "columnId"), ("num", "columnId"), ("nope", "columnId"), ("", "columnId")],
)
def test_only_files_columns_take_files(
    api: TestClient, backend: Backend, alpha_gridly: Headers, grid: Grid, db: Any, column_id: str, field: str
) -> None:
    add_record(api, alpha_gridly, grid)
    assert_gridly_error(upload(api, alpha_gridly, grid, b"data", column_id=column_id), 400, field)
    spec = api.post(
        f"/v1/views/{grid.view_id}/files",
        params={"columnId": column_id, "recordId": "r1"},
        headers={**alpha_gridly, "Content-Type": MULTIPART},
        content=multipart(b"data"),
    )
    assert_gridly_error(spec, 400, field)
    assert backend.held(db, grid) == (0, 0)


def test_malformed_uploads(api: TestClient, alpha_gridly: Headers, grid: Grid) -> None:
    add_record(api, alpha_gridly, grid)
    url = f"/v1/views/{grid.view_id}/records/r1/files"
    assert_gridly_error(api.post(url, headers=alpha_gridly, json={"file": "x"}), 400, "file")
    no_file = api.post(url, headers=alpha_gridly, data={"columnId": "docs"}, files={})
    assert_gridly_error(no_file, 400, "file")
    garbage = api.post(url, headers={**alpha_gridly, "Content-Type": MULTIPART}, content=b"--nonsense")
    assert garbage.status_code == 400
    no_record = api.post(
        f"/v1/views/{grid.view_id}/files",
        params={"columnId": "docs"},
        headers={**alpha_gridly, "Content-Type": MULTIPART},
        content=multipart(b"data"),
    )
    assert_gridly_error(no_record, 400, "recordId")
    missing = upload(api, alpha_gridly, grid, b"data", record_id="ghost")
    body = assert_gridly_error(missing, 404, "recordId")
    assert body["errors"][0]["message"] == 'Record "ghost" could not be found.'


def test_unknown_view_and_no_key(api: TestClient, alpha_gridly: Headers, grid: Grid) -> None:
    body = assert_gridly_error(api.get("/v1/views/NezkWk3VEL/files/abc", headers=alpha_gridly), 404)
    assert body == {
        "message": "Validation failed.",
        "errors": [
            {
                "resource": "view",
                "field": "id",
                "code": "missing",
                "message": 'View "NezkWk3VEL" could not be found.',
            }
        ],
    }
    assert_gridly_error(api.get(f"/v1/views/{grid.view_id}/files/abc"), 401)
    assert_gridly_error(api.get(f"/v1/views/{grid.view_id}/files/abc", headers=alpha_gridly), 404, "fileId")


def test_isolation_between_tenants_grids_and_views(
    api: TestClient, alpha_gridly: Headers, beta_gridly: Headers, make_grid: MakeGrid, db: Any
) -> None:
    grid = make_grid("alpha")
    add_record(api, alpha_gridly, grid)
    file_id = upload(api, alpha_gridly, grid, b"secret").json()["id"]
    own = f"/v1/views/{grid.view_id}/files/{file_id}"
    assert api.get(own, headers=alpha_gridly).content == b"secret"
    # Another tenant: its key does not see the view, nor the file through a view of its own.
    assert_gridly_error(api.get(own, headers=beta_gridly), 404, "id")
    beta_grid = make_grid("beta")
    assert_gridly_error(
        api.get(f"/v1/views/{beta_grid.view_id}/files/{file_id}", headers=beta_gridly), 404, "fileId"
    )
    delete = api.request(
        "DELETE",
        f"/v1/views/{grid.view_id}/files",
        params={"columnId": "docs", "recordId": "r1"},
        headers=beta_gridly,
        json={"ids": [file_id]},
    )
    assert_gridly_error(delete, 404)
    # Another grid of the same tenant.
    other = make_grid("alpha")
    assert_gridly_error(
        api.get(f"/v1/views/{other.view_id}/files/{file_id}", headers=alpha_gridly), 404, "fileId"
    )
    # Another view of the same grid that does not show the files column.
    s = quote_ident(grid.tenant.schema)
    narrow = db.value(
        f"INSERT INTO {s}.gridly_views (grid_id, name, columns, position) VALUES ($1, 'Narrow', ARRAY['text'], 1)"
        " RETURNING id",
        grid.id,
    )
    assert_gridly_error(api.get(f"/v1/views/{narrow}/files/{file_id}", headers=alpha_gridly), 404, "fileId")
    assert api.get(own, headers=alpha_gridly).content == b"secret"


def test_delete_files(api: TestClient, backend: Backend, alpha_gridly: Headers, grid: Grid, db: Any) -> None:
    add_record(api, alpha_gridly, grid)
    first = upload(api, alpha_gridly, grid, b"one").json()
    second = upload(api, alpha_gridly, grid, b"two").json()
    url = f"/v1/views/{grid.view_id}/files"
    params = {"columnId": "docs", "recordId": "r1"}
    answer = api.request(
        "DELETE", url, params=params, headers=alpha_gridly, json={"ids": [first["id"], "nope"]}
    )
    assert answer.status_code == 204 and answer.content == b""
    assert cell_files(api, alpha_gridly, grid) == [second]
    assert_gridly_error(api.get(f"{url}/{first['id']}", headers=alpha_gridly), 404, "fileId")
    assert backend.held(db, grid) == (1, 1)
    assert_gridly_error(
        api.request("DELETE", url, params=params, headers=alpha_gridly, json={"ids": "x"}), 400, "ids"
    )
    assert_gridly_error(
        api.request(
            "DELETE", url, params={**params, "columnId": "text"}, headers=alpha_gridly, json={"ids": []}
        ),
        400,
        "columnId",
    )
    assert_gridly_error(
        api.request("DELETE", url, params={"columnId": "docs"}, headers=alpha_gridly, json={"ids": []}),
        400,
        "recordId",
    )
    last = api.request("DELETE", url, params=params, headers=alpha_gridly, json={"ids": [second["id"]]})
    assert last.status_code == 204
    assert cell_files(api, alpha_gridly, grid) == []
    assert backend.held(db, grid) == (0, 0)


def test_a_files_cell_written_by_patch_keeps_only_the_files_it_lists(
    api: TestClient, backend: Backend, alpha_gridly: Headers, grid: Grid, db: Any
) -> None:
    add_record(api, alpha_gridly, grid)
    kept = upload(api, alpha_gridly, grid, b"kept").json()
    dropped = upload(api, alpha_gridly, grid, b"dropped").json()
    assert backend.held(db, grid) == (2, 2)
    patched = api.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "r1", "cells": [{"columnId": "docs", "value": [kept]}]}],
    )
    assert patched.status_code == 200, patched.text
    assert cell_files(api, alpha_gridly, grid) == [kept]
    assert backend.held(db, grid) == (1, 1)
    url = f"/v1/views/{grid.view_id}/files"
    assert api.get(f"{url}/{kept['id']}", headers=alpha_gridly).content == b"kept"
    assert_gridly_error(api.get(f"{url}/{dropped['id']}", headers=alpha_gridly), 404, "fileId")
    # A PATCH that leaves the files cell out keeps its files.
    other = api.patch(grid.records_url, headers=alpha_gridly, json=[{"id": "r1", "path": "elsewhere"}])
    assert other.status_code == 200, other.text
    assert backend.held(db, grid) == (1, 1)
    emptied = api.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "r1", "cells": [{"columnId": "docs", "value": None}]}],
    )
    assert emptied.status_code == 200, emptied.text
    assert backend.held(db, grid) == (0, 0)


def test_deleting_a_record_column_path_or_grid_deletes_its_files(
    api: TestClient, backend: Backend, alpha_gridly: Headers, make_grid: MakeGrid, db: Any
) -> None:
    """Through the routes; with S3 the objects are gone from the bucket too (`held` lists it)."""
    grid = make_grid("alpha")
    for record_id in ("r1", "r2", "r3"):
        add_record(api, alpha_gridly, grid, record_id)
        assert upload(api, alpha_gridly, grid, b"z" * 10, record_id=record_id).status_code == 200
    assert backend.held(db, grid) == (3, 3)
    deleted = api.request("DELETE", grid.records_url, headers=alpha_gridly, json={"ids": ["r1"]})
    assert deleted.status_code == 204
    assert backend.held(db, grid) == (2, 2)
    by_identifier = api.request(
        "DELETE", grid.records_url, headers=alpha_gridly, json={"identifiers": [{"id": "r2", "path": ""}]}
    )
    assert by_identifier.status_code == 204
    assert backend.held(db, grid) == (1, 1)
    column = api.delete(f"/v1/views/{grid.view_id}/columns/docs", headers=alpha_gridly)
    assert column.status_code == 204, column.text
    assert backend.held(db, grid) == (0, 0)

    foldered = make_grid("alpha")
    made = api.post(
        foldered.records_url, headers=alpha_gridly, json=[{"id": "f1", "path": "a/b", "cells": []}]
    )
    assert made.status_code == 200, made.text
    add_record(api, alpha_gridly, foldered, "kept")
    upload(api, alpha_gridly, foldered, b"in a folder", record_id="f1")
    upload(api, alpha_gridly, foldered, b"at the root", record_id="kept")
    assert backend.held(db, foldered) == (2, 2)
    path = api.request(
        "DELETE", f"/v1/views/{foldered.view_id}/paths", headers=alpha_gridly, json={"paths": ["a"]}
    )
    assert path.status_code == 204, path.text
    assert backend.held(db, foldered) == (1, 1)

    again = make_grid("alpha")
    add_record(api, alpha_gridly, again)
    assert upload(api, alpha_gridly, again, b"q").status_code == 200
    assert backend.held(db, again) == (1, 1)
    assert api.delete(f"/v1/grids/{again.id}", headers=alpha_gridly).status_code == 204
    assert backend.held(db, again) == (0, 0)
    assert backend.orphans(db, again.tenant) == []


def test_openapi_documents_the_files_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    upload_op = paths["/v1/views/{viewId}/records/{recordId}/files"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert "413" in upload_op["responses"]
    spec_op = paths["/v1/views/{viewId}/files"]["post"]
    assert "201" in spec_op["responses"]
    assert {p["name"] for p in spec_op["parameters"]} >= {"viewId", "columnId", "recordId"}
    assert "204" in paths["/v1/views/{viewId}/files"]["delete"]["responses"]
    download = paths["/v1/views/{viewId}/files/{fileId}"]["get"]
    assert "application/octet-stream" in download["responses"]["200"]["content"]
    assert download["security"] == [{"gridlyApiKey": []}]


MIB = 1024 * 1024


def test_20_mb_round_trip_does_not_grow_the_server_by_20_mb(
    backend: Backend, settings: Settings, alpha_gridly: Headers, make_grid: MakeGrid, tmp_path: Path
) -> None:
    """A server in its own process, so that its RSS is the server's alone; client and server stream
    (with S3: to and from moto's server, in multipart parts)."""
    grid = make_grid("alpha")
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with source.open("wb") as out:
        for _ in range(20):
            block = os.urandom(MIB)
            digest.update(block)
            out.write(block)
    store = backend.s3.environment(backend.settings) if backend.s3 is not None else {}
    server = ServerProcess(settings.database_url or "", tmp_path / "data", **store)
    try:
        with httpx.Client(base_url=server.url, headers=alpha_gridly, timeout=60) as http:
            assert http.post(grid.records_url, json=[{"id": "big", "cells": []}]).status_code == 200

            def round_trip(path: Path, name: str) -> tuple[str, str]:
                with path.open("rb") as body:
                    answer = http.post(
                        f"/v1/views/{grid.view_id}/records/big/files",
                        headers={"Content-Type": MULTIPART},
                        content=streamed_multipart(body, name, columnId="docs"),
                    )
                assert answer.status_code == 200, answer.text
                file_id = answer.json()["id"]
                if backend.s3 is not None:  # the bytes went to the object store
                    assert file_id in backend.object_ids(grid.tenant.schema)
                received = hashlib.sha256()
                with http.stream("GET", f"/v1/views/{grid.view_id}/files/{file_id}") as download:
                    assert download.status_code == 200
                    assert download.headers["content-length"] == str(path.stat().st_size)
                    for chunk in download.iter_bytes():
                        received.update(chunk)
                return file_id, received.hexdigest()

            warm = tmp_path / "warm.bin"
            # Every code path run once (S3: a multipart upload of three parts), buffers grown.
            warm.write_bytes(os.urandom((3 if backend.kind == "postgres" else 11) * MIB))
            round_trip(warm, "warm.bin")
            baseline = server.rss()
            with PeakRss(server.rss) as peak:
                _, received = round_trip(source, "big.bin")
            assert received == digest.hexdigest()
            growth = peak.peak - baseline
            assert growth < 12 * MIB, f"the server grew by {growth / MIB:.1f} MiB for a 20 MiB file"
    finally:
        server.stop()


def test_a_files_cell_change_marks_its_dependencies(
    api: TestClient, alpha_gridly: Headers, grid: Grid
) -> None:
    """As for any other cell: the cells depending on it become outOfDate, and the cell itself, when it
    depends on another, upToDate."""
    for source, target in (("docs", "text"), ("enUS", "docs")):
        made = api.post(
            f"/v1/views/{grid.view_id}/dependencies",
            headers=alpha_gridly,
            json={"sourceColumnId": source, "targetColumnId": target},
        )
        assert made.status_code == 201, made.text
    cells = [{"columnId": "enUS", "value": "Hi"}, {"columnId": "text", "value": "x"}]
    assert (
        api.post(grid.records_url, headers=alpha_gridly, json=[{"id": "r1", "cells": cells}]).status_code
        == 200
    )

    def statuses() -> dict[str, Any]:
        record = api.get(grid.records_url, headers=alpha_gridly, params={"columnIds": "text,docs"}).json()[0]
        return {c["columnId"]: c.get("dependencyStatus") for c in record["cells"]}

    assert statuses() == {"text": "upToDate", "docs": "outOfDate"}
    file_id = upload(api, alpha_gridly, grid, b"a").json()["id"]
    assert statuses() == {"text": "outOfDate", "docs": "upToDate"}
    patched = api.patch(
        grid.records_url,
        headers=alpha_gridly,
        json=[{"id": "r1", "cells": [{"columnId": "text", "value": "y"}]}],
    )
    assert patched.status_code == 200
    assert statuses()["text"] == "upToDate"
    deleted = api.request(
        "DELETE",
        f"/v1/views/{grid.view_id}/files",
        params={"columnId": "docs", "recordId": "r1"},
        headers=alpha_gridly,
        json={"ids": [file_id]},
    )
    assert deleted.status_code == 204
    assert statuses()["text"] == "outOfDate"
