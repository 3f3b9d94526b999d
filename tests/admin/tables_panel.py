"""Helpers for the table pages' tests: a signed-in panel per tenant (the panel tests' `Browser`,
signed in through the real login form) and a small HTML reader (the standard library's parser; the
pages are server-rendered), so tests can look for the elements of the panel contract.

Each test module uses tenants of its own, so rows written here never meet the suite's alpha and beta.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.admin.panel import Browser, provision

# -- HTML --------------------------------------------------------------------------------------

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._texts()).split())

    def _texts(self) -> list[str]:
        out = list(self.parts)
        for child in self.children:
            out.extend(child._texts())
        return out

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str | None) -> list[Node]:
        """Descendants by tag, class and attributes (`data_pk="x"` is `data-pk`; None: present)."""
        found = []
        for child in self.children:
            if (
                (tag is None or child.tag == tag)
                and (cls is None or cls in child.classes())
                and all(
                    (k.replace("_", "-") in child.attrs)
                    if v is None
                    else child.attrs.get(k.replace("_", "-")) == v
                    for k, v in attrs.items()
                )
            ):
                found.append(child)
            found.extend(child.find_all(tag, cls, **attrs))
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str | None) -> Node | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str | None) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one {tag} .{cls} {attrs}, found {len(found)}"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].parts.append(data)


def html(response: httpx.Response) -> Node:
    builder = _Builder()
    builder.feed(response.text)
    builder.close()
    return builder.root


def form_values(form: Node) -> dict[str, str]:
    """What a browser would submit from the form as it is shown."""
    values: dict[str, str] = {}
    for node in form.find_all():
        name = node.attrs.get("name")
        if not name or "disabled" in node.attrs:
            continue
        if node.tag == "input":
            values[name] = node.attrs.get("value", "")
        elif node.tag == "textarea":
            values[name] = "".join(node.parts).removeprefix("\n")  # as browsers drop it
        elif node.tag == "select":
            options = node.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            values[name] = chosen[0].attrs.get("value", "") if chosen else ""
    return values


# -- the panel -------------------------------------------------------------------------------


def provision_tenants(settings: Settings, count: int) -> list[ProvisionedTenant]:
    return [provision(settings) for _ in range(count)]


class Panel(Browser):
    """One tenant's signed-in panel on the shared app, with the session's CSRF token at hand."""

    def __init__(self, client: TestClient, tenant: ProvisionedTenant) -> None:
        super().__init__(client)
        self.tenant = tenant
        self.csrf = ""

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """POST with the session's CSRF token unless the data names one (or `csrf=False`)."""
        body = dict(data or {})
        if kwargs.pop("csrf", True):
            body.setdefault("csrf_token", self.csrf)
        return super().post(path, body, **kwargs)

    def signed_in(self) -> Panel:
        answer = self.login(self.tenant.schema, self.tenant.email)
        assert answer.status_code == 303, answer.text
        page = self.get("/admin/tables")
        assert page.status_code == 200, page.text
        field_ = html(page).find("input", name="csrf_token")
        assert field_ is not None, "no csrf_token field on the page"
        self.csrf = field_.attrs["value"]
        return self

    def rest(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The tenant's own PostgREST API with its secret key (no panel cookies)."""
        headers = {"apikey": self.tenant.secret_key, **kwargs.pop("headers", {})}
        return self.client.request(method, f"/rest/v1/{path}", headers=headers, **kwargs)
