"""The panel's table pages: every resource of the tenant's catalog, listed, filtered, edited.

/admin/tables/...          the session's own schema (the tenant comes from the session, only)
/admin/template/tables/... the template schema, read-only: no write controls, any write 403

A resource name in a URL is only looked up in the catalog (`panel_resource`); a row's key is an
opaque token of bound values (`row_keys`). Reads go through `listing`, writes through
`writes`, form values through `forms`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantgrid.admin.render import render
from tenantgrid.admin.routes import AdminRoute
from tenantgrid.admin.session import AdminSession, require_admin
from tenantgrid.admin.tables.forms import Invalid, display, fields, parse_form, parse_value, shown_text
from tenantgrid.admin.tables.listing import describe, fetch_row, list_rows
from tenantgrid.admin.tables.refusals import Refused
from tenantgrid.admin.tables.resources import api_of, grouped, panel_resource, read_only_reason
from tenantgrid.admin.tables.row_keys import decode_key, encode_key
from tenantgrid.admin.tables.writes import Missing, delete_row, insert_row, update_row
from tenantgrid.catalog.model import Resource
from tenantgrid.errors import ApiError
from tenantgrid.runtime import Runtime

router = APIRouter(route_class=AdminRoute, include_in_schema=False)
Admin = Annotated[AdminSession, Depends(require_admin)]

OWN = "/admin/tables"
TEMPLATE = "/admin/template/tables"
CELL_CHARS = 80
TITLE_CHARS = 2000
"""A cell shows this much of its value; its tooltip (the `title`) at most TITLE_CHARS; the edit form all."""
NOTICES = {"created": "Row created.", "saved": "Row saved.", "deleted": "Row deleted."}


@dataclass(frozen=True, slots=True)
class Place:
    """Which schema a page shows, and whether it may be written."""

    base: str
    schema: str
    read_only: bool


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _own(admin: AdminSession) -> Place:
    return Place(OWN, admin.schema, read_only=False)


def _template(request: Request) -> Place:
    return Place(TEMPLATE, _runtime(request).settings.template_schema, read_only=True)


async def _not_found(request: Request, what: str) -> Response:
    context = {"nav_key": "tables", "title": "Not found", "message": f"No such {what} in your tenant."}
    return await render(request, "error.html", context, status_code=404)


async def _forbidden(request: Request, message: str) -> Response:
    context = {"nav_key": "tables", "title": "Read-only", "message": message}
    return await render(request, "error.html", context, status_code=403)


def _resource(request: Request, name: str) -> Resource | None:
    return panel_resource(_runtime(request).catalog, name)


def _key(resource: Resource, token: str) -> tuple[str, ...] | None:
    """The row key in the URL, each value checked against its column's type (a value that could not
    be in the column names no row: 404, not a database error)."""
    key = decode_key(resource, token)
    if key is None:
        return None
    for name, value in zip(resource.primary_key, key, strict=True):
        try:
            parse_value(resource.columns[name], value)
        except Invalid:
            return None
    return key


def list_url(base: str, resource: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}/{resource}" + (f"?{query}" if query else "")


# -- the index ---------------------------------------------------------------------------------


@router.get(OWN)
async def index(request: Request, admin: Admin) -> Response:
    return await _index(request, _own(admin))


@router.get(TEMPLATE)
async def template_index(request: Request, admin: Admin) -> Response:
    return await _index(request, _template(request))


async def _index(request: Request, place: Place) -> Response:
    groups = grouped(_runtime(request).catalog)
    return await render(request, "tables/index.html", {"nav_key": "tables", "groups": groups, "place": place})


# -- one table ---------------------------------------------------------------------------------


@router.get(OWN + "/{resource}")
async def table(request: Request, resource: str, admin: Admin) -> Response:
    return await _table(request, _own(admin), resource)


@router.get(TEMPLATE + "/{resource}")
async def template_table(request: Request, resource: str, admin: Admin) -> Response:
    return await _table(request, _template(request), resource)


async def _table(request: Request, place: Place, name: str) -> Response:
    resource = _resource(request, name)
    if resource is None:
        return await _not_found(request, "table")
    params = request.query_params
    filter_text = params.get("filter", "")
    listing = await list_rows(
        _runtime(request),
        place.schema,
        resource,
        filter_text=filter_text,
        order_text=params.get("order") or None,
        page_text=params.get("page"),
    )
    columns = list(resource.columns.values())
    sort = listing.sort

    def sort_url(column: str) -> str:
        descending = sort is not None and sort.column == column and not sort.descending
        order = f"{column}.{'desc' if descending else 'asc'}"
        return list_url(place.base, resource.name, filter=filter_text, order=order)

    def page_url(page: int) -> str:
        return list_url(
            place.base, resource.name, filter=filter_text, order=sort.param if sort else None, page=page
        )

    rows = [
        {
            "key": encode_key(resource, row) if resource.primary_key else "",
            "cells": [_cell(row.get(c.name)) for c in columns],
        }
        for row in listing.rows
    ]
    reason = read_only_reason(resource)
    context = {
        "nav_key": "tables",
        "place": place,
        "resource": resource,
        "api": api_of(resource),
        "columns": columns,
        "rows": rows,
        "listing": listing,
        "filter_text": filter_text,
        "sort_url": sort_url,
        "page_url": page_url,
        "writable": not place.read_only and reason is None,
        "read_only_reason": reason,
        "notice": NOTICES.get(params.get("notice", "")),
    }
    return await render(request, "tables/list.html", context)


def _cell(value: Any) -> dict[str, Any]:
    text = display(value)
    return {
        "null": value is None,
        "text": _clip(text, CELL_CHARS),
        "full": _clip(text, TITLE_CHARS) if len(text) > CELL_CHARS else None,
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- create, edit, delete ----------------------------------------------------------------------


async def _writable(request: Request, name: str) -> Resource | Response:
    """The resource if the panel may write it, else the page that says why (404, 403)."""
    resource = _resource(request, name)
    if resource is None:
        return await _not_found(request, "table")
    reason = read_only_reason(resource)
    if reason is not None:
        return await _forbidden(request, reason)
    return resource


async def _form_page(
    request: Request,
    resource: Resource,
    *,
    row: dict[str, Any] | None,
    token: str | None,
    submitted: FormData | None = None,
    problems: dict[str, str] | None = None,
    form_error: str | None = None,
    status_code: int = 200,
) -> Response:
    creating = token is None
    values = None if submitted is None else _strings(submitted)
    context = {
        "nav_key": "tables",
        "resource": resource,
        "api": api_of(resource),
        "fields": fields(resource, row, creating=creating, submitted=values),
        "creating": creating,
        "token": token,
        "problems": problems or {},
        "form_error": form_error,
        "list_url": list_url(OWN, resource.name),
        "action": f"{OWN}/{resource.name}/new" if creating else f"{OWN}/{resource.name}/rows/{token}",
    }
    return await render(request, "tables/form.html", context, status_code=status_code)


@router.get(OWN + "/{resource}/new")
async def new_row(request: Request, resource: str, admin: Admin) -> Response:
    found = await _writable(request, resource)
    if isinstance(found, Response):
        return found
    return await _form_page(request, found, row=None, token=None)


@router.post(OWN + "/{resource}/new")
async def create_row(request: Request, resource: str, admin: Admin) -> Response:
    found = await _writable(request, resource)
    if isinstance(found, Response):
        return found
    form = await request.form()
    values, problems = parse_form(found, _strings(form), creating=True)
    write = partial(insert_row, _runtime(request), admin.schema, found, values)
    return await _saved_or_form(request, found, form, problems, write, "created", row=None, token=None)


async def _saved_or_form(
    request: Request,
    resource: Resource,
    form: FormData,
    problems: dict[str, str],
    write: Callable[[], Awaitable[Any]],
    notice: str,
    *,
    row: dict[str, Any] | None,
    token: str | None,
) -> Response:
    """The form's problems, else the write: back to the list when it went through, else the form
    again with what was refused at its fields."""
    refusal = Refused(problems) if problems else await _attempt(write())
    if refusal is None:
        return RedirectResponse(list_url(OWN, resource.name, notice=notice), status_code=303)
    return await _form_page(
        request,
        resource,
        row=row,
        token=token,
        submitted=form,
        problems=refusal.fields,
        form_error=refusal.form,
        status_code=400,
    )


async def _attempt(write: Awaitable[Any]) -> Refused | None:
    """Run a write; what the database refused (or a 4xx on the way) comes back as the form's messages."""
    try:
        await write
    except Refused as refusal:
        return refusal
    except ApiError as error:
        if error.status >= 500:
            raise
        return Refused(form=describe(error))
    return None


