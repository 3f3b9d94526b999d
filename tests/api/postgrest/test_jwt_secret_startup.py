"""The server refuses to start without a usable JWT secret, rather than signing with whatever it finds.

Each case runs the real lifespan (entering the TestClient) against a database of its own, whose
control plane row `jwt_secret` is missing or too short.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tenantgrid.app import create_app
from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.provision import prepare_database
from tests.conftest import throwaway_database

DELETE_ROW = "DELETE FROM {control}.server_secrets WHERE name = 'jwt_secret'"
SET_ROW = "UPDATE {control}.server_secrets SET value = '%s' WHERE name = 'jwt_secret'"


@pytest.fixture(scope="module")
def own_settings(database_url: str, settings: Settings) -> Iterator[Settings]:
    """Settings for a prepared database of this module's own; the control plane's secret is used."""
    with throwaway_database(database_url, "tenantgrid_secret") as url:
        own = settings.model_copy(update={"database_url": url, "jwt_secret": ""})
        _sql(own, None)
        yield own


def _sql(settings: Settings, statement: str | None) -> None:
    async def run() -> None:
        engine = create_engine(settings.database_url or "")
        try:
            await prepare_database(engine, settings)
            if statement is not None:
                async with engine.begin() as conn:
                    await conn.exec_driver_sql(statement.format(control=f'"{settings.control_schema}"'))
        finally:
            await engine.dispose()

    asyncio.run(run())


def _starts(settings: Settings) -> bool:
    with TestClient(create_app(settings), base_url="http://tenantgrid.test") as client:
        return client.get("/health").status_code == 200


@pytest.fixture
def restore_secret(own_settings: Settings) -> Iterator[None]:
    yield
    # What the refusal tells operators to run (on a conflict: what the first migration does).
    _sql(
        own_settings,
        "INSERT INTO {control}.server_secrets (name, value) "
        "VALUES ('jwt_secret', encode({control}.gen_random_bytes_compat(), 'hex')) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )


def test_starts_with_the_control_planes_secret(own_settings: Settings) -> None:
    assert _starts(own_settings)


def test_missing_secret_row_refuses_to_start(own_settings: Settings, restore_secret: None) -> None:
    _sql(own_settings, DELETE_ROW)
    with pytest.raises(ValueError, match="no JWT secret") as refused:
        _starts(own_settings)
    message = str(refused.value)
    assert "row 'jwt_secret' of tenantgrid.server_secrets is missing" in message
    assert "TENANTGRID_JWT_SECRET" in message


def test_missing_secret_row_is_fine_when_the_setting_gives_one(
    own_settings: Settings, restore_secret: None
) -> None:
    _sql(own_settings, DELETE_ROW)
    configured = own_settings.model_copy(update={"jwt_secret": "c" * 32})
    with TestClient(create_app(configured), base_url="http://tenantgrid.test") as client:
        assert client.app.state.runtime.jwt_secret == "c" * 32  # type: ignore[attr-defined]


@pytest.mark.parametrize("value", ["", "None", "k" * 31])
def test_short_secret_row_refuses_to_start(own_settings: Settings, restore_secret: None, value: str) -> None:
    _sql(own_settings, SET_ROW % value)
    with pytest.raises(ValueError, match=r"row 'jwt_secret' of tenantgrid\.server_secrets"):
        _starts(own_settings)


def test_short_secret_for_the_algorithm_refuses_to_start(own_settings: Settings) -> None:
    """A generated secret (128 hex digits) suits HS512; a configured 40-byte one does not suit HS384."""
    strong = own_settings.model_copy(update={"jwt_algorithm": "HS512"})
    assert _starts(strong)
    short = own_settings.model_copy(update={"jwt_secret": "c" * 40, "jwt_algorithm": "HS384"})
    with pytest.raises(ValueError, match="TENANTGRID_JWT_SECRET is 40 bytes long; HS384 needs at least 48"):
        _starts(short)
