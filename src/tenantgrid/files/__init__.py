"""Uploaded files' bytes, in PostgreSQL or an S3-compatible store (`settings.file_store`); the APIs keep
each file's row (name, type, size, where it belongs) in the tenant's schema."""

from tenantgrid.files.model import FileMissing, FileStore, FileStoreUnavailable, StoredFile, new_file_id
from tenantgrid.files.staging import staged
from tenantgrid.files.store import delete_tenant_files, open_file_store

__all__ = [
    "FileMissing",
    "FileStore",
    "FileStoreUnavailable",
    "StoredFile",
    "delete_tenant_files",
    "new_file_id",
    "open_file_store",
    "staged",
]
