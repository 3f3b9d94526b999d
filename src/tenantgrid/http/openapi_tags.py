"""The tags /openapi.json groups its operations by: one per API, in the order /docs shows them.

Each API tags every one of its operations with its own tag alone, so Swagger UI shows one section
per API rather than one per table or per part of an API.
"""

from __future__ import annotations

from typing import Any

POSTGREST = "PostgREST"
AUTH = "Auth"
CMDB = "CMDB"
GRIDLY = "Gridly"
GAINFULLY = "Gainfully"
SIGNUP = "Sign-up"
SERVER = "server"

API_TAGS: list[dict[str, Any]] = [
    {
        "name": POSTGREST,
        "description": "Supabase/PostgREST data API at /rest/v1: one path per table of your schema. "
        "Key in `apikey` (a secret key, or a publishable key with a user's `Authorization: Bearer` JWT).",
    },
    {
        "name": AUTH,
        "description": "Supabase/GoTrue sign-in at /auth/v1: password login, refresh, the user, logout.",
    },
    {
        "name": CMDB,
        "description": "DATAGERRY CMDB at /rest/ (and /tenants/{schema}/rest/): people, rights, types, "
        "categories, objects. `Api-Key`, a Bearer JWT from /rest/auth/login, or HTTP Basic.",
    },
    {
        "name": GRIDLY,
        "description": "Gridly at /v1/: views, grids, records, files. `Authorization: ApiKey <key>`.",
    },
    {
        "name": GAINFULLY,
        "description": "Gainfully at /v1.0/: relationships, content, events. `Authorization: <secret key>`.",
    },
    {"name": SIGNUP, "description": "Self-service sign-up: a new tenant, its schema and its keys."},
    {"name": SERVER, "description": "Probes and metrics, without credentials."},
]
