"""The Gridly API's tables (seed 004): projects > databases > grids > columns, views, records, paths,
dependencies, files.

Every table is private (`tenantgrid:private`): only the Gridly routes at /v1/ read and write them, so
cell values are always checked against their column's type. Ids are opaque text (generated, or
chosen by the client for columns and records). A record's cells are one jsonb object, column id ->
value (an empty cell is no key); `cell_status` holds the per-cell `dependencyStatus`/`sourceStatus`.
Numbers are JSON numbers and datetimes one fixed-width UTC text, so jsonb's own order is the
column's order; a number or datetime column gets its index `(grid_id, (cells -> '<column id>'))`
when it is created (`apis/gridly/grids_store.py`), which the Gridly dialect's SQL then uses.
Every tenant starts with one project holding one database, so it can make grids at once.

Runs with `search_path` set to the tenant schema being migrated, so every name here is unqualified.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NEW_ID = "substr(replace(gen_random_uuid()::text, '-', ''), 1, 16)"

STATEMENTS = [
    f"""
    CREATE TABLE gridly_projects (
        id text PRIMARY KEY DEFAULT {NEW_ID},
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "COMMENT ON TABLE gridly_projects IS 'tenantgrid:private Gridly projects.'",
    f"""
    CREATE TABLE gridly_databases (
        id text PRIMARY KEY DEFAULT {NEW_ID},
        project_id text NOT NULL REFERENCES gridly_projects (id) ON DELETE CASCADE,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "COMMENT ON TABLE gridly_databases IS 'tenantgrid:private Gridly databases.'",
    "CREATE INDEX gridly_databases_project_idx ON gridly_databases (project_id)",
    f"""
    CREATE TABLE gridly_grids (
        id text PRIMARY KEY DEFAULT {NEW_ID},
        database_id text NOT NULL REFERENCES gridly_databases (id) ON DELETE CASCADE,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "COMMENT ON TABLE gridly_grids IS 'tenantgrid:private Gridly grids.'",
    "CREATE INDEX gridly_grids_database_idx ON gridly_grids (database_id)",
    """
    CREATE TABLE gridly_columns (
        grid_id text NOT NULL REFERENCES gridly_grids (id) ON DELETE CASCADE,
        id text NOT NULL,
        name text NOT NULL,
        type text NOT NULL,
        position integer NOT NULL,
        properties jsonb NOT NULL DEFAULT '{}',
        PRIMARY KEY (grid_id, id)
    )
    """,
    "COMMENT ON TABLE gridly_columns IS 'tenantgrid:private Gridly columns; properties: the type''s options.'",
    f"""
    CREATE TABLE gridly_views (
        id text PRIMARY KEY DEFAULT {NEW_ID},
        grid_id text NOT NULL REFERENCES gridly_grids (id) ON DELETE CASCADE,
        name text NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        columns text[],
        position integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "COMMENT ON TABLE gridly_views IS 'tenantgrid:private Gridly views; columns NULL: every column of the grid.'",
    "CREATE INDEX gridly_views_grid_idx ON gridly_views (grid_id, position)",
    "CREATE UNIQUE INDEX gridly_views_one_default ON gridly_views (grid_id) WHERE is_default",
    """
    CREATE TABLE gridly_records (
        grid_id text NOT NULL REFERENCES gridly_grids (id) ON DELETE CASCADE,
        id text NOT NULL,
        path text NOT NULL DEFAULT '',
        cells jsonb NOT NULL DEFAULT '{}',
        cell_status jsonb NOT NULL DEFAULT '{}',
        position bigint GENERATED ALWAYS AS IDENTITY,
        last_modified_time timestamptz NOT NULL DEFAULT now(),
        last_modified_by text,
        PRIMARY KEY (grid_id, id)
    )
    """,
    "COMMENT ON TABLE gridly_records IS 'tenantgrid:private Gridly records; cells: column id -> value.'",
    "CREATE INDEX gridly_records_position_idx ON gridly_records (grid_id, position)",
    "CREATE INDEX gridly_records_path_idx ON gridly_records (grid_id, path)",
    """
    CREATE TABLE gridly_paths (
        grid_id text NOT NULL REFERENCES gridly_grids (id) ON DELETE CASCADE,
        path text NOT NULL,
        PRIMARY KEY (grid_id, path)
    )
    """,
    "COMMENT ON TABLE gridly_paths IS 'tenantgrid:private Gridly folders, also those without records.'",
    f"""
    CREATE TABLE gridly_dependencies (
        id text PRIMARY KEY DEFAULT {NEW_ID},
        grid_id text NOT NULL,
        source_column_id text NOT NULL,
        target_column_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (grid_id, source_column_id) REFERENCES gridly_columns (grid_id, id) ON DELETE CASCADE,
        FOREIGN KEY (grid_id, target_column_id) REFERENCES gridly_columns (grid_id, id) ON DELETE CASCADE,
        UNIQUE (grid_id, source_column_id, target_column_id),
        CHECK (source_column_id <> target_column_id)
    )
    """,
    "COMMENT ON TABLE gridly_dependencies IS 'tenantgrid:private Gridly column dependencies.'",
    "CREATE INDEX gridly_dependencies_target_idx ON gridly_dependencies (grid_id, target_column_id)",
    """
    CREATE TABLE gridly_files (
        id text PRIMARY KEY,
        grid_id text NOT NULL,
        record_id text NOT NULL,
        column_id text NOT NULL,
        original_name text NOT NULL,
        content_type text NOT NULL,
        size bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (grid_id, record_id) REFERENCES gridly_records (grid_id, id) ON DELETE CASCADE,
        FOREIGN KEY (grid_id, column_id) REFERENCES gridly_columns (grid_id, id) ON DELETE CASCADE
    )
    """,
    "COMMENT ON TABLE gridly_files IS 'tenantgrid:private Gridly files; bytes in gridly_file_chunks.'",
    "CREATE INDEX gridly_files_cell_idx ON gridly_files (grid_id, record_id, column_id)",
    "CREATE INDEX gridly_files_column_idx ON gridly_files (grid_id, column_id)",
    """
    CREATE TABLE gridly_file_chunks (
        file_id text NOT NULL REFERENCES gridly_files (id) ON DELETE CASCADE,
        n integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (file_id, n)
    )
    """,
    "COMMENT ON TABLE gridly_file_chunks IS 'tenantgrid:private Gridly file bytes, about 1 MiB a chunk.'",
    # Every tenant starts with one project holding one database.
    "INSERT INTO gridly_projects (name) VALUES ('My project')",
    "INSERT INTO gridly_databases (project_id, name) SELECT id, 'My database' FROM gridly_projects",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute(
        "DROP TABLE gridly_file_chunks, gridly_files, gridly_dependencies, gridly_paths, gridly_records, "
        "gridly_views, gridly_columns, gridly_grids, gridly_databases, gridly_projects"
    )
