"""Keys bound to a sign-in session: the admin panel's key for the `/docs` page.

A key with `session_id` lives as long as that session: revoking the session (logout, a refresh
token used twice, a deactivated user) revokes its keys through a trigger, so every path that ends
a session is covered, and `expires_at` ends it anyway when the session's time is up (the
Authenticator checks it on each use). Plain keys have neither and never expire.
Runs with `search_path` set to the control schema.

Revision ID: c0005
Revises: c0004
"""

from alembic import op

revision = "c0005"
down_revision = "c0004"
branch_labels = None
depends_on = None


STATEMENTS = [
    "ALTER TABLE api_keys ADD COLUMN session_id uuid REFERENCES auth_sessions (id) ON DELETE CASCADE",
    "ALTER TABLE api_keys ADD COLUMN expires_at timestamptz",
    "CREATE INDEX api_keys_session_id_idx ON api_keys (session_id) WHERE session_id IS NOT NULL",
    """
    CREATE FUNCTION revoke_session_keys() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
    BEGIN
        -- Only when there is a key to revoke: an UPDATE of no rows would still bump auth_generation.
        IF EXISTS (SELECT 1 FROM api_keys WHERE session_id = NEW.id AND revoked_at IS NULL) THEN
            UPDATE api_keys SET revoked_at = now() WHERE session_id = NEW.id AND revoked_at IS NULL;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER auth_sessions_revoke_keys
    AFTER UPDATE OF revoked_at ON auth_sessions
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION revoke_session_keys()
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER auth_sessions_revoke_keys ON auth_sessions")
    op.execute("DROP FUNCTION revoke_session_keys()")
    op.execute("DELETE FROM api_keys WHERE session_id IS NOT NULL")
    op.execute("ALTER TABLE api_keys DROP COLUMN expires_at")
    op.execute("ALTER TABLE api_keys DROP COLUMN session_id")
