"""The panel's home page: which tenant this is, and where to go."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from tenantgrid.admin.render import render
from tenantgrid.admin.routes import AdminRoute
from tenantgrid.admin.session import AdminSession, require_admin

router = APIRouter(route_class=AdminRoute, include_in_schema=False)


@router.get("/admin")
async def home(request: Request, admin: Annotated[AdminSession, Depends(require_admin)]) -> Response:
    return await render(request, "home.html", {"nav_key": "home"})
