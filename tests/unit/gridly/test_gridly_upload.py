"""The multipart receiver: files spooled (not held), fields kept, limits enforced while reading."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tenantgrid.apis.gridly.upload import (
    SPOOL_BYTES,
    UploadRejected,
    check_length,
    clean_filename,
    content_type_of,
    receive_upload,
)

BOUNDARY = "----tgboundary42"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def part(name: str, value: bytes, filename: str | None = None, content_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def pieces(data: bytes, size: int = 7000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def receive(data: bytes, limit: int = 10_000_000, content_type: str = CONTENT_TYPE, size: int = 7000):
    return asyncio.run(receive_upload(content_type, pieces(data, size), limit))


def test_file_then_column_id_as_curl_sends_them() -> None:
    content = bytes(range(256)) * 100
    upload = receive(
        body(part("file", content, "pizza.jpg", "image/jpeg"), part("columnId", b"photos")), size=13
    )
    try:
        assert upload.file.read() == content
        assert (upload.filename, upload.content_type, upload.size) == (
            "pizza.jpg",
            "image/jpeg",
            len(content),
        )
        assert upload.fields == {"columnId": "photos"}
    finally:
        upload.close()


def test_a_large_file_goes_to_disk_not_memory() -> None:
    content = b"x" * (3 * SPOOL_BYTES)
    upload = receive(body(part("file", content, "big.bin")), size=65536)
    try:
        assert upload.file._rolled  # type: ignore[attr-defined]
        assert upload.size == len(content)
        assert upload.content_type == "application/octet-stream"
    finally:
        upload.close()


def test_the_limit_stops_the_upload_with_413() -> None:
    with pytest.raises(UploadRejected) as caught:
        receive(body(part("file", b"y" * 1001, "a.txt")), limit=1000)
    assert caught.value.status == 413
    upload = receive(body(part("file", b"y" * 1000, "a.txt")), limit=1000)
    assert upload.size == 1000
    upload.close()


def test_declared_length_refused_before_reading() -> None:
    with pytest.raises(UploadRejected) as caught:
        check_length(str(10_000_000), 1000)
    assert caught.value.status == 413
    with pytest.raises(UploadRejected):
        check_length("9" * 40, 1000)
    check_length("2000", 1000)
    check_length(None, 1000)
    check_length("garbage", 1000)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("application/json", b"{}"),
        ("multipart/form-data", b""),
        (CONTENT_TYPE, body(part("columnId", b"c"))),
        (CONTENT_TYPE, b"--" + BOUNDARY.encode() + b"\r\ngarbage without headers end"),
        (CONTENT_TYPE, body(part("file", b"a", "a"), part("file", b"b", "b"))),
        (CONTENT_TYPE, body(part("columnId", b"c" * 5000))),
    ],
)
def test_bad_uploads_are_400(content_type: str, data: bytes) -> None:
    with pytest.raises(UploadRejected) as caught:
        receive(data, content_type=content_type)
    assert caught.value.status == 400
    assert caught.value.field


def test_other_file_parts_are_ignored_and_names_cleaned() -> None:
    upload = receive(body(part("other", b"zzz", "z.txt"), part("file", b"ok", "C:\\photos\\\x01pic.png")))
    assert upload.file.read() == b"ok"
    assert upload.filename == "pic.png"
    assert upload.content_type == "image/png"
    upload.close()


def test_rfc8187_filename_star() -> None:
    data = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        "filename*=UTF-8''%C3%A9t%C3%A9%20%E2%82%AC.txt\r\n\r\nhi\r\n"
        f"--{BOUNDARY}--\r\n"
    ).encode()
    upload = receive(data)
    assert upload.filename == "été €.txt"
    upload.close()


def test_helpers() -> None:
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("") == "file"
    assert len(clean_filename("a" * 1000)) == 255
    assert content_type_of("image/jpeg; charset=x", "a.bin") == "image/jpeg"
    assert content_type_of("text/html\r\nX-Evil: 1", "a.txt") == "text/plain"
    assert content_type_of(None, "noext") == "application/octet-stream"
