"""The bench harnesses (bench/run.py's load bench and bench/fleet.py) create, find and drop their
databases through one set of helpers in bench/setup.py, each database named by its harness."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tenantgrid.db.url import with_database

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, ModuleType]]:
    """bench/setup.py and bench/fleet.py, imported as the harness imports them (bench/ on the path)."""
    monkeypatch.syspath_prepend(str(BENCH))
    before = set(sys.modules)
    import fleet  # type: ignore[import-not-found]
    import setup  # type: ignore[import-not-found]

    yield setup, fleet
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_fleet_and_load_bench_share_the_database_helpers(
    bench: tuple[ModuleType, ModuleType], database_url: str
) -> None:
    setup, fleet = bench
    cluster = with_database(database_url, "postgres")
    name = fleet.database_name("Helpers Test")
    assert name == "tenantgrid_bench_helpers_test"
    # one copy of each: the fleet harness has none of its own
    assert not {"fresh_database", "existing_database", "drop_database"} & set(vars(fleet))

    async def run() -> tuple[str | None, str, str | None, str | None]:
        missing = await setup.existing_database(cluster, name)
        url = await setup.fresh_database(cluster, name)
        found = await setup.existing_database(cluster, name)
        await setup.drop_database(cluster, name)
        return missing, url, found, await setup.existing_database(cluster, name)

    missing, url, found, dropped = asyncio.run(run())
    assert missing is None
    assert url == found == with_database(cluster, name)
    assert dropped is None
    assert setup.DATABASE == "tenantgrid_bench"  # the load bench's default name is unchanged
