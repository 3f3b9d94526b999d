"""The panel's navigation: one entry per page group, in order. `key` is what a page passes as
`nav_key` in its render context to be marked current."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NavEntry:
    label: str
    href: str
    key: str


NAV: list[NavEntry] = [
    NavEntry("Overview", "/admin", "home"),
    NavEntry("Tables", "/admin/tables", "tables"),
    NavEntry("Users", "/admin/users", "users"),
    NavEntry("Keys", "/admin/keys", "keys"),
    NavEntry("Tenant", "/admin/tenant", "tenant"),
    NavEntry("API docs", "/docs", "docs"),
]
