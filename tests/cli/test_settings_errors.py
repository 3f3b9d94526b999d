"""A bad setting stops every command with one line per variable, not pydantic's traceback, and never
echoes the value (it may be a secret)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SECRET = "tiny-secret-value"


@pytest.mark.parametrize("command", [["tenants", "list"], ["serve", "--port", "1"]])
def test_bad_settings_are_named_without_a_traceback(command: list[str], tmp_path) -> None:
    env = {
        **os.environ,
        "TENANTGRID_POOL_SIZE": "abc",
        "TENANTGRID_JWT_SECRET": SECRET,
        "TENANTGRID_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tenantgrid.cli", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "invalid settings:" in result.stderr
    assert "TENANTGRID_POOL_SIZE: Input should be a valid integer" in result.stderr
    assert "TENANTGRID_JWT_ALGORITHM: Value error, TENANTGRID_JWT_SECRET is 17 bytes long" in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert not any(tmp_path.iterdir())  # refused before any database was started
