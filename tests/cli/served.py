"""`tenantgrid serve` in a subprocess, for the tests that need real worker processes: its output is
read on a thread so the pipe never fills, and it counts as started once every worker said so."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.cli.pgbouncer import free_port

ROOT = Path(__file__).resolve().parents[2]
TENANTGRID = str(Path(sys.executable).with_name("tenantgrid"))


class Server:
    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [TENANTGRID, "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._wait_started(workers)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def _wait_started(self, workers: int) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if sum("Application startup complete" in line for line in self.lines) >= workers:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise AssertionError("the server did not start:\n" + "".join(self.lines))

    def printed(self, pattern: str) -> re.Match[str]:
        found = re.search(pattern, "".join(self.lines))
        assert found, "".join(self.lines)
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self._reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
