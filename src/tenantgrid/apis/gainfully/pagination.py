"""DRF's `LimitOffsetPagination` links, to the letter: absolute, from the request's own URL, with
every query parameter re-encoded in sorted order (`replace_query_param`/`remove_query_param`)."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, quote_from_bytes, urlencode, urlsplit, urlunsplit

from starlette.requests import Request

# Django's escape_uri_path keeps these unescaped in a path
_PATH_SAFE = "/:@&+$,-_.!~*'()"
# a query string is passed on as sent; only bytes no URL may hold are escaped (Django's iri_to_uri)
_QUERY_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"<>\\^`{|}')


def absolute_uri(request: Request) -> str:
    """Django's `request.build_absolute_uri()`: scheme, host, path and query as the client sent them."""
    base = str(request.base_url).rstrip("/")
    path = quote(request.scope.get("path", "/"), safe=_PATH_SAFE)
    query = quote_from_bytes(request.scope.get("query_string", b""), safe=_QUERY_SAFE)
    return f"{base}{path}?{query}" if query else f"{base}{path}"


def replace_query_param(url: str, key: str, value: object) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params[key] = [str(value)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment))


def remove_query_param(url: str, key: str) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params.pop(key, None)
    return urlunsplit((scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment))


def next_link(url: str, limit: int, offset: int, count: int) -> str | None:
    if offset + limit >= count:
        return None
    return replace_query_param(replace_query_param(url, "limit", limit), "offset", offset + limit)


def previous_link(url: str, limit: int, offset: int) -> str | None:
    if offset <= 0:
        return None
    url = replace_query_param(url, "limit", limit)
    if offset - limit <= 0:
        return remove_query_param(url, "offset")
    return replace_query_param(url, "offset", offset - limit)
