"""The airbyte-source-gridly connector in a venv of its own, run as Airbyte runs it (one process a command).

The connector needs Python < 3.12 and an airbyte-cdk that conflicts with this project's dependencies,
so it cannot live in our venv. `connector_python()` builds a venv from the hash-pinned lock
`tests/clients/airbyte/requirements.lock` in a temporary folder under `.tenantgrid/clients/`, and
renames it into place only once every package is in: a later run (or another process) reuses it,
and a lock that changes gets a venv of its own (the folder is named by the lock's digest).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
CLIENT = ROOT / "tests" / "clients" / "airbyte"
LOCK = CLIENT / "requirements.lock"
RUNNER = CLIENT / "run_source.py"
CACHE = ROOT / ".tenantgrid" / "clients"
INSTALL_TIMEOUT = 900


def _interpreter() -> str:
    """A Python 3.9-3.11 to make the venv with: ours when it fits, else `python3.11` on PATH."""
    if (3, 9) <= sys.version_info[:2] < (3, 12):
        return sys.executable
    found = shutil.which("python3.11")
    if found is None:
        pytest.skip("airbyte-source-gridly needs Python < 3.12 and no python3.11 is on PATH")
    return found


def connector_python() -> Path:
    """The connector venv's python, built on first use and reused after."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    venv = CACHE / f"airbyte-source-gridly-{digest}"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="building-") as building:
        build = Path(building) / "venv"
        subprocess.run([_interpreter(), "-m", "venv", str(build)], check=True, timeout=120)
        install = subprocess.run(
            [
                str(build / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--require-hashes",
                "--no-deps",
                "-r",
                str(LOCK),
            ],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
        assert install.returncode == 0, f"installing {LOCK.name} failed:\n{install.stderr[-4000:]}"
        try:
            os.rename(build, venv)  # atomic: a venv at `venv` is always complete
        except OSError:
            if not python.exists():  # not another process that finished first
                raise
    return python


def run_connector(python: Path, base_url: str, command: str, tmp: Path, **files: Any) -> list[dict[str, Any]]:
    """`command` (check, discover, read) with `files` (config=..., catalog=...) written as JSON; the
    connector's Airbyte messages, one JSON object a line on stdout."""
    arguments = [str(python), str(RUNNER), base_url, command]
    for name, content in files.items():
        path = tmp / f"{command}-{name}.json"
        path.write_text(json.dumps(content))
        arguments += [f"--{name}", str(path)]
    done = subprocess.run(arguments, capture_output=True, text=True, timeout=120, cwd=tmp)
    messages = []
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            messages.append(json.loads(line))
    assert messages, f"no Airbyte message (exit {done.returncode}):\n{done.stderr[-4000:]}"
    return messages


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("type") == kind]
