"""The rendered object view: information blocks, fields with values, summaries, externals."""

from __future__ import annotations

from typing import Any

from tenantgrid.apis.cmdb.object_view import DEFAULT_ACL, render_object

TYPE: dict[str, Any] = {
    "public_id": 4,
    "name": "server",
    "label": "Server",
    "version": "1.0.0",
    "active": True,
    "author_id": 1,
    "creation_time": {"$date": 1000},
    "acl": None,
    "fields": [
        {"type": "text", "name": "hostname", "label": "Hostname"},
        {"type": "text", "name": "domain", "label": "Domain"},
        {"type": "number", "name": "cpus", "label": "CPUs"},
    ],
    "render_meta": {
        "icon": "fas fa-server",
        "sections": [{"type": "section", "name": "main", "label": "Main", "fields": ["hostname", "cpus"]}],
        "externals": [
            {
                "name": "dns",
                "href": "https://dns.example/{}/{}",
                "label": "DNS",
                "icon": "i",
                "fields": ["hostname", "domain"],
            },
            {
                "name": "self",
                "href": "https://cmdb/{}",
                "label": "Self",
                "icon": "i",
                "fields": ["object_id"],
            },
            {"name": "static", "href": "https://static", "label": "S", "icon": "i", "fields": []},
        ],
        "summary": {"fields": ["hostname", "cpus"]},
    },
}
OBJECT: dict[str, Any] = {
    "public_id": 17,
    "type_id": 4,
    "version": "1.0.2",
    "active": True,
    "author_id": 1,
    "editor_id": 2,
    "creation_time": {"$date": 2000},
    "last_edit_time": {"$date": 3000},
    "fields": [{"name": "hostname", "value": "web-1"}, {"name": "cpus", "value": 8}],
}
NOW = {"$date": 5000}


def render(obj: dict[str, Any] = OBJECT, type_: dict[str, Any] = TYPE) -> dict[str, Any]:
    return render_object(obj, type_, {1: "admin", 2: "editor"}, NOW)


def test_information_blocks() -> None:
    view = render()
    assert view["current_render_time"] == NOW
    assert view["object_information"] == {
        "object_id": 17,
        "creation_time": {"$date": 2000},
        "last_edit_time": {"$date": 3000},
        "author_id": 1,
        "author_name": "admin",
        "editor_id": 2,
        "editor_name": "editor",
        "active": True,
        "version": "1.0.2",
    }
    assert view["type_information"] == {
        "type_id": 4,
        "type_name": "server",
        "type_label": "Server",
        "creation_time": {"$date": 1000},
        "author_id": 1,
        "author_name": "admin",
        "icon": "fas fa-server",
        "active": True,
        "version": "1.0.0",
        "acl": DEFAULT_ACL,
    }


def test_fields_carry_their_values_and_sections_pass_through() -> None:
    view = render()
    assert view["fields"] == [
        {"type": "text", "name": "hostname", "label": "Hostname", "value": "web-1"},
        {"type": "text", "name": "domain", "label": "Domain", "value": None},
        {"type": "number", "name": "cpus", "label": "CPUs", "value": 8},
    ]
    assert view["sections"] == TYPE["render_meta"]["sections"]


def test_summaries_and_summary_line() -> None:
    view = render()
    assert [s["name"] for s in view["summaries"]] == ["hostname", "cpus"]
    assert view["summary_line"] == "web-1 | 8"


def test_summary_line_without_values_names_the_type_and_id() -> None:
    view = render({**OBJECT, "fields": []})
    assert view["summary_line"] == "Server #17"


def test_externals_fill_placeholders_in_order_and_skip_missing_values() -> None:
    view = render()
    assert [e["name"] for e in view["externals"]] == ["self", "static"]  # dns lacks `domain`
    assert view["externals"][0]["href"] == "https://cmdb/17"
    full = render({**OBJECT, "fields": [*OBJECT["fields"], {"name": "domain", "value": "example.org"}]})
    assert full["externals"][0] == {
        "name": "dns",
        "href": "https://dns.example/web-1/example.org",
        "label": "DNS",
        "icon": "i",
        "fields": ["hostname", "domain"],
    }


def test_unknown_users_render_as_null() -> None:
    view = render_object({**OBJECT, "author_id": 99, "editor_id": None}, TYPE, {}, NOW)
    assert view["object_information"]["author_name"] is None
    assert view["object_information"]["editor_name"] is None


def test_summary_values_of_other_types_read_as_text() -> None:
    fields = [{"name": "hostname", "value": {"$date": 86_400_000}}, {"name": "cpus", "value": True}]
    assert render({**OBJECT, "fields": fields})["summary_line"] == "1970-01-02T00:00:00+00:00 | true"
    huge = [{"name": "hostname", "value": {"$date": 10**20}}]
    assert render({**OBJECT, "fields": huge})["summary_line"] == str(10**20)


def test_ref_fields_embed_the_referenced_objects_summaries() -> None:
    linking_type = {
        **TYPE,
        "public_id": 5,
        "fields": [{"type": "ref", "name": "host", "label": "Host"}, {"type": "ref", "name": "other"}],
        "render_meta": {"summary": {"fields": []}},
    }
    linking = {
        **OBJECT,
        "public_id": 30,
        "type_id": 5,
        "fields": [{"name": "host", "value": 17}, {"name": "other", "value": 99}],
    }
    view = render_object(linking, linking_type, {}, NOW, {17: OBJECT}, {4: TYPE, 5: linking_type})
    host, other = view["fields"]
    assert host["reference"] == {
        "type_id": 4,
        "type_name": "server",
        "type_label": "Server",
        "icon": "fas fa-server",
        "object_id": 17,
        "summaries": [
            {"type": "text", "name": "hostname", "label": "Hostname", "value": "web-1"},
            {"type": "number", "name": "cpus", "label": "CPUs", "value": 8},
        ],
        "line": "web-1 | 8",
    }
    assert other["reference"] is None
    # Without the references loaded, fields render as before (no reference key).
    assert "reference" not in render_object(linking, linking_type, {}, NOW)["fields"][0]
