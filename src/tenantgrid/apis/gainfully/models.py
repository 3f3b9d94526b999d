"""The three resources: their fields as lists show them (the dialect's `Model`) and as bodies write
them (`Writable`: DRF's field rules)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tenantgrid.query.dialects.django import Field, FieldType, Model


class Kind(Enum):
    TEXT = "text"
    EMAIL = "email"
    URL = "url"
    INTEGER = "integer"
    TIMESTAMP = "timestamp"
    RELATED = "related"
    """One id of another resource (`author`)."""
    RELATED_MANY = "related_many"
    """A list of ids of another resource, kept in a link table (`content` of an event)."""


@dataclass(frozen=True, slots=True)
class Writable:
    name: str
    kind: Kind
    required: bool = False
    nullable: bool = False
    allow_blank: bool = False
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    related: str | None = None
    """RELATED(_MANY): the resource whose ids it holds."""
    link: tuple[str, str, str] | None = None
    """RELATED_MANY: (link table, column of this resource's id, column of the related id)."""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    """The URL's name: /v1.0/<name>/."""
    label: str
    """DRF's verbose name, in messages: "relationship with this email already exists."."""
    model: Model
    writable: tuple[Writable, ...]
    descriptions: dict[str, str]

    @property
    def table(self) -> str:
        return self.model.resource

    def write_field(self, name: str) -> Writable | None:
        return next((w for w in self.writable if w.name == name), None)

    @property
    def links(self) -> tuple[Writable, ...]:
        return tuple(w for w in self.writable if w.kind is Kind.RELATED_MANY)


BIGINT = 2**63 - 1
TIMES = {
    "created_at": "When it was created, in Unix seconds (read only)",
    "updated_at": "When it last changed, in Unix seconds (read only)",
}

RELATIONSHIPS = Resource(
    name="relationships",
    label="relationship",
    model=Model(
        "gainfully_relationships",
        (
            Field("id", FieldType.INTEGER),
            Field("type", FieldType.SMALLINT),
            Field("name", FieldType.TEXT),
            Field("email", FieldType.TEXT),
            Field("phone", FieldType.TEXT, nullable=True),
            Field("title", FieldType.TEXT, nullable=True),
            Field("created_at", FieldType.TIMESTAMP),
            Field("updated_at", FieldType.TIMESTAMP),
        ),
    ),
    writable=(
        Writable("type", Kind.INTEGER, min_value=0, max_value=32767),
        Writable("name", Kind.TEXT, required=True, max_length=255),
        Writable("email", Kind.EMAIL, required=True, max_length=254),
        Writable("phone", Kind.TEXT, nullable=True, allow_blank=True, max_length=50),
        Writable("title", Kind.TEXT, nullable=True, allow_blank=True, max_length=255),
    ),
    descriptions={
        "id": "The relationship's id (read only)",
        "type": "The kind of member, a small integer 0-32767 (default 0)",
        "name": "Full name",
        "email": "Email address, unique in the organisation",
        "phone": "Phone number",
        "title": "Job title",
        **TIMES,
    },
)

CONTENT = Resource(
    name="content",
    label="content",
    model=Model(
        "gainfully_content",
        (
            Field("id", FieldType.INTEGER),
            Field("name", FieldType.TEXT),
            Field("message", FieldType.TEXT),
            Field("url", FieldType.TEXT, nullable=True),
            Field("author", FieldType.INTEGER, nullable=True),
            Field("created_at", FieldType.TIMESTAMP),
            Field("updated_at", FieldType.TIMESTAMP),
        ),
    ),
    writable=(
        Writable("name", Kind.TEXT, required=True, max_length=255),
        Writable("message", Kind.TEXT, allow_blank=True),
        Writable("url", Kind.URL, nullable=True, allow_blank=True, max_length=2000),
        Writable("author", Kind.RELATED, nullable=True, related="gainfully_relationships"),
    ),
    descriptions={
        "id": "The content's id (read only)",
        "name": "Title",
        "message": "The text shared (default empty)",
        "url": "A link to the content",
        "author": "The id of the relationship who wrote it (null once that relationship is deleted)",
        **TIMES,
    },
)

EVENTS = Resource(
    name="events",
    label="event",
    model=Model(
        "gainfully_events",
        (
            Field("id", FieldType.INTEGER),
            Field("name", FieldType.TEXT),
            Field("description", FieldType.TEXT),
            Field("location", FieldType.TEXT, nullable=True),
            Field("starts_at", FieldType.TIMESTAMP),
            Field("ends_at", FieldType.TIMESTAMP, nullable=True),
            Field("content", FieldType.IDS),
            Field("relationships", FieldType.IDS),
            Field("created_at", FieldType.TIMESTAMP),
            Field("updated_at", FieldType.TIMESTAMP),
        ),
    ),
    writable=(
        Writable("name", Kind.TEXT, required=True, max_length=255),
        Writable("description", Kind.TEXT, allow_blank=True),
        Writable("location", Kind.TEXT, nullable=True, allow_blank=True, max_length=255),
        Writable("starts_at", Kind.TIMESTAMP, required=True, min_value=-BIGINT - 1, max_value=BIGINT),
        Writable("ends_at", Kind.TIMESTAMP, nullable=True, min_value=-BIGINT - 1, max_value=BIGINT),
        Writable(
            "content",
            Kind.RELATED_MANY,
            related="gainfully_content",
            link=("gainfully_event_content", "event_id", "content_id"),
        ),
        Writable(
            "relationships",
            Kind.RELATED_MANY,
            related="gainfully_relationships",
            link=("gainfully_event_relationships", "event_id", "relationship_id"),
        ),
    ),
    descriptions={
        "id": "The event's id (read only)",
        "name": "Title",
        "description": "What it is about (default empty)",
        "location": "Where it happens",
        "starts_at": "When it starts, in Unix seconds",
        "ends_at": "When it ends, in Unix seconds (not before starts_at)",
        "content": "Ids of the content shared at the event",
        "relationships": "Ids of the relationships invited",
        **TIMES,
    },
)

RESOURCES = (RELATIONSHIPS, CONTENT, EVENTS)
