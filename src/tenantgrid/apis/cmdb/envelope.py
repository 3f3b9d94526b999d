"""DATAGERRY's response envelopes: list, single, insert, update, delete.

- list: `results, count, total, parameters{limit, sort, order, page, filter, optional[, projection]},
  pager{page, page_size, total_pages}, pagination{current, first, prev, next, last}, response_type,
  model, time`, with `X-Total-Count`;
- single `{result, ...}`; insert `{result_id, raw, ...}` 201 with `Location`; update `{result, ...}`
  202 with `Location`; delete `{deleted_entry, raw, ...}` 202.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.apis.cmdb.render import json_response

LIST_PARAMS = ("filter", "sort", "order", "page", "limit", "projection")
"""The parameters every list route takes (and documents); any other is echoed in `optional`."""
STANDARD_PARAMS = frozenset(LIST_PARAMS)


class Paging(Protocol):
    """What a list route parsed from its query (`mongo.ListRequest` is one)."""

    sort: str
    order: int
    page: int
    limit: int
    filter: Any
    projection: dict[str, Any] | None


def now_text() -> str:
    """The envelope's `time`, in the seed's spelling (UTC)."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def total_pages(total: int, limit: int) -> int:
    """ceil(total / limit); 1 for limit=0 (everything on one page) and for an empty list, so that
    every pagination link names a page that exists."""
    if limit <= 0:
        return 1
    return max(1, -(-total // limit))


def _page_links(request: Request) -> Callable[[int], str]:
    """The request's URL with `page` set: its other parameters re-encoded once, not per link."""
    others = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])
    base = f"{request.url.replace(query='')}?{others}{'&' if others else ''}page="
    return lambda page: f"{base}{page}"


def optional_params(request: Request, defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every query parameter a list route does not page or filter by (`view`, `active`, ...)."""
    optional = dict(defaults or {})
    for key, value in request.query_params.items():
        if key not in STANDARD_PARAMS:
            optional[key] = value
    return optional


def list_response(
    request: Request,
    paging: Paging,
    results: list[Any],
    total: int,
    model: str,
    *,
    optional: Mapping[str, Any] | None = None,
) -> Response:
    pages = total_pages(total, paging.limit)
    page_url = _page_links(request)
    parameters: dict[str, Any] = {
        "limit": paging.limit,
        "sort": paging.sort,
        "order": paging.order,
        "page": paging.page,
        "filter": paging.filter if paging.filter is not None else {},
        "optional": optional_params(request, optional),
    }
    if paging.projection is not None:
        parameters["projection"] = paging.projection
    body = {
        "results": results,
        "count": len(results),
        "total": total,
        "parameters": parameters,
        "pager": {"page": paging.page, "page_size": paging.limit, "total_pages": pages},
        "pagination": {
            "current": str(request.url),
            "first": page_url(1),
            "prev": page_url(max(1, min(paging.page - 1, pages))),
            "next": page_url(min(paging.page + 1, pages)),
            "last": page_url(pages),
        },
        "response_type": "GET",
        "model": model,
        "time": now_text(),
    }
    return json_response(request, body, headers={"X-Total-Count": str(total)})


def single_response(
    request: Request, result: Any, model: str, *, headers: Mapping[str, str] | None = None
) -> Response:
    body = {"result": result, "response_type": "GET", "model": model, "time": now_text()}
    return json_response(request, body, headers=headers)


def insert_response(request: Request, result_id: Any, raw: Any, model: str, location: str) -> Response:
    body = {"result_id": result_id, "raw": raw, "response_type": "INSERT", "model": model, "time": now_text()}
    return json_response(request, body, 201, {"Location": location})


def update_response(request: Request, result: Any, model: str, location: str) -> Response:
    body = {"result": result, "response_type": "UPDATE", "model": model, "time": now_text()}
    return json_response(request, body, 202, {"Location": location})


def delete_response(request: Request, deleted: Any, model: str) -> Response:
    body = {
        "deleted_entry": deleted,
        "raw": deleted,
        "response_type": "DELETE",
        "model": model,
        "time": now_text(),
    }
    return json_response(request, body, 202)


def item_url(request: Request, item_id: Any) -> str:
    """The URL of `item_id` in the collection the request addressed (`POST .../users/` -> `.../users/7`)."""
    path = request.url.path.rstrip("/") + "/" + str(item_id)
    return str(request.url.replace(path=path, query=""))


def own_url(request: Request) -> str:
    """The request's URL without its query (an update's `Location`)."""
    return str(request.url.replace(query=""))
