"""The `/docs` page: Swagger UI from a packaged copy, so it works where browsers reach no CDN
(air-gapped and self-hosted installs), instead of FastAPI's default CDN links.

It shares the admin panel's login (seed 003: "log into the admin, and then return to the spec"):
with a valid panel session, every key-taking security scheme is pre-authorised with the session's
docs key (`tenantgrid.admin.docs_key`), so "Try it out" acts for that tenant without a pasted key,
and the page says which tenant that is. The cookie is read on this route alone, never on API calls.
"""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from tenantgrid.admin.docs_key import docs_key
from tenantgrid.admin.headers import protect
from tenantgrid.admin.session import AdminSession, apply_session_cookie, current_admin

ASSETS = "/docs/assets"
NOT_TENANT_KEYS: frozenset[str] = frozenset()
"""apiKey schemes whose value is not a tenant's key (none today); they are never pre-authorised."""


def key_credentials(security_schemes: dict[str, Any], key: str) -> dict[str, str]:
    """Scheme name -> the value Swagger UI sends for it, for every scheme a tenant's key fills in.

    A key in an `Authorization` header goes as `ApiKey <key>` (what every API accepts there); in any
    other header, bare. Bearer and Basic schemes are a user's JWT or password: left to the user.
    """
    return {
        name: f"ApiKey {key}" if scheme["name"].lower() == "authorization" else key
        for name, scheme in security_schemes.items()
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header" and name not in NOT_TENANT_KEYS
    }


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no `</script>` or `<!--` can end or bend it."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _acting_for(admin: AdminSession) -> str:
    name, schema = html.escape(admin.tenant_name), html.escape(admin.schema)
    return (
        '<div id="tenantgrid-acting-for" style="font-family:sans-serif;padding:8px 20px;'
        'background:#eef6ee;border-bottom:1px solid #9c9">'
        f"Acting for tenant <strong>{name}</strong> ({schema}) as {html.escape(admin.email)}: "
        '"Try it out" sends this panel session\'s key. <a href="/admin">Back to the admin panel</a>'
        "</div>"
    )


def docs_page(title: str, openapi_url: str, admin: AdminSession | None, credentials: dict[str, str]) -> str:
    config = {
        "url": openapi_url,
        # A pasted key is remembered across reloads; a session's key is not (it ends with the session).
        "persistAuthorization": admin is None,
        "deepLinking": True,
        # One section per API, closed: hundreds of operations would take the browser seconds to draw.
        "docExpansion": "none",
        "showExtensions": True,
        "showCommonExtensions": True,
        "displayRequestDuration": True,
    }
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link type="text/css" rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="shortcut icon" href="{ASSETS}/favicon-32x32.png">
<title>{html.escape(title)}</title>
</head>
<body>
{_acting_for(admin) if admin is not None else ""}
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script>
const credentials = {_script_json(credentials)};
const ui = SwaggerUIBundle(Object.assign({_script_json(config)}, {{
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  onComplete: () => {{
    for (const [scheme, value] of Object.entries(credentials)) ui.preauthorizeApiKey(scheme, value);
  }},
}}));
</script>
</body>
</html>
"""


def mount_docs(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        admin = await current_admin(request)
        credentials: dict[str, str] = {}
        if admin is not None:
            schemes = app.openapi().get("components", {}).get("securitySchemes", {})
            credentials = key_credentials(schemes, docs_key(admin))
        page = docs_page(f"{app.title} API", app.openapi_url or "/openapi.json", admin, credentials)
        # The page may carry a key: never kept by the browser's or a proxy's cache.
        response = HTMLResponse(page, headers={"Cache-Control": "no-store"})
        apply_session_cookie(request, response)
        protect(response)  # it may carry a key and acts on a click: never inside another site's frame
        return response
