"""The export's file formats, written a batch of records at a time (the route streams them).

CSV and TSV: a header row (unless `fileHeader=none`), then one row per record: the record id first, then
one cell per view column, every row exactly as wide as the header. A cell is rendered as text by its
column's type: lists (`multipleSelections`, `reference`) joined by ", ", files by their original names,
booleans `true`/`false`, numbers as JSON writes them, `json` cells as compact JSON, empty cells empty.
JSON: an array with one object per record, keyed like the header (`fileHeader=none`: one array per
record instead), the cells' values kept typed (files as a list of their names).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

RECORD_ID_HEADER = "_recordId"
FILE_HEADERS = ("none", "columnName", "columnId")
FileHeader = Literal["none", "columnName", "columnId"]


@dataclass(frozen=True, slots=True)
class ExportColumn:
    id: str
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class ExportFormat:
    name: str
    media_type: str
    extension: str
    delimiter: str | None
    """None: JSON."""


FORMATS = {
    "csv": ExportFormat("csv", "text/csv; charset=utf-8", "csv", ","),
    "tsv": ExportFormat("tsv", "text/tab-separated-values; charset=utf-8", "tsv", "\t"),
    "json": ExportFormat("json", "application/json", "json", None),
}
DEFAULT_FORMAT = "csv"
DEFAULT_FILE_HEADER: FileHeader = "columnName"


def header(columns: Sequence[ExportColumn], file_header: FileHeader) -> list[str] | None:
    if file_header == "none":
        return None
    key = "id" if file_header == "columnId" else "name"
    return [RECORD_ID_HEADER, *(getattr(column, key) for column in columns)]


def _file_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, Mapping):
            names.append(str(item.get("originalName") or item.get("id") or ""))
        elif item is not None:
            names.append(str(item))
    return names


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def cell_text(value: Any, column_type: str) -> str:
    if value is None:
        return ""
    if column_type == "files":
        return ", ".join(_file_names(value))
    if column_type == "json":
        return value if isinstance(value, str) else _scalar_text(value)
    if isinstance(value, list):
        return ", ".join(_scalar_text(item) for item in value)
    return _scalar_text(value)


def cell_json(value: Any, column_type: str) -> Any:
    if column_type == "files" and value is not None:
        return _file_names(value)
    return value


Record = tuple[str, Mapping[str, Any]]
"""A record id and its cells by column id."""


def text_row(record: Record, columns: Sequence[ExportColumn]) -> list[str]:
    record_id, cells = record
    return [record_id, *(cell_text(cells.get(column.id), column.type) for column in columns)]


class ExportWriter:
    """Turns batches of records into the export's bytes: `start()`, `batch(records)`..., `end()`."""

    def __init__(self, fmt: ExportFormat, columns: Sequence[ExportColumn], file_header: FileHeader) -> None:
        self.fmt = fmt
        self.columns = list(columns)
        self.header = header(self.columns, file_header)
        self._first = True

    def _csv(self, rows: Iterable[list[str]]) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.fmt.delimiter or ",", lineterminator="\r\n")
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8")

    def start(self) -> bytes:
        if self.fmt.delimiter is None:
            return b"["
        return self._csv([self.header]) if self.header is not None else b""

    def batch(self, records: Iterable[Record]) -> bytes:
        if self.fmt.delimiter is not None:
            return self._csv(text_row(record, self.columns) for record in records)
        parts = []
        for record_id, cells in records:
            values = [cell_json(cells.get(column.id), column.type) for column in self.columns]
            item: Any = (
                dict(zip(self.header, [record_id, *values], strict=True))
                if self.header is not None
                else [record_id, *values]
            )
            parts.append(("" if self._first else ",") + json.dumps(item, ensure_ascii=False))
            self._first = False
        return "".join(parts).encode("utf-8")

    def end(self) -> bytes:
        return b"]" if self.fmt.delimiter is None else b""
