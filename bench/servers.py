"""The servers under test as subprocesses: start, wait for /health, stop (always), and what they cost.

Each server runs in its own session (process group), so stopping it reaches uvicorn's workers too:
SIGTERM to the group, then SIGKILL to whatever is left. Memory is the RSS of the uvicorn worker
processes; CPU is read per process from psutil, for the servers and for the PostgreSQL backends.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import loadgen
import psutil
import scenarios

HOST = "127.0.0.1"
PR_SET_PDEATHSIG = 1


# -- servers --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Server:
    name: str
    port: int
    workers: int
    process: subprocess.Popen[bytes]
    log: Path

    def processes(self) -> list[psutil.Process]:
        """The uvicorn worker processes: the process itself, or its spawned workers."""
        main = psutil.Process(self.process.pid)
        if self.workers == 1:
            return [main]
        return [
            child
            for child in main.children(recursive=True)
            if "spawn_main" in " ".join(child.cmdline())
            and "resource_tracker" not in " ".join(child.cmdline())
        ]

    def cpu_seconds(self) -> dict[int, float]:
        return cpu_of(self.processes())

    def rss_mb(self) -> float:
        total = 0
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        return total / 2**20


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Linux: have the kernel send `sig` to this process when its parent exits (even by SIGKILL)."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(
    name: str, command: list[str], env: dict[str, str], workers: int, log_dir: Path, cwd: Path
) -> Server:
    path = log_dir / f"{name}.log"
    with path.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,  # a harness killed outright still takes its servers along
        )
    port = int(command[command.index("--port") + 1])
    return Server(name, port, workers, process, path)


async def wait_healthy(server: Server, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    request = scenarios.Request("GET", "/health", ()).head(f"{HOST}:{server.port}")
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited ({server.process.returncode}):\n{tail(server.log)}")
        try:
            status, _ = await loadgen.send_one(server.port, request, timeout=5)
            if status == 200:
                return
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{server.name} not healthy after {timeout:.0f} s:\n{tail(server.log)}")


def stop(server: Server) -> None:
    """SIGTERM the server's process group, then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if server.process.poll() is not None:
            break
        try:
            os.killpg(server.process.pid, sig)
        except ProcessLookupError:
            break
        try:
            server.process.wait(wait)
        except subprocess.TimeoutExpired:
            continue


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


ERROR_LINE = re.compile(r"\bERROR\b|Exception in ASGI|unhandled error")


def log_errors(path: Path) -> dict[str, Any]:
    """Count a server log's tracebacks by their exception line, and other error lines."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return {"tracebacks": 0, "exceptions": {}, "error_lines": 0}
    exceptions: dict[str, int] = {}
    in_traceback = False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif in_traceback and line and not line[0].isspace():
            key = line[:200]
            exceptions[key] = exceptions.get(key, 0) + 1
            in_traceback = False
    return {
        "tracebacks": sum(exceptions.values()),
        "exceptions": exceptions,
        "error_lines": sum(bool(ERROR_LINE.search(line)) for line in lines),
    }


# -- CPU accounting -------------------------------------------------------------------------------


def cpu_of(processes: list[psutil.Process]) -> dict[int, float]:
    """user + system CPU seconds of each process, by pid."""
    out: dict[int, float] = {}
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            out[process.pid] = times.user + times.system
    return out


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """The cluster's postmaster and all its children (backends, workers), from postmaster.pid."""
    try:
        postmaster = psutil.Process(int((data_dir / "pg" / "postmaster.pid").read_text().split()[0]))
    except (OSError, ValueError, IndexError, psutil.Error):
        return []
    processes = [postmaster]
    with contextlib.suppress(psutil.Error):
        processes += postmaster.children(recursive=True)
    return processes


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two snapshots (processes that appeared count from zero)."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def machine_ticks() -> list[int]:
    """The aggregate `cpu` line of /proc/stat (user nice system idle iowait irq softirq steal ...)."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return []


def machine_share(before: list[int], after: list[int]) -> dict[str, float]:
    """Shares of all cores' time between two snapshots: busy, idle (incl. iowait), steal."""
    if not before or not after:
        return {}
    delta = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(delta[:8]) or 1
    idle = delta[3] + delta[4]
    steal = delta[7] if len(delta) > 7 else 0
    return {
        "busy_cpu_s": round((total - idle - steal) / os.sysconf("SC_CLK_TCK"), 3),
        "busy": round((total - idle - steal) / total, 3),
        "idle": round(idle / total, 3),
        "steal": round(steal / total, 3),
    }
