"""Headers on every answer of the panel and /docs: no other site may frame them (clickjacking: a
one-click "Revoke" or "Deactivate" under a decoy), nothing is sniffed as another type, no panel URL
leaks to other sites in a Referer, and no cache keeps any of them (a page may show a key, and a
redirect may set a session cookie). A header the handler set itself is kept."""

from __future__ import annotations

from starlette.responses import Response

PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def protect(response: Response) -> None:
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
