"""One place that turns the configured database into URLs for each driver we use."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from tenantgrid.settings import Settings


def resolve_database_url(settings: Settings) -> str:
    """The plain `postgresql://` URL of the database: configured, or the embedded cluster."""
    if settings.database_url:
        return plain_url(settings.database_url)
    from tenantgrid.db.embedded import start_embedded

    return start_embedded(settings.data_dir)


def plain_url(url: str) -> str:
    """Strip a SQLAlchemy driver suffix (`postgresql+asyncpg://`) so asyncpg can read the URL."""
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme.startswith("postgres") else parts.scheme
    return urlunsplit((scheme, *parts[1:]))


def sqlalchemy_url(url: str) -> str:
    return plain_url(url).replace("postgresql://", "postgresql+asyncpg://", 1)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(plain_url(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))
