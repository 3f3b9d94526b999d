"""Projects and databases: GET /v1/projects, GET /v1/databases?projectId=, and our POST extensions."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.api.gridly.structure_support import gridly_error, not_found


def test_a_tenant_starts_with_one_project_holding_one_database(
    client: TestClient, beta_gridly: dict[str, str]
) -> None:
    projects = client.get("/v1/projects", headers=beta_gridly)
    assert projects.status_code == 200, projects.text
    first = projects.json()[0]
    assert set(first) == {"id", "name"} and first["name"] == "My project"
    databases = client.get(f"/v1/databases?projectId={first['id']}", headers=beta_gridly)
    assert databases.status_code == 200, databases.text
    assert [(d["name"], d["projectId"]) for d in databases.json()][:1] == [("My database", first["id"])]


def test_create_projects_and_databases(client: TestClient, alpha_gridly: dict[str, str]) -> None:
    made = client.post("/v1/projects", headers=alpha_gridly, json={"name": "Localisation"})
    assert made.status_code == 201, made.text
    project = made.json()
    assert project["name"] == "Localisation" and project["id"]
    assert project in client.get("/v1/projects", headers=alpha_gridly).json()

    assert client.get(f"/v1/databases?projectId={project['id']}", headers=alpha_gridly).json() == []
    database = client.post(
        f"/v1/databases?projectId={project['id']}", headers=alpha_gridly, json={"name": "Game"}
    )
    assert database.status_code == 201, database.text
    assert database.json() == {"id": database.json()["id"], "name": "Game", "projectId": project["id"]}
    listed = client.get(f"/v1/databases?projectId={project['id']}", headers=alpha_gridly)
    assert listed.json() == [database.json()]
    # a grid can be made in the new database at once
    grid = client.post(
        f"/v1/grids?dbId={database.json()['id']}", headers=alpha_gridly, json={"name": "Strings"}
    )
    assert grid.status_code == 201, grid.text


def test_project_and_database_errors(client: TestClient, alpha_gridly: dict[str, str]) -> None:
    gridly_error(client.get("/v1/databases", headers=alpha_gridly), 400, "projectId")
    not_found(client.get("/v1/databases?projectId=nope", headers=alpha_gridly), "project", "nope")
    not_found(
        client.post("/v1/databases?projectId=nope", headers=alpha_gridly, json={"name": "x"}),
        "project",
        "nope",
    )
    for body in ({}, {"name": ""}, {"name": 3}, {"name": "x" * 501}):
        gridly_error(client.post("/v1/projects", headers=alpha_gridly, json=body), 400, "name")
    gridly_error(client.post("/v1/projects", headers=alpha_gridly, json=[1]), 400, "body")
    gridly_error(client.post("/v1/projects", headers=alpha_gridly, content=b"{"), 400, "body")
    gridly_error(client.get("/v1/projects"), 401)
    gridly_error(client.get("/v1/projects", headers={"Authorization": "ApiKey tg_sk_" + "x" * 43}), 401)


def test_tenants_see_only_their_own_projects(
    client: TestClient, alpha_gridly: dict[str, str], beta_gridly: dict[str, str]
) -> None:
    alpha_project = client.post("/v1/projects", headers=alpha_gridly, json={"name": "Alpha only"}).json()
    assert alpha_project not in client.get("/v1/projects", headers=beta_gridly).json()
    pid = alpha_project["id"]
    not_found(client.get(f"/v1/databases?projectId={pid}", headers=beta_gridly), "project", pid)
    not_found(
        client.post(f"/v1/databases?projectId={pid}", headers=beta_gridly, json={"name": "x"}), "project", pid
    )
