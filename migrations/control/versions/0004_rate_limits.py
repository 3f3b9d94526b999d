"""Rate-limit windows shared by every server process when no Redis is configured.

One row per limited key: the hits counted in its current window and when that window ends. A check
is one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` (tenantgrid/ratelimit/postgres_window.py).
UNLOGGED: the counters are short-lived and rewritten constantly, so they skip the WAL; a crash
empties the table, which only forgives the windows in progress. Runs with `search_path` set to
the control schema.

Revision ID: c0004
Revises: c0003
"""

from alembic import op

revision = "c0004"
down_revision = "c0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE UNLOGGED TABLE rate_limit_windows (
            key text PRIMARY KEY,
            hits bigint NOT NULL,
            resets_at timestamptz NOT NULL
        ) WITH (fillfactor = 70)
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE rate_limit_windows")
