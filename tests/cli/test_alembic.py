"""The `alembic` command run by hand (alembic.ini) upgrades the schema it is told to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Database

ROOT = Path(__file__).resolve().parents[2]


def test_alembic_upgrades_and_downgrades_a_named_schema(database_url: str, db: Database) -> None:
    env = {**os.environ, "TENANTGRID_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "alembic", "-n", "tenant", "-x", "schema=by_hand", "upgrade", "head"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    try:
        assert db.value("SELECT version_num FROM by_hand.alembic_version") == "0004"
        tables = {r[0] for r in db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'by_hand'")}
        assert {"things", "fields", "entries", "field_entries", "users", "alembic_version"} <= tables
        assert {
            "cmdb_groups",
            "cmdb_user_settings",
            "cmdb_types",
            "cmdb_categories",
            "cmdb_objects",
        } <= tables
        assert {
            "gridly_projects",
            "gridly_databases",
            "gridly_grids",
            "gridly_columns",
            "gridly_views",
            "gridly_records",
            "gridly_paths",
            "gridly_dependencies",
            "gridly_files",
            "gridly_file_chunks",
        } <= tables
        assert {
            "gainfully_relationships",
            "gainfully_content",
            "gainfully_events",
            "gainfully_event_content",
            "gainfully_event_relationships",
        } <= tables
        down = [*command[:-2], "downgrade", "base"]
        undone = subprocess.run(down, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert undone.returncode == 0, undone.stderr
        left = {r[0] for r in db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'by_hand'")}
        assert left == {"alembic_version"}
    finally:
        db.fetch("DROP SCHEMA IF EXISTS by_hand CASCADE")
