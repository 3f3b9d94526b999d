"""The panel's table pages: every table of every API of the signed-in tenant, read and written
through the catalog, the PostgREST dialect, the compiler and the tenant's pool, as the APIs are.

routes (the pages), resources (which tables, grouped by API), listing (filter box, sort, page),
forms (form fields parsed by column type), writes (one transaction each), refusals (database errors
as field messages), row_keys (primary keys in URLs), files (Gridly's stored bytes on delete).
"""
