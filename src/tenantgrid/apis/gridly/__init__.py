"""The Gridly API (seed 004) under /v1/: projects > databases > grids, views, columns, records, files."""
