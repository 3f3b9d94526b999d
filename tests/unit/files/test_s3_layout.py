"""The S3 store's pure parts: where an object lives, how large its parts are, the client's settings."""

from __future__ import annotations

import hashlib
import io
import re

from tenantgrid.files import new_file_id
from tenantgrid.files.s3 import (
    MAX_PARTS,
    MIN_PART_BYTES,
    FileWindow,
    client_config,
    object_key,
    part_bytes,
    tenant_prefix,
)
from tenantgrid.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(database_url="postgresql://localhost/x", **values)  # type: ignore[arg-type]


def test_the_key_is_prefix_schema_file_id() -> None:
    configured = settings(s3_prefix="prod/")
    assert tenant_prefix(configured, "alice_123456") == "prod/alice_123456/"
    assert object_key(configured, "alice_123456", "Ab-_9.jpg") == "prod/alice_123456/Ab-_9.jpg"
    assert object_key(settings(), "bob_000001", "x") == "bob_000001/x"


def test_file_ids_are_unguessable_and_key_safe() -> None:
    ids = {new_file_id("Photo.JPEG") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}\.jpeg", i) for i in ids)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", new_file_id("no extension"))
    assert "/" not in new_file_id("../../etc/passwd")


def test_parts_are_at_least_5_mib_and_at_most_10000() -> None:
    assert part_bytes(0) == MIN_PART_BYTES == 5 * 1024 * 1024
    assert part_bytes(20 * 1024 * 1024) == MIN_PART_BYTES
    huge = 100 * 1024**3
    assert part_bytes(huge) > MIN_PART_BYTES
    assert -(-huge // part_bytes(huge)) <= MAX_PARTS


def test_a_store_of_ones_own_is_addressed_by_path() -> None:
    own = client_config(settings(s3_endpoint_url="http://minio:9000", s3_region="eu-west-1"))
    assert own.s3 == {"addressing_style": "path"}
    assert own.region_name == "eu-west-1"
    assert own.request_checksum_calculation == "when_required"
    assert client_config(settings()).s3 in (None, {})


def test_a_file_window_reads_only_its_part_and_seeks_back() -> None:
    source = io.BytesIO(bytes(range(256)) * 4)
    window = FileWindow(source, 100, 300)
    assert window.read(50) == source.getvalue()[100:150]
    assert window.tell() == 50
    assert window.read() == source.getvalue()[150:400]
    assert window.read(10) == b""
    assert window.seek(0, io.SEEK_END) == 300
    window.seek(0)
    assert hashlib.sha256(window.read()).digest() == hashlib.sha256(source.getvalue()[100:400]).digest()