@router.get(OWN + "/{resource}/rows/{token}")
async def edit_row(request: Request, resource: str, token: str, admin: Admin) -> Response:
    found = await _writable(request, resource)
    if isinstance(found, Response):
        return found
    key = _key(found, token)
    row = None if key is None else await fetch_row(_runtime(request), admin.schema, found, key)
    if row is None:
        return await _not_found(request, "row")
    return await _form_page(request, found, row=row, token=token)


@router.post(OWN + "/{resource}/rows/{token}")
async def save_row(request: Request, resource: str, token: str, admin: Admin) -> Response:
    found = await _writable(request, resource)
    if isinstance(found, Response):
        return found
    key = _key(found, token)
    runtime = _runtime(request)
    row = None if key is None else await fetch_row(runtime, admin.schema, found, key)
    if key is None or row is None:
        return await _not_found(request, "row")
    form = await request.form()
    values, problems = parse_form(found, _strings(form), creating=False, shown=shown_text(found, row))
    write = partial(update_row, runtime, admin.schema, found, key, values)
    try:
        return await _saved_or_form(request, found, form, problems, write, "saved", row=row, token=token)
    except Missing:
        return await _not_found(request, "row")


@router.post(OWN + "/{resource}/rows/{token}/delete")
async def remove_row(request: Request, resource: str, token: str, admin: Admin) -> Response:
    found = await _writable(request, resource)
    if isinstance(found, Response):
        return found
    key = _key(found, token)
    if key is None:
        return await _not_found(request, "row")
    htmx = request.headers.get("hx-request") == "true"
    try:
        refusal = await _attempt(delete_row(_runtime(request), admin.schema, found, key))
    except Missing:
        return await _not_found(request, "row")
    if refusal is not None:
        message = refusal.form or "; ".join(refusal.fields.values())
        return await _delete_refused(request, found, token, message, htmx)
    if htmx:
        return Response(status_code=200)  # the row's <tr> is swapped for nothing
    return RedirectResponse(list_url(OWN, found.name, notice="deleted"), status_code=303)


