"""`python3 run.py serve` stopped by SIGTERM (as `timeout`, `kill` or a supervisor do) stops the server
and its embedded PostgreSQL: the wrapper hands the signal on instead of dying alone."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from tests.cli.test_embedded import _env, _postgres_of
from tests.cli.test_serve import ROOT, _free_port


def _servers_on(port: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if (
            any(part.endswith("tenantgrid") for part in cmdline)
            and "serve" in cmdline
            and str(port) in cmdline
        ):
            found.append(process)
    return found


def _survivors(port: int, data_dir: Path) -> list[psutil.Process]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        left = _servers_on(port) + _postgres_of(data_dir)
        if not left:
            return []
        time.sleep(0.2)
    return left


def _wait_healthy(wrapper: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 120  # a cold data dir: initdb, migrations, the demo tenant
    while time.monotonic() < deadline:
        assert wrapper.poll() is None, "run.py serve exited before it served"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("run.py serve never answered /health")


def test_sigterm_to_run_py_serve_stops_the_server_and_its_postgresql(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    port = _free_port()
    wrapper = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(wrapper, port)
        assert _postgres_of(data_dir), "serve must be running its embedded PostgreSQL"
        wrapper.send_signal(signal.SIGTERM)
        wrapper.wait(timeout=30)
        left = _survivors(port, data_dir)
        assert not left, f"still running after SIGTERM: {[p.info['cmdline'] for p in left]}"
    finally:
        for process, signum in [(p, signal.SIGKILL) for p in _servers_on(port)] + [
            (p, signal.SIGINT)
            for p in _postgres_of(data_dir)  # PostgreSQL's fast shutdown
        ]:  # cleans up after a failure
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signum)
        if wrapper.poll() is None:
            wrapper.kill()
            wrapper.wait()
