"""Gainfully lists against real rows: DRF's limit/offset pagination with the exact link strings of
the reference page, ordering, every filter lookup (and `%`/`_` as literal characters), sparse
fieldsets on lists and single objects."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.api.gainfully.conftest import BASE, NewTenant, auth, sql
from tests.conftest import Database

RELATIONSHIPS = [
    # id, type, name, email, phone, title, created_at
    (1, 4, "Ada Lovelace", "ada@example.com", "+44 1", "Engineer", 1572274600),
    (2, 4, "alan turing", "alan@example.com", None, "Mathematician", 1572274684),
    (3, 1, "Grace Hopper", "grace@example.com", "+1 2", None, 1572274700),
    (4, 2, "100% Sure_Thing", "sure@example.com", None, "50%_off", 1572274800),
    (5, 0, "Back\\slash", "back@example.com", "", "a_b", 1572274900),
]
CONTENT = [
    # id, name, message, author, created_at
    (1, "Welcome", "Hello all", 1, 1572274600),
    (2, "welcome back", "", 2, 1572274684),
    (3, "Quarterly report", "Numbers: 100%", None, 1572274685),
    (4, "Offsite", "See you_there", 3, 1572280000),
]


@pytest.fixture(scope="module")
def rows(new_tenant: NewTenant, db: Database) -> ProvisionedTenant:
    tenant = new_tenant("gf_rows")
    for r in RELATIONSHIPS:
        sql(
            db,
            tenant,
            "INSERT INTO {s}.gainfully_relationships (id, type, name, email, phone, title, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            *r,
        )
    for c in CONTENT:
        sql(
            db,
            tenant,
            "INSERT INTO {s}.gainfully_content (id, name, message, author, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $5)",
            *c,
        )
    sql(
        db,
        tenant,
        "INSERT INTO {s}.gainfully_events (id, name, starts_at, ends_at, created_at) VALUES"
        " (1, 'Kickoff', 1572300000, 1572303600, 1572274600), (2, 'Retro', 1572400000, NULL, 1572274700)",
    )
    sql(db, tenant, "INSERT INTO {s}.gainfully_event_content VALUES (1, 2), (1, 1)")
    sql(db, tenant, "INSERT INTO {s}.gainfully_event_relationships VALUES (1, 3), (1, 1), (1, 2), (2, 4)")
    return tenant


@pytest.fixture(scope="module")
def pages(new_tenant: NewTenant, db: Database) -> ProvisionedTenant:
    """100 content rows: `item 001` .. `item 100`, created a second apart."""
    tenant = new_tenant("gf_pages")
    sql(
        db,
        tenant,
        "INSERT INTO {s}.gainfully_content (name, message, created_at, updated_at)"
        " SELECT 'item ' || lpad(i::text, 3, '0'), 'message ' || i, 1572274600 + i, 1572274600 + i"
        " FROM generate_series(1, 100) i",
    )
    return tenant


def get(client: TestClient, tenant: ProvisionedTenant, url: str) -> Any:
    response = client.get(url, headers=auth(tenant))
    assert response.status_code == 200, response.text
    return response.json()


def ids(client: TestClient, tenant: ProvisionedTenant, url: str) -> list[int]:
    return [r["id"] for r in get(client, tenant, url)["results"]]


# -- pagination --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "next_", "previous", "first", "size"),
    [
        # the reference page's examples (count 100)
        ("?limit=5&offset=10", "?limit=5&offset=15", "?limit=5&offset=5", 11, 5),
        ("?limit=5&offset=1", "?limit=5&offset=6", "?limit=5", 2, 5),
        ("?limit=5&offset=5", "?limit=5&offset=10", "?limit=5", 6, 5),
        ("", None, None, 1, 100),
        ("?limit=10", "?limit=10&offset=10", None, 1, 10),
        ("?offset=95&limit=10", None, "?limit=10&offset=85", 96, 5),
        ("?limit=10&offset=90", None, "?limit=10&offset=80", 91, 10),
        # every parameter re-encoded in sorted order, the last of a repeated one kept
        (
            "?ordering=id&limit=5&fields=id,name&offset=10",
            "?fields=id%2Cname&limit=5&offset=15&ordering=id",
            "?fields=id%2Cname&limit=5&offset=5&ordering=id",
            11,
            5,
        ),
        ("?limit=5&zz=1&aa=&limit=7", "?aa=&limit=7&offset=7&zz=1", None, 1, 7),
        (
            "?limit=5&filter__name__icontains=item 0",
            "?filter__name__icontains=item+0&limit=5&offset=5",
            None,
            1,
            5,
        ),
        # a bad limit is the default, a big one the maximum; a bad or negative offset is 0
        ("?limit=abc&offset=5", None, "?limit=100", 6, 95),
        ("?limit=0", None, None, 1, 100),
        ("?limit=-5", None, None, 1, 100),
        ("?limit=5000&offset=1", None, "?limit=1000", 2, 99),
        ("?limit=5&offset=-3", "?limit=5&offset=5", None, 1, 5),
        ("?limit=5&offset=abc", "?limit=5&offset=5", None, 1, 5),
        # past the end: no results, still a previous page
        ("?offset=200", None, "?limit=100&offset=100", None, 0),
        ("?limit=5&offset=100", None, "?limit=5&offset=95", None, 0),
    ],
)
def test_pagination_links(
    client: TestClient,
    pages: ProvisionedTenant,
    query: str,
    next_: str | None,
    previous: str | None,
    first: int | None,
    size: int,
) -> None:
    body = get(client, pages, "/v1.0/content/" + query)
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == (99 if "item 0" in query else 100)
    url = BASE + "/v1.0/content/"
    assert body["next"] == (url + next_ if next_ else None)
    assert body["previous"] == (url + previous if previous else None)
    assert len(body["results"]) == size
    if first is not None:
        assert body["results"][0]["id"] == first


def test_links_keep_the_path_as_asked_and_the_host(client: TestClient, pages: ProvisionedTenant) -> None:
    body = get(client, pages, "/v1.0/content?limit=5")
    assert body["next"] == BASE + "/v1.0/content?limit=5&offset=5"
    response = client.get("/v1.0/content/?limit=5", headers={**auth(pages), "Host": "api.example.org:8443"})
    assert response.json()["next"] == "http://api.example.org:8443/v1.0/content/?limit=5&offset=5"


def test_the_seed_query(client: TestClient, pages: ProvisionedTenant) -> None:
    """The benchmark's shape: the seed's filter, an ordering and a sparse fieldset."""
    body = get(
        client,
        pages,
        "/v1.0/content?filter__created_at__gt=1572274684&ordering=-created_at&fields=name,created_at",
    )
    assert body["count"] == 16  # created 1572274685 .. 1572274700
    assert body["results"][:2] == [
        {"name": "item 100", "created_at": 1572274700},
        {"name": "item 099", "created_at": 1572274699},
    ]
    assert body["next"] is None


# -- ordering ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", [1, 2, 3, 4, 5]),
        ("type", [5, 3, 4, 1, 2]),
        ("-type", [2, 1, 4, 3, 5]),
        ("type,-created_at", [5, 3, 4, 2, 1]),
        ("-email", [4, 3, 5, 2, 1]),
        ("email", [1, 2, 5, 3, 4]),
        ("nope,-id", [5, 4, 3, 2, 1]),
        ("nope", [1, 2, 3, 4, 5]),  # nothing valid: the default
        ("-created_at", [5, 4, 3, 2, 1]),
    ],
)
def test_ordering(client: TestClient, rows: ProvisionedTenant, ordering: str, expected: list[int]) -> None:
    assert ids(client, rows, f"/v1.0/relationships/?ordering={ordering}") == expected


def test_seed_ordering_by_name(client: TestClient, pages: ProvisionedTenant) -> None:
    ascending = [r["name"] for r in get(client, pages, "/v1.0/content?ordering=name&limit=3")["results"]]
    descending = [r["name"] for r in get(client, pages, "/v1.0/content?ordering=-name&limit=3")["results"]]
    assert ascending == ["item 001", "item 002", "item 003"]
    assert descending == ["item 100", "item 099", "item 098"]


# -- filters -----------------------------------------------------------------------------------------

RELATIONSHIP_FILTERS = [
    ("filter__type=4", [1, 2]),
    ("filter__type__exact=4", [1, 2]),
    ("filter__type__gt=1", [1, 2, 4]),
    ("filter__type__gte=2", [1, 2, 4]),
    ("filter__type__lt=2", [3, 5]),
    ("filter__type__lte=1", [3, 5]),
    ("filter__type__in=1,2", [3, 4]),
    ("filter__type__range=1,2", [3, 4]),
    ("filter__id__in=1,3,99", [1, 3]),
    ("filter__phone__isnull=true", [2, 4]),
    ("filter__phone__isnull=0", [1, 3, 5]),
    ("filter__title__isnull=1", [3]),
    ("filter__name=Ada Lovelace", [1]),
    ("filter__name=ada lovelace", []),
    ("filter__name__iexact=ADA LOVELACE", [1]),
    ("filter__name__contains=Love", [1]),
    ("filter__name__contains=love", []),
    ("filter__name__icontains=LOVE", [1]),
    ("filter__name__startswith=Gr", [3]),
    ("filter__name__startswith=gr", []),
    ("filter__name__istartswith=gr", [3]),
    ("filter__name__endswith=ing", [2, 4]),
    ("filter__name__endswith=ING", []),
    ("filter__name__iendswith=HOPPER", [3]),
    ("filter__name__in=Ada Lovelace,Grace Hopper", [1, 3]),
    ("filter__email=ada@example.com", [1]),
    ("filter__email__range=alan@example.com,back@example.com", [2, 5]),
    ("filter__created_at__gt=1572274684", [3, 4, 5]),
    ("filter__created_at__lt=1572274684", [1]),
    ("filter__created_at__lte=1572274684", [1, 2]),
    ("filter__created_at__gte=1572274900", [5]),
    ("filter__updated_at__range=1572274684,1572274800", [2, 3, 4]),
    ("filter__type=4&filter__name__icontains=turing", [2]),
    ("filter__phone=", [1, 2, 3, 4, 5]),  # an empty value filters nothing (django-filter)
    # % and _ are literal characters, the escape character too
    ("filter__name__contains=%25", [4]),
    ("filter__name__contains=_", [4]),
    ("filter__title__contains=_", [4, 5]),
    ("filter__title__contains=%25_", [4]),
    ("filter__name__startswith=100%25", [4]),
    ("filter__name__iexact=100%25 sure_thing", [4]),
    ("filter__name__iexact=100__sure_thing", []),
    ("filter__name__iexact=100%25%25sure%25", []),
    ("filter__name__icontains=%5C", [5]),
    ("filter__name__endswith=%5Cslash", [5]),
]


@pytest.mark.parametrize(("query", "expected"), RELATIONSHIP_FILTERS)
def test_relationship_filters(
    client: TestClient, rows: ProvisionedTenant, query: str, expected: list[int]
) -> None:
    body = get(client, rows, f"/v1.0/relationships/?{query}")
    assert [r["id"] for r in body["results"]] == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    ("resource", "query", "expected"),
    [
        ("content", "filter__author=1", [1]),
        ("content", "filter__author__isnull=true", [3]),
        ("content", "filter__author__in=2,3", [2, 4]),
        ("content", "filter__created_at__gt=1572274684", [3, 4]),
        ("content", "filter__message__contains=%25", [3]),
        ("content", "filter__message__icontains=YOU_", [4]),
        ("content", "filter__message__icontains=you%25", []),
        ("content", "filter__name__istartswith=welcome", [1, 2]),
        ("content", "filter__message=", [1, 2, 3, 4]),
        ("events", "filter__starts_at__gte=1572400000", [2]),
        ("events", "filter__ends_at__isnull=true", [2]),
        ("events", "filter__ends_at__lt=1572400000", [1]),
        ("events", "filter__name__iexact=retro", [2]),
    ],
)
def test_content_and_event_filters(
    client: TestClient, rows: ProvisionedTenant, resource: str, query: str, expected: list[int]
) -> None:
    assert ids(client, rows, f"/v1.0/{resource}/?{query}") == expected


@pytest.mark.parametrize(
    ("query", "field", "code", "words"),
    [
        ("filter__nope=1", "filter__nope", "unknown_field", "Unknown field 'nope'"),
        ("filter__name__regex=a", "filter__name__regex", "unknown_lookup", "Unknown lookup 'regex'"),
        ("filter__type__icontains=4", "filter__type__icontains", "unknown_lookup", "lookups: exact"),
        ("filter__type=four", "filter__type", "invalid", "A valid integer is required."),
        ("filter__type=99999", "filter__type", "max_value", "less than or equal to 32767"),
        ("filter__created_at__gt=2019-10-28", "filter__created_at__gt", "invalid", "A valid integer"),
        ("filter__id__in=1,x", "filter__id__in", "invalid", "A valid integer is required."),
        ("filter__id__range=1", "filter__id__range", "invalid", "Range query expects two values."),
        ("filter__phone__isnull=maybe", "filter__phone__isnull", "invalid", "Must be a valid boolean"),
        ("filter__name=a%00b", "filter__name", "null_characters_not_allowed", "Null characters"),
        ("filter__id=" + "9" * 30, "filter__id", "max_value", "9223372036854775807"),
    ],
)
def test_filter_errors_name_the_parameter(
    client: TestClient, rows: ProvisionedTenant, query: str, field: str, code: str, words: str
) -> None:
    response = client.get(f"/v1.0/relationships/?{query}", headers=auth(rows))
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["field", "error_code", "detail"]
    assert (body["field"], body["error_code"]) == (field, code)
    assert words in body["detail"]


def test_events_links_are_not_filterable(client: TestClient, rows: ProvisionedTenant) -> None:
    response = client.get("/v1.0/events/?filter__content=1", headers=auth(rows))
    assert response.status_code == 400
    assert response.json()["field"] == "filter__content"


# -- objects and sparse fieldsets --------------------------------------------------------------------


def test_objects_show_every_field_with_its_type(client: TestClient, rows: ProvisionedTenant) -> None:
    assert get(client, rows, "/v1.0/relationships/2") == {
        "id": 2,
        "type": 4,
        "name": "alan turing",
        "email": "alan@example.com",
        "phone": None,
        "title": "Mathematician",
        "created_at": 1572274684,
        "updated_at": 1572274684,
    }
    assert get(client, rows, "/v1.0/content/1/") == {
        "id": 1,
        "name": "Welcome",
        "message": "Hello all",
        "url": None,
        "author": 1,
        "created_at": 1572274600,
        "updated_at": 1572274600,
    }
    event = get(client, rows, "/v1.0/events/1")
    assert event["content"] == [1, 2] and event["relationships"] == [1, 2, 3]
    assert list(event) == [
        "id", "name", "description", "location", "starts_at", "ends_at",
        "content", "relationships", "created_at", "updated_at",
    ]  # fmt: skip
    assert get(client, rows, "/v1.0/events/2")["content"] == []


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("fields=name,message", ["name", "message"]),
        ("fields=message,name", ["name", "message"]),  # the resource's order
        ("fields=name,nope", ["name"]),
        ("omit=message,url,author,created_at,updated_at", ["id", "name"]),
        ("fields=id,name&omit=id", ["name"]),
        ("fields=", []),
    ],
)
def test_sparse_fieldsets(client: TestClient, rows: ProvisionedTenant, query: str, keys: list[str]) -> None:
    for result in get(client, rows, f"/v1.0/content/?{query}")["results"]:
        assert list(result) == keys
    assert list(get(client, rows, f"/v1.0/content/1?{query}")) == keys


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("fields=content", [{"content": [1, 2]}, {"content": []}]),
        (
            "fields=name,relationships",
            [{"name": "Kickoff", "relationships": [1, 2, 3]}, {"name": "Retro", "relationships": [4]}],
        ),
        ("fields=id&omit=", [{"id": 1}, {"id": 2}]),
    ],
)
def test_sparse_fieldsets_with_links(
    client: TestClient, rows: ProvisionedTenant, query: str, expected: list[dict[str, Any]]
) -> None:
    assert get(client, rows, f"/v1.0/events/?{query}")["results"] == expected


def test_unknown_objects_are_404(client: TestClient, rows: ProvisionedTenant) -> None:
    for path in ("/v1.0/content/99", "/v1.0/content/abc", "/v1.0/content/" + "9" * 40, "/v1.0/events/-1/"):
        response = client.get(path, headers=auth(rows))
        assert response.status_code == 404
        assert response.json() == {"field": None, "error_code": "not_found", "detail": "Not found."}


def test_links_of_odd_query_strings(client: TestClient, pages: ProvisionedTenant) -> None:
    """Bytes that are not UTF-8 are replaced as Python's parse_qs (so DRF) replaces them; a blank or
    repeated parameter keeps its place in the sorted query."""
    body = get(client, pages, "/v1.0/content/?limit=5&x=%FF&y=a&y=b&e=")
    assert body["next"] == BASE + "/v1.0/content/?e=&limit=5&offset=5&x=%EF%BF%BD&y=a&y=b"
    raw = client.get("/v1.0/content/?limit=5&x=\xff", headers=auth(pages))
    assert raw.status_code == 200
    assert raw.json()["next"] == BASE + "/v1.0/content/?limit=5&offset=5&x=%C3%BF"


def test_head_of_an_error_has_no_body(client: TestClient, rows: ProvisionedTenant) -> None:
    response = client.head("/v1.0/content/?filter__nope=1", headers=auth(rows))
    assert response.status_code == 400 and response.content == b""
