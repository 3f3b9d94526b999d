"""Provisioning is all or nothing: a failure at any step leaves no schema, no control row, no key,
and the same e-mail can sign up afterwards. Each step is made to fail right after it did its work
for real (so there is something to roll back), and once by the database itself (a trigger)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError
from starlette.testclient import TestClient

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy import provision
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.provision import ProvisionedTenant
from tenantgrid.tenancy.register import RegistrationError, register_tenant
from tests.api.signup.conftest import PASSWORD, REGISTER, fresh_email
from tests.conftest import Database


class Injected(Exception):
    pass


def failing_after(step: Callable[..., Awaitable[Any]], calls: int = 1) -> Callable[..., Awaitable[Any]]:
    """`step` that does its work, and then fails on its `calls`-th use."""
    count = 0

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal count
        result = await step(*args, **kwargs)
        count += 1
        if count == calls:
            raise Injected(f"injected after {step.__name__}")
        return result

    return wrapper


STEPS: dict[str, tuple[object, str, int]] = {
    "schema": (provision, "create_schema", 1),
    "migrations": (provision, "upgrade_schema", 1),
    "template copy": (provision, "copy_template", 1),
    "first user": (provision, "add_first_user", 1),
    "control row": (Control, "add_tenant", 1),
    "first key": (Control, "create_key", 1),
    "second key": (Control, "create_key", 2),
}


def register(settings: Settings, email: str) -> ProvisionedTenant:
    async def run() -> ProvisionedTenant:
        engine = create_engine(settings.database_url or "", settings)
        try:
            return await register_tenant(engine, settings, email, PASSWORD, None)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def leftovers(db: Database, email: str) -> dict[str, int]:
    local = email.split("@")[0].replace(".", "_")
    return {
        "schemas": db.value("SELECT count(*) FROM pg_namespace WHERE nspname LIKE $1", local + "%"),
        "tenants": db.value("SELECT count(*) FROM tenantgrid.tenants WHERE email = $1", email),
        "keys": db.value("SELECT count(*) FROM tenantgrid.api_keys"),
    }


@pytest.mark.parametrize("step", list(STEPS))
def test_a_failure_at_any_step_leaves_nothing(
    step: str, settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, attribute, calls = STEPS[step]
    email = fresh_email("atomic")
    keys_before = leftovers(db, email)["keys"]
    with monkeypatch.context() as patch:
        patch.setattr(owner, attribute, failing_after(getattr(owner, attribute), calls))
        with pytest.raises(Injected, match=attribute):
            register(settings, email)
    assert leftovers(db, email) == {"schemas": 0, "tenants": 0, "keys": keys_before}
    # Nothing half-made blocks the address: it signs up now.
    made = register(settings, email)
    assert leftovers(db, email) == {"schemas": 1, "tenants": 1, "keys": keys_before + 2}
    assert made.email == email


@pytest.fixture
def keys_refused(db: Database) -> Iterator[None]:
    """The database itself refuses every new API key (a trigger), as a constraint or a full disk would."""
    db.fetch(
        "CREATE FUNCTION tenantgrid.refuse_keys() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'no keys today'; END $$"
    )
    db.fetch(
        "CREATE TRIGGER refuse_keys BEFORE INSERT ON tenantgrid.api_keys "
        "FOR EACH ROW EXECUTE FUNCTION tenantgrid.refuse_keys()"
    )
    try:
        yield
    finally:
        db.fetch("DROP TRIGGER refuse_keys ON tenantgrid.api_keys")
        db.fetch("DROP FUNCTION tenantgrid.refuse_keys()")


def test_a_database_failure_leaves_nothing_and_answers_a_drf_500(
    open_client: TestClient, settings: Settings, db: Database, keys_refused: None
) -> None:
    email = fresh_email("refused")
    keys_before = leftovers(db, email)["keys"]
    with pytest.raises(DBAPIError, match="no keys today"):
        register(settings, email)
    answer = open_client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert (answer.status_code, answer.json()) == (500, {"detail": "A server error occurred."})
    assert leftovers(db, email) == {"schemas": 0, "tenants": 0, "keys": keys_before}


def test_two_sign_ups_with_one_email_at_once_make_one_tenant(settings: Settings, db: Database) -> None:
    email = fresh_email("race")

    async def race() -> list[ProvisionedTenant | BaseException]:
        engine = create_engine(settings.database_url or "", settings)
        try:
            return await asyncio.gather(
                *(
                    register_tenant(engine, settings, e, PASSWORD, None)
                    for e in (email, email.upper(), email)
                ),
                return_exceptions=True,
            )
        finally:
            await engine.dispose()

    results = asyncio.run(race())
    made = [r for r in results if isinstance(r, ProvisionedTenant)]
    refused = [r for r in results if isinstance(r, RegistrationError)]
    assert len(made) == 1 and len(refused) == 2, results
    assert all((r.field, r.message) == ("email", "A tenant with this email already exists.") for r in refused)
    assert db.value("SELECT count(*) FROM tenantgrid.tenants WHERE lower(email) = lower($1)", email) == 1
