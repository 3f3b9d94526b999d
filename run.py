#!/usr/bin/env python3
"""Run tenantgrid from a fresh clone with nothing but Python 3.11+ and pip.

    python3 run.py serve        start the server (embedded PostgreSQL, a demo tenant, its keys)
    python3 run.py test [...]   run the test suite (pytest arguments pass through)
    python3 run.py lint         ruff check + ruff format --check
    python3 run.py bench [...]  run the benchmark harness (bench/README.md)
    python3 run.py <command>    any other `tenantgrid` command, e.g. `tenants create acme ...`

The first call makes `.venv` and installs the hash-pinned `requirements.lock` into it; later calls
reuse it until the lock or pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
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
    if command == "test":
        args = [str(PYTHON), "-m", "pytest", *rest]
    elif command == "lint":
        ruff = str(BIN / "ruff")
        paths = [p for p in ("src", "tests", "migrations", "bench", "run.py") if (ROOT / p).exists()]
        checked = subprocess.run([ruff, "check", *paths], cwd=ROOT)
        formatted = subprocess.run([ruff, "format", "--check", *paths], cwd=ROOT)
        return checked.returncode or formatted.returncode
    elif command == "bench":
        args = [str(PYTHON), str(ROOT / "bench" / "run.py"), *rest]
    else:
        args = [str(BIN / "tenantgrid"), command, *rest]
    return subprocess.run(args, cwd=ROOT).returncode


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
