"""The official Supabase Python client, pointed at tenantgrid unchanged (seed 000's users do this).

The server runs for real on a loopback port (`live_url`: uvicorn in a thread), so the client's own HTTP stack,
headers and response parsing are what is tested.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from postgrest.exceptions import APIError
from supabase import Client, ClientOptions, create_client
from supabase_auth.errors import AuthApiError

from tenantgrid.tenancy.provision import ProvisionedTenant
from tests.conftest import PASSWORD

# The client library warns about its own internals (e.g. its `timeout` parameter); not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """One HTTP client for the Supabase clients of a test, closed after it."""
    with httpx.Client(timeout=10) as client:
        yield client


def _client(url: str, key: str, schema: str, http: httpx.Client) -> Client:
    options = ClientOptions(schema=schema, auto_refresh_token=False, httpx_client=http)
    return create_client(url, key, options=options)


def test_sign_in_then_crud_through_the_official_client(
    live_url: str, alpha: ProvisionedTenant, http: httpx.Client
) -> None:
    supabase = _client(live_url, alpha.publishable_key, alpha.schema, http)
    session = supabase.auth.sign_in_with_password({"email": alpha.email, "password": PASSWORD})
    assert session.user is not None and session.user.email == alpha.email
    assert session.session is not None and session.session.token_type == "bearer"

    marker = f"sb-{uuid.uuid4().hex[:8]}"
    inserted = supabase.table("things").insert({"name": marker, "tags": ["sb"], "data": {"k": 1}}).execute()
    assert [row["name"] for row in inserted.data] == [marker]
    thing_id = inserted.data[0]["id"]

    many = supabase.table("things").insert(
        [{"name": f"{marker}-a"}, {"name": f"{marker}-b", "description": "d"}]
    )
    assert len(many.execute().data) == 2

    found = (
        supabase.table("things")
        .select("id,name", count="exact")
        .like("name", f"{marker}*")
        .order("name", desc=True)
        .execute()
    )
    assert [row["name"] for row in found.data] == [f"{marker}-b", f"{marker}-a", marker]
    assert found.count == 3

    one = supabase.table("things").select("*").eq("id", thing_id).single().execute()
    assert one.data["name"] == marker and one.data["data"] == {"k": 1}

    updated = supabase.table("things").update({"description": "changed"}).eq("id", thing_id).execute()
    assert updated.data[0]["description"] == "changed"

    upserted = supabase.table("things").upsert({"id": thing_id, "name": f"{marker}-up"}).execute()
    assert upserted.data[0]["name"] == f"{marker}-up"

    filtered = supabase.table("things").select("name").in_("id", [thing_id]).is_("active", True).execute()
    assert filtered.data == [{"name": f"{marker}-up"}]

    deleted = supabase.table("things").delete().like("name", f"{marker}*").execute()
    assert len(deleted.data) == 3


def test_client_surfaces_postgrest_errors(
    live_url: str, alpha: ProvisionedTenant, http: httpx.Client
) -> None:
    supabase = _client(live_url, alpha.secret_key, alpha.schema, http)
    with pytest.raises(APIError) as missing_table:
        supabase.table("nope").select("*").execute()
    assert missing_table.value.code == "PGRST205"
    with pytest.raises(APIError) as missing_column:
        supabase.table("things").select("nope").execute()
    assert missing_column.value.code == "42703"
    with pytest.raises(APIError) as not_single:
        supabase.table("things").select("*").single().execute()
    assert not_single.value.code == "PGRST116"


def test_client_auth_errors_refresh_and_user(
    live_url: str, alpha: ProvisionedTenant, http: httpx.Client
) -> None:
    supabase = _client(live_url, alpha.publishable_key, alpha.schema, http)
    with pytest.raises(AuthApiError) as bad:
        supabase.auth.sign_in_with_password({"email": alpha.email, "password": "wrong password"})
    assert bad.value.status == 400
    supabase.auth.sign_in_with_password({"email": alpha.email, "password": PASSWORD})
    refreshed = supabase.auth.refresh_session()
    assert refreshed.session is not None and refreshed.user is not None
    user = supabase.auth.get_user()
    assert user is not None and user.user.email == alpha.email
    supabase.auth.sign_out()
    stale = http.post(
        f"{live_url}/auth/v1/token?grant_type=refresh_token",
        headers={"apikey": alpha.publishable_key},
        json={"refresh_token": refreshed.session.refresh_token},
    )
    assert stale.status_code == 400


def test_schema_of_another_tenant_is_refused_to_the_client(
    live_url: str, alpha: ProvisionedTenant, beta: ProvisionedTenant, http: httpx.Client
) -> None:
    supabase = _client(live_url, alpha.secret_key, beta.schema, http)
    with pytest.raises(APIError) as refused:
        supabase.table("things").select("*").execute()
    assert refused.value.code == "PGRST106"
    assert beta.schema not in str(refused.value.hint)
