"""A counter that changes whenever an API key could have changed meaning.

Server processes cache key lookups. Rather than looking every cached key up again every few
seconds (at 1,000 tenants, a control-plane query for one request in ten), each process reads this
one row every TENANTGRID_AUTH_CACHE_TTL seconds and drops its whole key cache when it moved.
Triggers bump it, so every path that creates, revokes or deletes a key or a tenant is covered:
the CLI, the server, and SQL typed by hand. Runs with `search_path` set to the control schema.

Revision ID: c0002
Revises: c0001
"""

from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


STATEMENTS = [
    """
    CREATE TABLE auth_generation (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        value bigint NOT NULL
    )
    """,
    "INSERT INTO auth_generation (singleton, value) VALUES (true, 0)",
    """
    CREATE FUNCTION bump_auth_generation() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
    BEGIN
        UPDATE auth_generation SET value = value + 1;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER api_keys_bump_auth_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_generation()
    """,
    """
    CREATE TRIGGER tenants_bump_auth_generation
    AFTER UPDATE OR DELETE OR TRUNCATE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION bump_auth_generation()
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER tenants_bump_auth_generation ON tenants")
    op.execute("DROP TRIGGER api_keys_bump_auth_generation ON api_keys")
    op.execute("DROP FUNCTION bump_auth_generation()")
    op.execute("DROP TABLE auth_generation")
