"""The bytes in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, ...) through aiobotocore: one
object per file at `{s3_prefix}{schema}/{file_id}` in `s3_bucket`.

Uploads go up before the metadata transaction (no connection or row lock is held while they travel):
files up to one part in a single PUT, larger ones as a multipart upload of parts of at least 5 MiB, each
read in small pieces from the spooled upload as it is sent, so neither a file nor a part is ever whole
in memory. Downloads stream the object's
body. An object whose row never committed, or whose row was deleted, is deleted (`discard`); a failure
there is logged and leaves a stray object, never a failed request.

The bucket is created at start-up when it does not exist (`ensure_bucket`); credentials that may not
create it need a bucket made beforehand.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from typing import IO, Any

import asyncpg
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from tenantgrid.files.model import FileMissing, FileStoreUnavailable, StoredFile
from tenantgrid.settings import Settings

log = logging.getLogger(__name__)

MIN_PART_BYTES = 5 * 1024 * 1024
"""S3's smallest part (but the last)."""
MAX_PARTS = 10_000
READ_BYTES = 256 * 1024
DELETE_BATCH = 1000
_MISSING = {"NoSuchKey", "404", "NotFound"}
_NO_BUCKET = {"NoSuchBucket", "404", "NotFound"}


def tenant_prefix(settings: Settings, schema: str) -> str:
    return f"{settings.s3_prefix}{schema}/"


def object_key(settings: Settings, schema: str, file_id: str) -> str:
    return tenant_prefix(settings, schema) + file_id


def part_bytes(size: int) -> int:
    """At least 5 MiB, and large enough that S3's 10,000 parts hold the file."""
    return max(MIN_PART_BYTES, -(-size // MAX_PARTS))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def client_config(settings: Settings) -> AioConfig:
    return AioConfig(
        region_name=settings.s3_region,
        signature_version="s3v4",
        # Path-style URLs (`endpoint/bucket/key`) for a store of one's own (MinIO, Ceph): no DNS per bucket.
        s3={"addressing_style": "path"} if settings.s3_endpoint_url else {},
        # Checksums only where S3 requires them: stores that are not AWS may not know the newer ones.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=10,
        read_timeout=60,
    )


async def open_client(settings: Settings, stack: AsyncExitStack) -> Any:
    """An S3 client, closed with `stack`. Unset keys: botocore's own chain (AWS_* variables, profile,
    instance role)."""
    creator = get_session().create_client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id or None,
        aws_secret_access_key=settings.s3_secret_access_key or None,
        config=client_config(settings),
    )
    return await stack.enter_async_context(creator)


async def ensure_bucket(client: Any, settings: Settings) -> None:
    """Create `s3_bucket` if it does not exist; any other answer than "exists" or "created" stops the
    server from starting, with the store's reason."""
    bucket = settings.s3_bucket
    try:
        await client.head_bucket(Bucket=bucket)
        return
    except ClientError as error:
        if _code(error) not in _NO_BUCKET:
            raise FileStoreUnavailable(f"S3 bucket {bucket!r} is not usable: {error}") from error
    except (BotoCoreError, OSError) as error:
        raise FileStoreUnavailable(f"S3 store at {settings.s3_endpoint_url or 'AWS'}: {error}") from error
    extra: dict[str, Any] = {}
    if settings.s3_region != "us-east-1":
        extra["CreateBucketConfiguration"] = {"LocationConstraint": settings.s3_region}
    try:
        await client.create_bucket(Bucket=bucket, **extra)
        log.info("created S3 bucket %s", bucket)
    except ClientError as error:
        if _code(error) != "BucketAlreadyOwnedByYou":  # another server process made it just now
            raise FileStoreUnavailable(f"S3 bucket {bucket!r} could not be created: {error}") from error


class FileWindow(io.RawIOBase):
    """`length` bytes of `source` from `start`, as a file of their own. botocore reads it to sign the
    request and seeks back, aiohttp sends it in small reads: a part is never whole in memory."""

    def __init__(self, source: IO[bytes], start: int, length: int) -> None:
        super().__init__()
        self._source = source
        self._start = start
        self._length = length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._length - self._position)
        if wanted <= 0:
            return 0
        self._source.seek(self._start + self._position)
        data = self._source.read(wanted)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


