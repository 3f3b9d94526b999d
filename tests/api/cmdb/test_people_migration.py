"""Migration 0002 on a schema that already has users: every user becomes a CMDB user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Database

ROOT = Path(__file__).resolve().parents[3]


def _alembic(database_url: str, *args: str) -> None:
    env = {**os.environ, "TENANTGRID_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "alembic", "-n", "tenant", "-x", "schema=cmdb_upgrade", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_existing_users_get_user_names_groups_and_ids(database_url: str, db: Database) -> None:
    _alembic(database_url, "upgrade", "0001")
    try:
        db.fetch(
            "INSERT INTO cmdb_upgrade.users (email, password_hash, is_admin) VALUES "
            "('Boss@Example.com', 'h', true), ('worker@example.com', 'h', false)"
        )
        _alembic(database_url, "upgrade", "head")
        rows = db.fetch(
            "SELECT public_id, user_name, group_id, active FROM cmdb_upgrade.users ORDER BY public_id"
        )
        assert [tuple(r) for r in rows] == [
            (1, "boss@example.com", 1, True),
            (2, "worker@example.com", 2, True),
        ]
        groups = db.fetch("SELECT public_id, name FROM cmdb_upgrade.cmdb_groups ORDER BY public_id")
        assert [tuple(g) for g in groups] == [(1, "admin"), (2, "user")]
        # New rows: user_name from the email unless given; identities continue after the existing ones.
        made = db.fetch(
            "INSERT INTO cmdb_upgrade.users (email, password_hash) VALUES ('New@Example.com', 'h') "
            "RETURNING public_id, user_name, group_id"
        )[0]
        assert tuple(made) == (3, "new@example.com", 2)
        group = db.value("INSERT INTO cmdb_upgrade.cmdb_groups (name) VALUES ('third') RETURNING public_id")
        assert group == 3
    finally:
        db.fetch("DROP SCHEMA IF EXISTS cmdb_upgrade CASCADE")
