#!/usr/bin/env python3
"""Run tenantgrid from a fresh clone with nothing but Python 3.11+ and pip.

    python3 run.py serve        start the server (embedded PostgreSQL, a demo tenant, its keys)
    python3 run.py test [...]   run the test suite (pytest arguments pass through)
    python3 run.py lint         ruff check + ruff format --check
    python3 run.py bench [...]  run the benchmark harness (bench/README.md)
    python3 run.py <command>    any other `tenantgrid` command, e.g. `tenants create acme ...`

The first call makes `.venv` and installs the hash-pinned `requirements.lock` into it; later calls
reuse it until the lock or pyproject.toml changes. Then this process becomes the command (exec), so
a signal sent to it (SIGTERM from `timeout` or a supervisor) reaches the server itself.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".installed-lock"


def ensure_environment() -> None:
    digest = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest and PYTHON.exists():
        return
    if not PYTHON.exists():
        print("run.py: creating .venv", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    print("run.py: installing the locked dependencies", file=sys.stderr)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--require-hashes", "--no-deps", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)
    STAMP.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    ensure_environment()
    command, rest = argv[0], argv[1:]
    if command == "lint":
        return lint()
    if command == "test":
        args = [str(PYTHON), "-m", "pytest", *rest]
    elif command == "bench":
        args = [str(PYTHON), str(ROOT / "bench" / "run.py"), *rest]
    else:
        args = [str(BIN / "tenantgrid"), command, *rest]
    return replace_process(args)


def replace_process(args: list[str]) -> int:
    """Become the command, so that signals sent to this pid (SIGTERM from `timeout`, a supervisor or
    `kill`) reach it: a child process would outlive this wrapper, with its embedded PostgreSQL."""
    os.chdir(ROOT)
    if os.name == "nt":  # no exec on Windows: its os.execv starts a new process and returns at once
        return subprocess.run(args).returncode
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(args[0], args)


def lint() -> int:
    """ruff check, then ruff format --check (both always run). Two short runs: a signal that stops
    this wrapper is passed on to the one running, so neither is left behind."""
    ruff = str(BIN / "ruff")
    paths = [p for p in ("src", "tests", "migrations", "bench", "run.py") if (ROOT / p).exists()]
    checked = run_forwarding_signals([ruff, "check", *paths])
    formatted = run_forwarding_signals([ruff, "format", "--check", *paths])
    return checked or formatted


def run_forwarding_signals(args: list[str]) -> int:
    child = subprocess.Popen(args, cwd=ROOT)
    # SIGINT from a terminal reaches the whole process group, the child included, by itself.
    forwarded = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {s: signal.signal(s, lambda signum, _frame: child.send_signal(signum)) for s in forwarded}
    try:
        return child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
