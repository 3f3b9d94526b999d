"""A multipart/form-data upload read as it arrives: the `file` part goes to a temporary file (in memory up
to 1 MiB, then on disk), never whole into memory, and is cut off with a 413 as soon as it passes the size
limit. The small text fields (`columnId`, ...) are kept as strings.

Starlette's `request.form()` would also spool, but it has no limit on a file's size and reads the whole
body before anyone can refuse it; parsing the stream here lets the limit stop the upload early.
"""

from __future__ import annotations

import mimetypes
import re
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import unquote

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

FILE_FIELD = "file"
SPOOL_BYTES = 1024 * 1024
MAX_FIELD_BYTES = 4096
MAX_PARTS = 16
MAX_NAME_CHARS = 255
DEFAULT_CONTENT_TYPE = "application/octet-stream"
MULTIPART_OVERHEAD = 64 * 1024
"""What a request may carry besides the file (boundaries, headers, the text fields) before its
`Content-Length` alone proves the file too large."""

_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,64}/[A-Za-z0-9!#$&^_.+-]{1,128}$")
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^;]+)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadRejected(Exception):
    """The request is not an acceptable upload: its status, the field to blame and why."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message


@dataclass(slots=True)
class Upload:
    file: IO[bytes]
    """Rewound: read it from the start."""
    filename: str
    content_type: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        self.file.close()


def too_large(limit: int) -> UploadRejected:
    return UploadRejected(413, FILE_FIELD, f"The file is larger than the limit of {limit} bytes.")


def clean_filename(raw: str) -> str:
    """The name without any directory a client put in it (browsers on Windows send `C:\\...`), without
    control characters, at most 255 characters."""
    name = re.split(r"[\\/]", raw)[-1]
    name = _CONTROL.sub("", name).strip()
    return name[:MAX_NAME_CHARS] or "file"


def content_type_of(declared: str | None, filename: str) -> str:
    """The part's own type when it is a well-formed `type/subtype`, else one guessed from the name."""
    if declared:
        bare = declared.split(";", 1)[0].strip().lower()
        if _CONTENT_TYPE.match(bare):
            return bare
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or DEFAULT_CONTENT_TYPE


def _decode(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _part_filename(disposition: bytes, options: dict[bytes, bytes]) -> str | None:
    star = _FILENAME_STAR.search(_decode(disposition))
    if star is not None:  # RFC 8187: charset'language'percent-encoded (python-multipart drops it)
        charset, _, rest = star.group(1).strip().strip('"').partition("'")
        _, _, encoded = rest.partition("'")
        try:
            return unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    if b"filename" in options:
        return _decode(options[b"filename"])
    return None


class _Receiver:
    """python-multipart's callbacks, collecting one file part and the text fields."""

    def __init__(self, max_file_bytes: int) -> None:
        self.max_file_bytes = max_file_bytes
        self.fields: dict[str, str] = {}
        self.file: IO[bytes] | None = None
        self.filename = ""
        self.declared_type: str | None = None
        self.size = 0
        self.parts = 0
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._is_file = False
        self._skip = False
        self._text = bytearray()
        self.failure: UploadRejected | None = None

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise UploadRejected(400, FILE_FIELD, f"A request may carry at most {MAX_PARTS} parts.")
        self._headers = {}
        self._text = bytearray()
        self._is_file = self._skip = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        self._name = _decode(options.get(b"name", b""))
        filename = _part_filename(disposition, options)
        if filename is None:
            return
        if self._name != FILE_FIELD:
            self._skip = True  # another file part: not ours, dropped
            return
        if self.file is not None:
            raise UploadRejected(400, FILE_FIELD, "Send one file per request.")
        self._is_file = True
        self.filename = clean_filename(filename)
        content_type = self._headers.get(b"content-type")
        self.declared_type = _decode(content_type) if content_type else None
        # Closed by Upload.close() (or _discard on a failure): it outlives this callback.
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._skip:
            return
        if self._is_file:
            assert self.file is not None
            self.size += end - start
            if self.size > self.max_file_bytes:
                raise too_large(self.max_file_bytes)
            self.file.write(data[start:end])
            return
        self._text += data[start:end]
        if len(self._text) > MAX_FIELD_BYTES:
            raise UploadRejected(
                400, self._name or "form", f"The field is longer than {MAX_FIELD_BYTES} bytes."
            )

    def on_part_end(self) -> None:
        if not self._is_file and not self._skip and self._name:
            self.fields.setdefault(self._name, _decode(bytes(self._text)))


def multipart_boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data":
        raise UploadRejected(400, FILE_FIELD, "Send the file as multipart/form-data.")
    boundary = options.get(b"boundary")
    if not boundary:
        raise UploadRejected(400, FILE_FIELD, "The multipart/form-data content type lacks its boundary.")
    return boundary


def check_length(content_length: str | None, max_file_bytes: int) -> None:
    """Refuse at once a body whose declared length alone proves the file too large."""
    if not (content_length and content_length.isascii() and content_length.isdigit()):
        return  # no length (chunked), or a bad one: the limit is enforced while reading
    if len(content_length) > 20 or int(content_length) > max_file_bytes + MULTIPART_OVERHEAD:
        raise too_large(max_file_bytes)


async def receive_upload(
    content_type: str | None, chunks: AsyncIterator[bytes], max_file_bytes: int
) -> Upload:
    """Read the body to its end; the caller must `close()` the upload it gets."""
    boundary = multipart_boundary(content_type)
    receiver = _Receiver(max_file_bytes)
    callbacks = {
        name: getattr(receiver, name)
        for name in (
            "on_part_begin",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
            "on_part_data",
            "on_part_end",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        _discard(receiver)
        raise UploadRejected(400, FILE_FIELD, f"The multipart body is malformed: {exc}") from None
    except BaseException:
        _discard(receiver)
        raise
    if receiver.file is None:
        raise UploadRejected(400, FILE_FIELD, 'The request has no "file" part.')
    receiver.file.seek(0)
    return Upload(
        file=receiver.file,
        filename=receiver.filename,
        content_type=content_type_of(receiver.declared_type, receiver.filename),
        size=receiver.size,
        fields=receiver.fields,
    )


def _discard(receiver: _Receiver) -> None:
    if receiver.file is not None:
        receiver.file.close()
