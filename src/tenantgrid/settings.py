"""Every knob of the server, read from `TENANTGRID_*` environment variables (or a `.env` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tenantgrid.auth.secret import SETTING as JWT_SECRET_SETTING
from tenantgrid.auth.secret import JwtAlgorithm, secret_problem
from tenantgrid.ratelimit.budget import parse_budget


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

    jwt_secret: str = Field(
        default="",
        description="The HMAC secret of access tokens, at least 32 bytes (48 for HS384, 64 for HS512); "
        "unset: the one the control plane's first migration generated.",
    )
    jwt_algorithm: JwtAlgorithm = Field(default="HS256", description="HS256, HS384 or HS512.")
    jwt_audience: str = "authenticated"
    jwt_issuer: str = Field(default="tenantgrid", description="The `iss` of tokens issued, and required.")
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 86400

    @field_validator("jwt_algorithm")
    @classmethod
    def _jwt_secret_long_enough(cls, algorithm: str, info: ValidationInfo) -> str:
        # Checked here, not on jwt_secret, so that the error never shows the secret as its input.
        secret = info.data.get("jwt_secret")
        if secret:
            problem = secret_problem(secret, algorithm, JWT_SECRET_SETTING)
            if problem is not None:
                raise ValueError(problem)
        return algorithm

    auth_cache_ttl: float = Field(
        default=2.0,
        description="How often (seconds) a process checks whether any key or tenant changed, and so how "
        "long a revoked key may still work.",
    )
    pool_size: int = Field(default=16, description="Connections per server process, shared by all tenants.")
    pool_spread: int = Field(
        default=2, description="Connections each tenant prefers (its prepared statements stay warm there)."
    )
    pool_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds a request waits for a connection before answering 503 with Retry-After.",
    )
    pool_tenant_limit: int | None = Field(
        default=None,
        ge=1,
        description="Connections one tenant holds at once (its other requests wait); unset: half the pool.",
    )
    statement_timeout: float = Field(
        default=30.0,
        ge=0,
        description="Seconds a statement may run before it is cancelled with a 504 (code 57014); 0: no limit.",
    )

    def tenant_connection_limit(self) -> int:
        return self.pool_tenant_limit or max(1, self.pool_size // 2)

    statement_cache_size: int = 1024

    allow_unfiltered_writes: bool = Field(
        default=False, description="Allow PATCH and DELETE without any filter (refused by default)."
    )
    max_body_bytes: int = 10 * 1024 * 1024
    gridly_max_file_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1,
        description="The largest file a Gridly upload may carry (bytes); larger ones answer 413.",
    )
    max_rows: int | None = None
    log_requests: bool = True
    log_format: Literal["text", "json"] = Field(
        default="text", description="`tenantgrid serve`'s log lines: text, or one JSON object per line."
    )
    metrics: bool = Field(default=True, description="Serve Prometheus metrics at /metrics.")
    metrics_tenant_labels: bool = Field(
        default=False,
        description="Label request and statement-timeout counters with the tenant (one series per tenant).",
    )
    cors_origins: list[str] = Field(
        default=["*"],
        description='Origins browsers may call from (JSON list, e.g. ["https://app.example.com"]); [] turns CORS off.',
    )

    rate_limit: str = Field(
        default="100/minute",
        description="Requests per API key on the rate-limited APIs (Gainfully): <count>/<period>, e.g. "
        "100/minute, 10/second, 1000 per 5 minutes. Over it: 429 with Retry-After.",
    )
    login_rate_limit: str = Field(
        default="10/minute",
        description="Sign-in attempts on every login route, counted per client address and, apart, per "
        "account: brute-force protection.",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://[:password@]host:port[/db] (or rediss://, unix://): rate-limit counters live "
        "there; unset: in a PostgreSQL table. Either way every process and machine shares them.",
    )

    registration: Literal["open", "token", "off"] = Field(
        default="off",
        description="Self-service sign-up (`POST /api/tenants/register`, the panel's sign-up form): open to "
        "anyone, `token` (the caller sends `registration_token`), or off.",
    )
    registration_token: str = Field(
        default="", description="The operator token sign-up requires when `registration` is `token`."
    )
    registration_rate_limit: str = Field(
        default="5/hour", description="Sign-ups per client address (<count>/<period>); over it: 429."
    )
    admin_access_ttl: int = Field(
        default=300, ge=1, description="Seconds an admin panel sign-in stays valid before it is refreshed."
    )
    admin_refresh_ttl: int = Field(
        default=86400, ge=1, description="Seconds an admin panel session lives without a new sign-in."
    )
    file_store: Literal["postgres", "s3"] = Field(
        default="postgres",
        description="Where uploaded files' bytes live: PostgreSQL (`bytea` chunks in the tenant's schema) or "
        "an S3-compatible object store (the `s3_*` settings).",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="The S3-compatible store's URL (MinIO, Ceph, AWS); unset: AWS's own."
    )
    s3_bucket: str = Field(
        default="tenantgrid-files", description="The bucket that holds every tenant's files."
    )
    s3_prefix: str = Field(default="", description="A key prefix inside the bucket, e.g. `prod/`.")
    s3_region: str = Field(default="us-east-1")
    s3_access_key_id: str | None = Field(default=None, description="Unset: the AWS_* variables or profile.")
    s3_secret_access_key: str | None = Field(default=None)

    @field_validator("rate_limit", "login_rate_limit", "registration_rate_limit")
    @classmethod
    def _rate_parses(cls, value: str) -> str:
        parse_budget(value)
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url_scheme(cls, value: str | None) -> str | None:
        if value:
            # here, not at import: redis_window imports the `limits` library's Redis storage (~20 ms)
            from tenantgrid.ratelimit.redis_window import storage_uri

            storage_uri(value)
        return value or None


@lru_cache
def get_settings() -> Settings:
    return Settings()
