"""The file store `settings.file_store` names: `postgres` (the default) or `s3`."""

from __future__ import annotations

from tenantgrid.db.pool import Pools
from tenantgrid.files.model import FileStore
from tenantgrid.files.postgres import PostgresFileStore
from tenantgrid.settings import Settings


async def open_file_store(settings: Settings, pools: Pools) -> FileStore:
    """The server's store, for its lifetime (`close()` it). The S3 store makes its bucket if missing."""
    if settings.file_store == "s3":
        from tenantgrid.files.s3 import S3FileStore  # botocore only where it is used

        return await S3FileStore.connect(settings)
    return PostgresFileStore(pools)


async def delete_tenant_files(settings: Settings, schema: str) -> int:
    """Delete every stored file of the tenant `schema` (S3: each object under `{s3_prefix}{schema}/`);
    the number deleted. Call it after the tenant's drop committed. The postgres store's bytes are rows
    in the tenant's schema and go with it: 0. Raises on an object-store failure."""
    if settings.file_store != "s3":
        return 0
    from tenantgrid.files.s3 import S3FileStore

    store = await S3FileStore.connect(settings, create_bucket=False)
    try:
        return await store.delete_tenant(schema)
    finally:
        await store.close()