class S3FileStore:
    kind = "s3"

    def __init__(self, settings: Settings, client: Any, stack: AsyncExitStack) -> None:
        self._settings = settings
        self._client = client
        self._stack = stack
        self._bucket = settings.s3_bucket

    @classmethod
    async def connect(cls, settings: Settings, *, create_bucket: bool = True) -> S3FileStore:
        stack = AsyncExitStack()
        try:
            client = await open_client(settings, stack)
            if create_bucket:
                await ensure_bucket(client, settings)
        except BaseException:
            await stack.aclose()
            raise
        return cls(settings, client, stack)

    async def close(self) -> None:
        await self._stack.aclose()

    def _key(self, schema: str, file_id: str) -> str:
        return object_key(self._settings, schema, file_id)

    async def stage(self, schema: str, file: StoredFile, source: IO[bytes]) -> None:
        key = self._key(schema, file.id)
        part = part_bytes(file.size)
        try:
            if file.size <= part:
                await self._client.put_object(
                    Bucket=self._bucket,
                    Key=key,
                    Body=FileWindow(source, 0, file.size),
                    ContentLength=file.size,
                    ContentType=file.content_type,
                )
            else:
                await self._multipart(key, file, source, part)
        except (BotoCoreError, ClientError, OSError) as error:
            log.warning("S3 upload of %s failed: %s", key, error)
            raise FileStoreUnavailable("The file store did not take the file.") from error

    async def _multipart(self, key: str, file: StoredFile, source: IO[bytes], part: int) -> None:
        started = await self._client.create_multipart_upload(
            Bucket=self._bucket, Key=key, ContentType=file.content_type
        )
        upload_id = started["UploadId"]
        try:
            parts = []
            for number, start in enumerate(range(0, file.size, part), start=1):
                length = min(part, file.size - start)
                answer = await self._client.upload_part(
                    Bucket=self._bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=FileWindow(source, start, length),
                    ContentLength=length,
                )
                parts.append({"ETag": answer["ETag"], "PartNumber": number})
            await self._client.complete_multipart_upload(
                Bucket=self._bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            await asyncio.shield(self._abort(key, upload_id))
            raise

    async def _abort(self, key: str, upload_id: str) -> None:
        try:
            await self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
        except Exception as error:  # the store's lifecycle rules reap what stays
            log.warning("S3 multipart upload %s of %s not aborted: %s", upload_id, key, error)

    async def write(self, conn: asyncpg.Connection, schema: str, file: StoredFile, source: IO[bytes]) -> None:
        return None  # staged already

    async def open(self, schema: str, file: StoredFile) -> AsyncIterator[bytes]:
        key = self._key(schema, file.id)
        try:
            answer = await self._client.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                log.warning("S3 object %s is missing though its row exists", key)
                raise FileMissing(file.id) from error
            raise FileStoreUnavailable("The file store did not answer.") from error
        except (BotoCoreError, OSError) as error:
            raise FileStoreUnavailable("The file store did not answer.") from error
        return self._chunks(answer["Body"])

    @staticmethod
    async def _chunks(body: Any) -> AsyncIterator[bytes]:
        async with body:
            async for chunk in body.iter_chunks(READ_BYTES):
                yield chunk

    async def discard(self, schema: str, file_ids: Sequence[str]) -> int:
        keys = [self._key(schema, file_id) for file_id in file_ids]
        try:
            return await self._delete_keys(keys)
        except Exception as error:
            log.error("S3 objects not deleted (%d, first %s): %s", len(keys), keys[:1], error)
            return 0

    async def _delete_keys(self, keys: Sequence[str]) -> int:
        deleted = 0
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            answer = await self._client.delete_objects(
                Bucket=self._bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
            errors = answer.get("Errors") or []
            for error in errors[:5]:
                log.error("S3 object %s not deleted: %s", error.get("Key"), error.get("Message"))
            deleted += len(batch) - len(errors)
        return deleted

    async def delete_tenant(self, schema: str) -> int:
        """Every object under the tenant's prefix (a page of at most 1,000 keys at a time)."""
        paginator = self._client.get_paginator("list_objects_v2")
        deleted = 0
        async for page in paginator.paginate(
            Bucket=self._bucket, Prefix=tenant_prefix(self._settings, schema)
        ):
            keys = [item["Key"] for item in page.get("Contents", [])]
            if keys:
                deleted += await self._delete_keys(keys)
        return deleted
