"""`Content-Disposition` for downloads (RFC 6266): an ASCII `filename` every client understands, and
`filename*` (RFC 8187, UTF-8) carrying the real name when it is not plain ASCII."""

from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE_ASCII = re.compile(r'[^\x20-\x7e]|["\\%]')
# RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
_ATTR_CHARS = "!#$&+-.^_`|~"


def content_disposition(filename: str, kind: str = "attachment") -> str:
    name = filename or "file"
    fallback = _UNSAFE_ASCII.sub("_", name)
    header = f'{kind}; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"
    return header
