"""With no database URL, serve and the CLI share one embedded PostgreSQL, which stops with the server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.cli.test_serve import ROOT, _free_port, _read_until_serving


def _postgres_of(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(data_dir / "pg") in " ".join(
            process.info["cmdline"] or ()
        ):
            found.append(process)
    return found


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TENANTGRID_DATABASE_URL", "DATABASE_URL")}
    return {**env, "TENANTGRID_DATA_DIR": str(data_dir)}


def _serve(data_dir: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tenantgrid.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _terminate(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert process.stdout is not None
    process.stdout.close()


def _gone(data_dir: Path) -> bool:
    deadline = time.monotonic() + 15
    while _postgres_of(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not _postgres_of(data_dir)


def test_cli_joins_the_servers_cluster_and_sigterm_stops_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = _serve(data_dir, _free_port())
    try:
        _read_until_serving(server, time.monotonic() + 60)
        listed = subprocess.run(
            [sys.executable, "-m", "tenantgrid.cli", "tenants", "list", "--json"],
            cwd=ROOT,
            env=_env(data_dir),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0, listed.stderr
        assert [t["tenant"] for t in json.loads(listed.stdout)] == ["demo"]
        assert _postgres_of(data_dir), "the CLI's exit must not stop the server's cluster"
    finally:
        _terminate(server)
    assert _gone(data_dir)


def test_a_crashed_process_does_not_keep_the_cluster_alive(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = _serve(data_dir, _free_port())
    try:
        _read_until_serving(server, time.monotonic() + 60)
    finally:
        _terminate(server)
    assert _gone(data_dir)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (data_dir / "pg" / ".handle_pids.json").write_text(json.dumps([dead.pid]))  # died without unregistering

    server = _serve(data_dir, _free_port())
    try:
        output = _read_until_serving(server, time.monotonic() + 60)
        assert "secret key" not in output  # same cluster, same demo tenant
    finally:
        _terminate(server)
    assert _gone(data_dir)
