"""Export rendering: the header, the width of every row, each column type's text."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tenantgrid.apis.gridly.export_format import FORMATS, ExportColumn, ExportWriter, cell_text

COLUMNS = [
    ExportColumn("enUS", "English", "singleLine"),
    ExportColumn("n", "Count", "number"),
    ExportColumn("ok", "Done", "boolean"),
    ExportColumn("tags", "Tags", "multipleSelections"),
    ExportColumn("pics", "Pictures", "files"),
    ExportColumn("data", "Data", "json"),
]
RECORDS = [
    (
        "r1",
        {
            "enUS": 'Hello, "world"\nline 2',
            "n": 1.5,
            "ok": True,
            "tags": ["a", "b"],
            "pics": [{"id": "x.png", "originalName": "x.png"}, {"id": "y", "originalName": "ÿ.jpg"}],
            "data": {"k": [1, 2]},
        },
    ),
    ("r2", {"n": 2, "ok": False}),
    ("r3", {}),
]


def export(kind: str, file_header: str) -> bytes:
    writer = ExportWriter(FORMATS[kind], COLUMNS, file_header)  # type: ignore[arg-type]
    return writer.start() + writer.batch(RECORDS[:1]) + writer.batch(RECORDS[1:]) + writer.end()


@pytest.mark.parametrize(("file_header", "first"), [("columnId", "enUS"), ("columnName", "English")])
def test_csv(file_header: str, first: str) -> None:
    rows = list(csv.reader(io.StringIO(export("csv", file_header).decode("utf-8"), newline="")))
    key = "id" if file_header == "columnId" else "name"
    assert rows[0] == ["_recordId", *(getattr(column, key) for column in COLUMNS)]
    assert rows[0][1] == first
    assert rows[1] == ["r1", 'Hello, "world"\nline 2', "1.5", "true", "a, b", "x.png, ÿ.jpg", '{"k":[1,2]}']
    assert rows[2] == ["r2", "", "2", "false", "", "", ""]
    assert rows[3] == ["r3", "", "", "", "", "", ""]
    assert all(len(row) == 7 for row in rows)


def test_csv_without_header_and_tsv() -> None:
    rows = list(csv.reader(io.StringIO(export("csv", "none").decode(), newline="")))
    assert [row[0] for row in rows] == ["r1", "r2", "r3"]
    tsv = export("tsv", "columnId").decode()
    assert tsv.splitlines()[0].split("\t") == ["_recordId", "enUS", "n", "ok", "tags", "pics", "data"]


def test_json() -> None:
    items = json.loads(export("json", "columnId"))
    assert items[0] == {
        "_recordId": "r1",
        "enUS": 'Hello, "world"\nline 2',
        "n": 1.5,
        "ok": True,
        "tags": ["a", "b"],
        "pics": ["x.png", "ÿ.jpg"],
        "data": {"k": [1, 2]},
    }
    assert items[2] == {
        "_recordId": "r3",
        "enUS": None,
        "n": None,
        "ok": None,
        "tags": None,
        "pics": None,
        "data": None,
    }
    assert json.loads(export("json", "none"))[1] == ["r2", None, 2, False, None, None, None]
    empty = ExportWriter(FORMATS["json"], COLUMNS, "columnName")
    assert json.loads(empty.start() + empty.batch([]) + empty.end()) == []


def test_cell_text() -> None:
    assert cell_text(None, "number") == ""
    assert cell_text(3, "number") == "3"
    assert cell_text("2024-01-02T03:04:05.000Z", "datetime") == "2024-01-02T03:04:05.000Z"
    assert cell_text(["r1", "r2"], "reference") == "r1, r2"
    assert cell_text('{"a":1}', "json") == '{"a":1}'
