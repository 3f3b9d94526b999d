"""The table pages' reading side: the index by API, one table's page with paging, sorting and the
filter box (PostgREST's syntax, errors above the table), and the template schema read-only."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from tenantgrid.settings import Settings
from tenantgrid.tenancy.names import quote_ident
from tests.admin.panel import provision
from tests.admin.tables_panel import Panel, html
from tests.conftest import Database


@pytest.fixture(scope="module")
def panel(client: TestClient, settings: Settings, db: Database) -> Iterator[Panel]:
    tenant = provision(settings)
    schema = quote_ident(tenant.schema)
    db.fetch(f"DELETE FROM {schema}.things")
    # 120 rows: names n000..n119, every third inactive, every tenth with a description.
    db.fetch(
        f"INSERT INTO {schema}.things (name, description, active, data) "
        "SELECT format('n%s', lpad(i::text, 3, '0')), CASE WHEN i % 10 = 0 THEN 'tenth' END, i % 3 <> 0, "
        "jsonb_build_object('i', i) FROM generate_series(0, 119) AS i"
    )
    yield Panel(client, tenant).signed_in()


def names(page: object) -> list[str]:
    table = html(page).one("table", id="rows")  # type: ignore[arg-type]
    header = [th.text.split()[0] for th in table.find_all("th") if th.find("a", cls="sort")]
    column = header.index("name")
    return [row.find_all("td")[column].text for row in table.find_all("tr", data_pk=None)]


def problem(page: object) -> str | None:
    node = html(page).find(cls="filter-error")  # type: ignore[arg-type]
    return node.text if node else None


def test_index_lists_every_api_resource_but_users_and_raw_bytes(panel: Panel) -> None:
    page = panel.get("/admin/tables")
    assert page.status_code == 200
    doc = html(page)
    listed = {a.attrs["data-resource"] for a in doc.find_all("a", cls="resource")}
    assert {"things", "fields", "entries", "field_entries"} <= listed
    assert {"cmdb_objects", "cmdb_types", "gridly_grids", "gridly_records", "gainfully_events"} <= listed
    assert "users" not in listed
    assert "gridly_file_chunks" not in listed
    groups = {s.attrs["data-api"]: s for s in doc.find_all("section", cls="resource-group")}
    assert list(groups) == ["PostgREST", "CMDB", "Gridly", "Gainfully"]
    in_cmdb = {a.attrs["data-resource"] for a in groups["CMDB"].find_all("a", cls="resource")}
    assert in_cmdb and all(n.startswith("cmdb_") for n in in_cmdb)
    assert groups["PostgREST"].find("a", data_resource="things") is not None


def test_first_page_has_fifty_rows_in_key_order_and_a_pager(panel: Panel) -> None:
    page = panel.get("/admin/tables/things")
    assert page.status_code == 200
    assert names(page) == [f"n{i:03}" for i in range(50)]
    doc = html(page)
    assert "120 rows" in doc.one(cls="row-count").text
    assert doc.one("a", cls="page-next").attrs["href"] == "/admin/tables/things?page=2"
    assert doc.find("a", cls="page-prev") is None
    # The contract the browser test relies on.
    assert doc.find("a", cls="new-row") is not None
    assert doc.find("form", id="filter-form").find("input", name="filter") is not None  # type: ignore[union-attr]
    assert len(doc.find_all("a", cls="edit-row")) == 50
    assert len(doc.find_all("form", cls="delete-row")) == 50


def test_last_page_and_a_page_past_the_end(panel: Panel) -> None:
    assert names(panel.get("/admin/tables/things?page=3")) == [f"n{i:03}" for i in range(100, 120)]
    past = panel.get("/admin/tables/things?page=9")
    assert past.status_code == 200 and names(past) == []


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "99999999999999999999999"])
def test_a_bad_page_is_a_message_not_an_error(panel: Panel, page: str) -> None:
    response = panel.get("/admin/tables/things", params={"page": page})
    assert response.status_code == 200
    assert "page" in (problem(response) or "")


def test_clicking_a_header_sorts_and_clicking_again_reverses(panel: Panel) -> None:
    doc = html(panel.get("/admin/tables/things"))
    link = doc.one("a", cls="sort", data_column="name").attrs["href"]
    assert parse_qs(urlsplit(link).query)["order"] == ["name.asc"]
    descending = panel.get(link.replace("name.asc", "name.desc"))
    assert names(descending)[:3] == ["n119", "n118", "n117"]
    again = html(descending).one("a", cls="sort", data_column="name").attrs["href"]
    assert parse_qs(urlsplit(again).query)["order"] == ["name.asc"]
    # Paging keeps the order, and the primary key breaks ties (inactive rows first, then by id).
    by_active = panel.get("/admin/tables/things", params={"order": "active.asc"})
    inactive = [f"n{i:03}" for i in range(0, 120, 3)]
    assert names(by_active) == inactive + [f"n{i:03}" for i in range(120) if i % 3][:10]
    next_href = html(by_active).one("a", cls="page-next").attrs["href"]
    assert parse_qs(urlsplit(next_href).query) == {"order": ["active.asc"], "page": ["2"]}


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("nope.asc", "column things.nope does not exist"),
        ("name.sideways", "failed to parse order"),
        ("name.asc,id.desc", "failed to parse order"),
        ("data->>i.asc", "failed to parse order"),
    ],
)
def test_a_bad_order_is_a_message(panel: Panel, order: str, message: str) -> None:
    response = panel.get("/admin/tables/things", params={"order": order})
    assert response.status_code == 200
    assert message in (problem(response) or "")
    assert names(response) == []


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("name=eq.n007", ["n007"]),
        (
            "name=ilike.*11*",
            ["n011", "n110", "n111", "n112", "n113", "n114", "n115", "n116", "n117", "n118", "n119"],
        ),
        ("description=is.null&name=like.n00*", [f"n00{i}" for i in range(1, 10)]),
        ("or=(name.eq.n001,name.eq.n002)", ["n001", "n002"]),
        ("name=in.(n003,n004)", ["n003", "n004"]),
        ("data->>i=eq.42", ["n042"]),
        ("id=gt.0&active=is.false&name=lt.n010", ["n000", "n003", "n006", "n009"]),
        ("name=not.like.n0*&name=not.like.n10*", [f"n{i}" for i in range(110, 120)]),
        ("name=eq.n%2A", []),
    ],
)
def test_the_filter_box_takes_postgrest_filters(panel: Panel, filter_text: str, expected: list[str]) -> None:
    response = panel.get("/admin/tables/things", params={"filter": filter_text})
    assert response.status_code == 200
    assert problem(response) is None
    assert names(response) == expected
    doc = html(response)
    assert doc.one("form", id="filter-form").one("input", name="filter").attrs["value"] == filter_text


@pytest.mark.parametrize(
    ("filter_text", "message"),
    [
        ("name=foo.1", "failed to parse filter (foo.1)"),
        ("nope=eq.1", "column things.nope does not exist"),
        ("id=eq.abc", 'invalid input syntax for type bigint: "abc"'),
        ("name", "failed to parse filter (name)"),
        ("order=id.desc", '"order" is not a filter here'),
        ("limit=1", '"limit" is not a filter here'),
        ("or=(name.eq.a", "failed to parse logic tree"),
        ("name->x=eq.1", "is not a json or jsonb column"),
        ("things.name=eq.1", "failed to parse tree path"),
        ("name=eq." + "x" * 3000, "longer than"),
    ],
)
def test_a_bad_filter_is_a_message_above_the_table(panel: Panel, filter_text: str, message: str) -> None:
    response = panel.get("/admin/tables/things", params={"filter": filter_text})
    assert response.status_code == 200
    shown = problem(response)
    assert shown is not None and message in shown
    doc = html(response)
    assert doc.find("table", id="rows") is not None
    assert doc.find_all("tr", data_pk=None) == []


def test_paging_links_keep_the_filter(panel: Panel) -> None:
    response = panel.get("/admin/tables/things", params={"filter": "active=is.true"})
    assert "80 rows" in html(response).one(cls="row-count").text
    href = html(response).one("a", cls="page-next").attrs["href"]
    assert parse_qs(urlsplit(href).query) == {"filter": ["active=is.true"], "page": ["2"]}
    second = panel.get(href)
    assert len(names(second)) == 30


def test_every_listed_resource_has_a_page(panel: Panel) -> None:
    doc = html(panel.get("/admin/tables"))
    for link in doc.find_all("a", cls="resource"):
        response = panel.get(link.attrs["href"])
        assert response.status_code == 200, link.attrs["href"]
        assert problem(response) is None, (link.attrs["href"], problem(response))


def test_the_template_schema_is_listed_read_only(panel: Panel, settings: Settings, db: Database) -> None:
    template = quote_ident(settings.template_schema)
    expected = [r["name"] for r in db.fetch(f"SELECT name FROM {template}.things ORDER BY id")]
    index = html(panel.get("/admin/template/tables"))
    assert (
        index.one("a", cls="resource", data_resource="things").attrs["href"]
        == "/admin/template/tables/things"
    )
    response = panel.get("/admin/template/tables/things")
    assert response.status_code == 200
    assert names(response) == expected[:50]
    doc = html(response)
    assert doc.find("a", cls="new-row") is None
    assert doc.find("a", cls="edit-row") is None
    assert doc.find("form", cls="delete-row") is None
    # Sorting and filtering work there too.
    assert (
        html(panel.get("/admin/template/tables/things?filter=nope=eq.1")).find(cls="filter-error") is not None
    )
    sorted_page = panel.get("/admin/template/tables/things", params={"order": "name.desc"})
    assert names(sorted_page) == sorted(expected, reverse=True)[:50]


def test_pages_need_a_signed_in_panel(client: TestClient) -> None:
    for path in ("/admin/tables", "/admin/tables/things", "/admin/template/tables/things"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/admin/login")
