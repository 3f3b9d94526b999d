"""Headers on every answer of the panel and /docs: no other site may frame them (clickjacking: a
one-click "Revoke" or "Deactivate" under a decoy), nothing is sniffed as another type, no panel URL
leaks to other sites in a Referer, and no cache keeps any of them (a page may show a key, and a
redirect may set a session cookie). A header the handler set itself is kept.

Panel pages also run only the panel's own files (`PANEL_CSP`): no inline script, handler or style, so
that even an injection the autoescaping missed runs nothing (htmx's eval and script tags are off too:
base.html's htmx-config). /docs keeps `DOCS_CSP`: its Swagger UI page has an inline script."""

from __future__ import annotations

from starlette.responses import Response

DOCS_CSP = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
PANEL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; " + DOCS_CSP
)
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": DOCS_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def protect(response: Response) -> None:
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)


def protect_panel(response: Response) -> None:
    response.headers.setdefault("Content-Security-Policy", PANEL_CSP)
    protect(response)
