"""`tenantgrid serve` as operators run it: log lines (text or JSON) with request ids, and one
/metrics scrape that counts the requests every worker process handled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cli.test_serve import ROOT, _free_port
from tests.conftest import throwaway_database


class Server:
    """A real `tenantgrid serve` process whose output (stdout and stderr) is collected as it comes."""

    def __init__(self, url: str, workers: int, **env: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environment = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tenantgrid.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env={**environment, "TENANTGRID_DATABASE_URL": url, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_until(self, predicate: Any, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{what} did not happen:\n" + "\n".join(self.lines))

    def started(self, workers: int) -> None:
        self.wait_until(
            lambda: sum("Application startup complete" in line for line in self.lines) >= workers,
            f"{workers} workers starting",
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self._reader.join(timeout=10)  # the output ends once every worker has exited
        assert self.process.stdout is not None
        self.process.stdout.close()

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.lines) if line.startswith("{")]


@pytest.fixture
def empty_database(database_url: str) -> Iterator[str]:
    with throwaway_database(database_url, "tenantgrid_observe") as url:
        yield url


def _metric(text: str, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_two_workers_log_json_and_one_scrape_counts_both(empty_database: str, tmp_path: Path) -> None:
    server = Server(empty_database, 2, TENANTGRID_LOG_FORMAT="json", TMPDIR=str(tmp_path))
    try:
        server.started(2)
        assert len(list(tmp_path.glob("tenantgrid-metrics-*"))) == 1  # the multi-process directory
        # Every log line is JSON, uvicorn's own included.
        assert all(line.startswith("{") for line in server.lines if "Application startup complete" in line)
        sent = 0
        workers: set[int] = set()
        while len(workers) < 2 and sent < 400:
            for _ in range(10):  # a new connection each: the kernel hands them to either worker
                response = httpx.get(f"{server.base}/live", headers={"X-Request-Id": f"multi-{sent}"})
                assert response.status_code == 200
                assert response.headers["x-request-id"] == f"multi-{sent}"
                sent += 1
            server.wait_until(
                lambda n=sent: sum(r.get("path") == "/live" for r in server.json_lines()) == n, "access lines"
            )
            workers = {r["process"] for r in server.json_lines() if r.get("path") == "/live"}
        assert len(workers) == 2, f"all {sent} requests went to one worker"
        access = [r for r in server.json_lines() if r.get("path") == "/live"]
        assert {r["request_id"] for r in access} == {f"multi-{n}" for n in range(sent)}
        assert all(
            r["method"] == "GET" and r["status"] == 200 and r["logger"] == "tenantgrid.access" for r in access
        )

        time.sleep(1.2)  # every worker has written its pool gauges (each second)
        scrape = httpx.get(f"{server.base}/metrics")
        assert scrape.status_code == 200
        text = scrape.text
        requests = "tenantgrid_http_requests_total"
        assert _metric(text, requests, api="server", route="/live", method="GET", status="200") == sent
        # The pool gauges are summed over the live workers: two pools of 16.
        assert _metric(text, "tenantgrid_pool_size") == 32
    finally:
        server.stop()
    # and it went with the server
    assert list(tmp_path.glob("tenantgrid-metrics-*")) == []


def test_text_log_lines_carry_the_request_id(empty_database: str) -> None:
    server = Server(empty_database, 1)
    try:
        server.started(1)
        response = httpx.get(f"{server.base}/rest/v1/things", headers={"X-Request-Id": "text-serve-1"})
        assert (response.status_code, response.headers["x-request-id"]) == (401, "text-serve-1")
        server.wait_until(lambda: any("text-serve-1" in line for line in server.lines), "the access line")
        line = next(line for line in server.lines if "text-serve-1" in line)
        assert " INFO tenantgrid.access: GET /rest/v1/things 401 " in line
        assert line.endswith(" tenant=- request_id=text-serve-1")
    finally:
        server.stop()