async def _delete_refused(
    request: Request, resource: Resource, token: str, message: str, htmx: bool
) -> Response:
    context = {
        "nav_key": "tables",
        "resource": resource,
        "message": message,
        "list_url": list_url(OWN, resource.name),
        "edit_url": f"{OWN}/{resource.name}/rows/{token}",
    }
    if htmx:  # the row stays; the message goes above the table (htmx swaps only 2xx answers)
        headers = {"HX-Retarget": "#row-message", "HX-Reswap": "innerHTML"}
        return await render(request, "tables/delete_refused_message.html", context, headers=headers)
    return await render(request, "tables/delete_refused.html", context, status_code=409)


def _strings(form: FormData) -> dict[str, str]:
    """The form's text fields (an uploaded file, which no row form has, is ignored)."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


# -- the template schema is read-only ----------------------------------------------------------


@router.api_route(TEMPLATE + "/{rest:path}", methods=["POST", "PUT", "PATCH", "DELETE"])
async def template_write(request: Request, rest: str) -> Response:
    return await _forbidden(request, "The template schema is read-only; edit your own tables.")


@router.api_route(TEMPLATE, methods=["POST", "PUT", "PATCH", "DELETE"])
async def template_write_root(request: Request) -> Response:
    return await _forbidden(request, "The template schema is read-only; edit your own tables.")
