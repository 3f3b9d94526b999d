"""The baseline: the floor any FastAPI + asyncpg service pays for the hot read.

One FastAPI route on an asyncpg pool runs the SQL tenantgrid itself compiles for the read scenario
(handed over in BENCH_BASELINE_SQL with the schema token still in it) and passes Postgres' JSON
text through as the body. No auth, no parsing, no compiling: whatever tenantgrid spends beyond this
is its own overhead. Started by bench/run.py as

    uvicorn baseline:app --app-dir bench --workers W --loop uvloop --http httptools

Environment: BENCH_BASELINE_DATABASE_URL, BENCH_BASELINE_SQL, BENCH_BASELINE_ARGS (a JSON list of
positional arguments, BENCH_BASELINE_MARKER standing for the `gte.` value of the `id` filter),
BENCH_BASELINE_SCHEMA_PREFIX (the schema token as the SQL spells it, with its dot),
BENCH_BASELINE_POOL_MIN / _MAX, BENCH_BASELINE_STATEMENT_CACHE.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

SQL = os.environ.get("BENCH_BASELINE_SQL", "")
PREFIX = os.environ.get("BENCH_BASELINE_SCHEMA_PREFIX", '"__tenant__".')
MARKER = os.environ.get("BENCH_BASELINE_MARKER", "__N__")
ARGS: list[object] = json.loads(os.environ.get("BENCH_BASELINE_ARGS", "[]"))
VALUE_AT = ARGS.index(MARKER) if MARKER in ARGS else -1


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(
        os.environ["BENCH_BASELINE_DATABASE_URL"],
        min_size=int(os.environ.get("BENCH_BASELINE_POOL_MIN", "2")),
        max_size=int(os.environ.get("BENCH_BASELINE_POOL_MAX", "10")),
        statement_cache_size=int(os.environ.get("BENCH_BASELINE_STATEMENT_CACHE", "1024")),
        server_settings={"application_name": "bench-baseline", "jit": "off"},
    )
    try:
        yield
    finally:
        await app.state.pool.close()


app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/health")
async def health(request: Request) -> JSONResponse:
    await request.app.state.pool.fetchval("SELECT 1")
    return JSONResponse({"status": "ok"})


@app.get("/rest/v1/things")
async def things(request: Request) -> Response:
    schema = request.headers["accept-profile"]
    sql = SQL.replace(PREFIX, '"' + schema.replace('"', '""') + '".')
    args = list(ARGS)
    if VALUE_AT >= 0:
        args[VALUE_AT] = request.query_params["id"].removeprefix("gte.")
    row = await request.app.state.pool.fetchrow(sql, *args)
    return Response(row[2].encode(), media_type="application/json")
