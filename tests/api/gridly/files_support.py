"""Helpers for the Gridly files and export tests: multipart bodies (whole, or streamed from a file), a
server in its own process to measure its memory, and an RSS sampler."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[3]
BOUNDARY = "tenantgrid-test-boundary-7f3a"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def _part_head(name: str, filename: str | None = None, content_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        escaped = filename.replace("\\", "\\\\").replace('"', '\\"')
        disposition += f'; filename="{escaped}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return (head + "\r\n").encode("utf-8")


def multipart(
    content: bytes, filename: str = "file.bin", content_type: str | None = None, **fields: str
) -> bytes:
    """A multipart body: the file first (as curl sends the seed's example), then the fields."""
    body = _part_head("file", filename, content_type) + content + b"\r\n"
    for name, value in fields.items():
        body += _part_head(name) + value.encode() + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def streamed_multipart(source: IO[bytes], filename: str, **fields: str) -> Iterator[bytes]:
    """The same body, read from `source` 256 KiB at a time (the client never holds the file)."""
    yield _part_head("file", filename, "application/octet-stream")
    while chunk := source.read(256 * 1024):
        yield chunk
    yield b"\r\n"
    for name, value in fields.items():
        yield _part_head(name) + value.encode() + b"\r\n"
    yield f"--{BOUNDARY}--\r\n".encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """The app under uvicorn in a process of its own (one worker: its pid is the server's)."""

    def __init__(self, database_url: str, data_dir: Path, **env: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        environment = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "tenantgrid.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={
                **environment,
                "TENANTGRID_DATABASE_URL": database_url,
                "TENANTGRID_DATA_DIR": str(data_dir),
                "TENANTGRID_LOG_REQUESTS": "false",
                **env,
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("the server did not start")
            time.sleep(0.1)

    def rss(self) -> int:
        return int(psutil.Process(self.process.pid).memory_info().rss)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()


class PeakRss:
    """Samples a process's RSS every few milliseconds while in the `with` block; `.peak` is the most."""

    def __init__(self, read: Callable[[], int]) -> None:
        self._read = read
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, self._read())
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self.peak = self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self._read())


def assert_gridly_error(answer: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"message", "errors"}
    assert set(body["errors"][0]) == {"code", "field", "message", "resource"}
    if field is not None:
        assert body["errors"][0]["field"] == field
    return body
