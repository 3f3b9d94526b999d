"""API keys scoped to some Gridly views.

A secret key with `views` set reaches only those views of its tenant's Gridly API (`/v1/`), and
nothing else: the other APIs refuse it. NULL is the full-access key every key was before.
Runs with `search_path` set to the control schema.

Revision ID: c0003
Revises: c0002
"""

from alembic import op

revision = "c0003"
down_revision = "c0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE api_keys ADD COLUMN views text[]")
    op.execute(
        "ALTER TABLE api_keys ADD CONSTRAINT api_keys_views_check "
        "CHECK (views IS NULL OR (kind = 'secret' AND cardinality(views) > 0))"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE api_keys DROP COLUMN views")
