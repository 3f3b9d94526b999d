"""Every knob of the server, read from `TENANTGRID_*` environment variables (or a `.env` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENANTGRID_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("TENANTGRID_DATABASE_URL", "DATABASE_URL"),
        description="A PostgreSQL URL. Unset: an embedded PostgreSQL is started in data_dir.",
    )
    data_dir: Path = Path(".tenantgrid")

    control_schema: str = "tenantgrid"
    template_schema: str = "public"

    jwt_secret: str = Field(default="", description="HS256 secret; unset: one is generated into data_dir.")
    jwt_algorithm: str = "HS256"
    jwt_audience: str = "authenticated"
    jwt_issuer: str = "tenantgrid"
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 86400

    auth_cache_ttl: float = Field(
        default=2.0,
        description="How often (seconds) a process checks whether any key or tenant changed, and so how "
        "long a revoked key may still work.",
    )
    pool_size: int = Field(default=16, description="Connections per server process, shared by all tenants.")
    pool_spread: int = Field(
        default=2, description="Connections each tenant prefers (its prepared statements stay warm there)."
    )
    statement_cache_size: int = 1024

    allow_unfiltered_writes: bool = Field(
        default=False, description="Allow PATCH and DELETE without any filter (refused by default)."
    )
    max_body_bytes: int = 10 * 1024 * 1024
    max_rows: int | None = None
    log_requests: bool = True
    cors_origins: list[str] = Field(
        default=["*"],
        description='Origins browsers may call from (JSON list, e.g. ["https://app.example.com"]); [] turns CORS off.',
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
