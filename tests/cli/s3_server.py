"""A real S3-compatible server for the file-store tests: moto's `moto_server` (installed with
`moto[server]` into the venv) as a process of its own on a free loopback port. It speaks S3's HTTP API,
so the server under test talks to it exactly as to MinIO, Ceph or AWS.

    from tests.cli.s3_server import s3_server_fixture  # noqa: F401 (the fixture `s3_server`)

    def test_x(s3_server: S3Server):
        settings = s3_server.settings(base_settings)      # file_store="s3", its URL, a fresh bucket
        s3_server.keys("tenantgrid-x", "prefix/")          # what the bucket holds
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from tenantgrid.settings import Settings
from tests.cli.pgbouncer import free_port

ACCESS_KEY = "tenantgrid-test"
SECRET_KEY = "tenantgrid-test-secret"
REGION = "us-east-1"


def moto_binary() -> str | None:
    beside = Path(sys.executable).with_name("moto_server")
    if beside.exists():
        return str(beside)
    return shutil.which("moto_server")


class S3Server:
    def __init__(self, url: str, process: subprocess.Popen[bytes] | None = None) -> None:
        self.url = url
        self._process = process
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )

    def settings(self, base: Settings, bucket: str | None = None, prefix: str = "") -> Settings:
        """`base` with the S3 store on this server; a bucket of its own unless named."""
        return base.model_copy(
            update={
                "file_store": "s3",
                "s3_endpoint_url": self.url,
                "s3_bucket": bucket or f"tenantgrid-{secrets.token_hex(4)}",
                "s3_prefix": prefix,
                "s3_region": REGION,
                "s3_access_key_id": ACCESS_KEY,
                "s3_secret_access_key": SECRET_KEY,
            }
        )

    def environment(self, settings: Settings) -> dict[str, str]:
        """The same settings as a server process reads them."""
        return {
            "TENANTGRID_FILE_STORE": "s3",
            "TENANTGRID_S3_ENDPOINT_URL": self.url,
            "TENANTGRID_S3_BUCKET": settings.s3_bucket,
            "TENANTGRID_S3_PREFIX": settings.s3_prefix,
            "TENANTGRID_S3_REGION": REGION,
            "TENANTGRID_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "TENANTGRID_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        return [
            item["Key"]
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]

    def multipart_uploads(self, bucket: str) -> list[Any]:
        return list(self.client.list_multipart_uploads(Bucket=bucket).get("Uploads", []))

    def stop(self) -> None:
        """Stop the server process (a store that went down); idempotent."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)

    def bucket_exists(self, bucket: str) -> bool:
        return any(b["Name"] == bucket for b in self.client.list_buckets().get("Buckets", []))


@contextmanager
def running_s3_server(binary: str) -> Iterator[S3Server]:
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="tenantgrid-moto-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_answering(process, url, log)
        server = S3Server(url, process)
        yield server
    finally:
        S3Server(url, process).stop()
        log.unlink(missing_ok=True)


def _wait_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"moto_server exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(url + "/moto-api/", timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"moto_server did not answer at {url}")


@pytest.fixture(name="s3_server", scope="session")
def s3_server_fixture() -> Iterator[S3Server]:
    """moto's S3 server for the session. Skipped only where moto_server is missing outside CI."""
    binary = moto_binary()
    if binary is None:
        if os.environ.get("CI"):
            raise AssertionError("moto_server is missing: install the test dependencies (moto[server])")
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    with running_s3_server(binary) as server:
        yield server
