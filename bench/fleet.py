"""Fleet benchmark: `python3 run.py bench fleet [options]` (see bench/README.md, "Fleet").

1. In the bench's own embedded cluster, a fresh database `tenantgrid_bench_<label>`: `--tenants`
   tenants made with `create_tenant` as `tenantgrid tenants create` makes them (each timed), with
   `--rows` things each (default 0: the catalog, not the data, is what grows with the fleet).
2. With all of them present, `--measure` more tenants provisioned one by one: p50/p95/max.
3. `--fleet` tenants downgraded one revision (head to its parent), then `tenantgrid tenants migrate
   --all --jobs J --json` run as a real process for each J of `--jobs`: its wall time (process
   start included), and a second, no-op run (everyone at head) for the fixed cost of a pass.
4. bench/results/<date>-fleet.{json,md} (`--label` changes the `fleet` part).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import report
import setup
from sqlalchemy import text

from tenantgrid.db.engine import create_engine
from tenantgrid.settings import Settings
from tenantgrid.tenancy.control import Control
from tenantgrid.tenancy.inventory import inventory
from tenantgrid.tenancy.migrate import downgrade_schema, head_revision, script_directory
from tenantgrid.tenancy.names import quote_ident
from tenantgrid.tenancy.provision import create_tenant, prepare_database

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATABASE = "tenantgrid_bench_{label}"
"""Named after --label, so that a short trial run next to a long one does not drop its database."""
PROVISIONING_TARGET_S = 1.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="run.py bench fleet", description=__doc__)
    p.add_argument(
        "--tenants", type=int, default=1000, help="tenants present before measuring (default 1000)"
    )
    p.add_argument(
        "--measure", type=int, default=50, help="tenants provisioned and timed with those present (50)"
    )
    p.add_argument("--rows", type=int, default=0, help="things per tenant made in step 1 (default 0)")
    p.add_argument(
        "--fleet", type=int, default=200, help="tenants downgraded one revision and migrated (200)"
    )
    p.add_argument(
        "--jobs", default="1,4", help="comma-separated --jobs values for migrate --all (default 1,4)"
    )
    p.add_argument("--data-dir", type=Path, default=Path(".tenantgrid/bench"))
    p.add_argument("--results", type=Path, default=BENCH / "results")
    p.add_argument("--label", default="fleet", help="results go to <date>-<label>.{json,md} (default fleet)")
    p.add_argument(
        "--keep-database", action="store_true", help="keep the database (tenantgrid_bench_<label>) afterwards"
    )
    p.add_argument(
        "--reuse-database",
        action="store_true",
        help="reuse the fleet a --keep-database run left (skip step 1; measure, list and migrate again), keep it",
    )
    args = p.parse_args(argv)
    args.jobs = [int(j) for j in args.jobs.split(",") if j.strip()]
    args.keep_database = args.keep_database or args.reuse_database
    if min(args.tenants, args.measure, *args.jobs) < 1 or args.rows < 0 or not 0 < args.fleet <= args.tenants:
        p.error("--tenants, --measure and --jobs must be positive, and 0 < --fleet <= --tenants")
    return args


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def figures(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1),
    }


def database_name(label: str) -> str:
    return DATABASE.format(label=re.sub(r"[^a-z0-9_]", "_", label.lower()))[:63]


async def provision(
    url: str, settings: Settings, args: Any, log: Callable[[str], None], reuse: bool
) -> dict[str, Any]:
    engine = create_engine(url, settings)
    try:
        await prepare_database(engine, settings)
        growing: list[float] = []
        step = max(1, args.tenants // 10)
        async with engine.connect() as conn:
            present = len(await Control(conn, settings.control_schema).tenants())
        for i in range(0 if reuse else args.tenants):
            name = f"fleet{i:05d}"
            started = time.perf_counter()
            made = await create_tenant(engine, settings, name, f"{name}@example.com", setup.PASSWORD)
            growing.append(time.perf_counter() - started)
            if args.rows:
                async with engine.begin() as conn:
                    await conn.execute(
                        text(setup.FILL.format(schema=quote_ident(made.schema), rows=int(args.rows)))
                    )
            if (i + 1) % step == 0:
                log(f"  {i + 1}/{args.tenants} tenants ({growing[-1] * 1000:.0f} ms for the last)")
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("CHECKPOINT"))
        present += len(growing)
        log(f"measuring {args.measure} provisionings with {present} tenants present")
        measured: list[float] = []
        run = time.strftime("%H%M%S")
        for i in range(args.measure):
            name = f"measured{run}_{i:04d}"
            started = time.perf_counter()
            await create_tenant(engine, settings, name, f"{name}@example.com", setup.PASSWORD)
            measured.append(time.perf_counter() - started)
        tenth = max(1, len(growing) // 10)
        return {
            "present": present,
            "total": present + len(measured),
            "measured": figures(measured),
            "measured_s": [round(x, 4) for x in measured],
            "while_growing": {
                "all": figures(growing),
                f"first_{tenth}": figures(growing[:tenth]),
                f"last_{tenth}": figures(growing[-tenth:]),
            }
            if growing
            else {},
            "reused_database": reuse,
        }
    finally:
        await engine.dispose()


async def downgrade(url: str, settings: Settings, count: int) -> tuple[str, float]:
    """The first `count` tenants (by name) sent back from head to its parent; returns that revision."""
    head = head_revision("tenant")
    parent = script_directory("tenant").get_revision(head).down_revision
    if not isinstance(parent, str):
        raise SystemExit(f"head {head} has no single parent revision to downgrade to")
    engine = create_engine(url, settings)
    try:
        async with engine.connect() as conn:
            tenants = [
                t
                for t in await Control(conn, settings.control_schema).tenants()
                if t.name.startswith("fleet")
            ]
        started = time.perf_counter()
        for tenant in tenants[:count]:
            async with engine.begin() as conn:
                await downgrade_schema(conn, tenant.schema, parent)
        elapsed = time.perf_counter() - started
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("CHECKPOINT"))
        return parent, elapsed
    finally:
        await engine.dispose()


def migrate_all(url: str, jobs: int) -> dict[str, Any]:
    """`tenantgrid tenants migrate --all --jobs J --json` as an operator runs it; its wall time."""
    env = {**os.environ, "TENANTGRID_DATABASE_URL": url}
    command = [str(Path(sys.executable).with_name("tenantgrid")), "tenants", "migrate", "--all"]
    command += ["--jobs", str(jobs), "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, cwd=ROOT)
    wall = time.perf_counter() - started
    try:
        summary = json.loads(done.stdout)
    except ValueError:
        raise RuntimeError(f"migrate --all failed ({done.returncode}): {done.stderr[-2000:]}") from None
    return {
        "jobs": jobs,
        "wall_s": round(wall, 3),
        "exit_code": done.returncode,
        "migrated": summary["migrated"],
        "current": summary["current"],
        "failed": summary["failed"],
        "errors": [f"{t['tenant']}: {t['error']}" for t in summary["tenants"] if t["error"]][:10],
    }


def list_tenants(url: str, *flags: str) -> dict[str, Any]:
    """`tenantgrid tenants list --json [flags]` as a process; its wall time and how many it listed."""
    env = {**os.environ, "TENANTGRID_DATABASE_URL": url}
    command = [str(Path(sys.executable).with_name("tenantgrid")), "tenants", "list", "--json", *flags]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"tenants list failed ({done.returncode}): {done.stderr[-2000:]}")
    return {"flags": list(flags), "wall_s": round(wall, 3), "tenants": len(json.loads(done.stdout))}


async def time_inventory(url: str, settings: Settings) -> list[dict[str, Any]]:
    """`tenants list`'s own work (`inventory`), in this process: the command minus Python's start-up."""
    engine = create_engine(url, settings)
    timed: list[dict[str, Any]] = []
    try:
        for exact in (False, True):
            async with engine.connect() as conn:
                started = time.perf_counter()
                listed = await inventory(conn, settings, exact=exact)
                timed.append(
                    {
                        "exact": exact,
                        "wall_s": round(time.perf_counter() - started, 3),
                        "tenants": len(listed),
                    }
                )
    finally:
        await engine.dispose()
    return timed


def markdown(raw: dict[str, Any]) -> str:
    prov = raw["provisioning"]
    m = prov["measured"]
    grow = prov["while_growing"]
    lines = [
        f"# tenantgrid fleet benchmark, {raw['date']}",
        "",
        f"{raw['machine']['cores']} cores ({raw['machine']['cpu_model']}); Python {raw['machine']['python']}; "
        f"PostgreSQL {raw['postgres_version']}; load average at the start {raw['machine'].get('load_average')}.",
        "",
        f"## Provisioning with {prov['present']:,} tenants present",
        "",
        "| tenants timed | p50 ms | p95 ms | max ms | mean ms |",
        "|---|---:|---:|---:|---:|",
        f"| {m['count']} more, with {prov['present']:,} present | {m['p50_ms']} | {m['p95_ms']} | {m['max_ms']} | "
        f"{m['mean_ms']} |",
    ]
    for key, f in grow.items():
        label = {"all": f"all {prov['present']:,} while the fleet grew"}.get(
            key, key.replace("_", " ") + " made"
        )
        lines.append(f"| {label} | {f['p50_ms']} | {f['p95_ms']} | {f['max_ms']} | {f['mean_ms']} |")
    lines += [
        "",
        f"`create_tenant` per tenant (schema by the revision chain, template copy, first user, two keys, "
        f"one transaction); {raw['options']['rows']} things per tenant in the fleet.",
        "",
        f"## `tenantgrid tenants migrate --all` over {raw['fleet_total']:,} tenants, "
        f"{raw['options']['fleet']} of them one revision behind ({raw['downgraded_to']} -> {raw['head']})",
        "",
        f"| --jobs | wall s ({raw['options']['fleet']} behind) | migrated | failed | wall s, no-op pass (all at head) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for run in raw["migration"]:
        work, noop = run["behind"], run["noop"]
        lines.append(
            f"| {run['jobs']} | {work['wall_s']:.2f} | {work['migrated']} | {work['failed']} | {noop['wall_s']:.2f} |"
        )
    lines += [
        "",
        "Wall time of the command as a process (Python start-up, the progress bar, worker processes "
        "included). Each tenant is upgraded in its own transaction; with --jobs N, N worker processes "
        "each hold one connection.",
        "",
        f"## `tenantgrid tenants list` over {raw['fleet_total']:,} tenants",
        "",
        "| command | wall s | tenants listed |",
        "|---|---:|---:|",
        *(
            f"| `tenants list --json{''.join(' ' + f for f in run['flags'])}` | {run['wall_s']:.2f} | {run['tenants']} |"
            for run in raw["list"]
        ),
        *(
            f"| `inventory(exact={run['exact']})` in-process (the command without start-up) | "
            f"{run['wall_s']:.2f} | {run['tenants']} |"
            for run in raw.get("inventory", [])
        ),
        "",
        "The commands are a process each (start-up included); rows are PostgreSQL's estimate without `--exact`.",
        "",
        "Targets:",
        "",
    ]
    for target in raw["targets"]:
        lines.append(f"- [{'PASS' if target['ok'] else 'FAIL'}] {target['name']}: {target['value']}")
    return "\n".join(lines) + "\n"


def run(args: Any, log: Callable[[str], None]) -> int:
    data_dir = args.data_dir if args.data_dir.is_absolute() else ROOT / args.data_dir
    log(f"starting the bench's embedded PostgreSQL in {data_dir}")
    cluster = setup.start_cluster(data_dir)
    name = database_name(args.label)
    kept = asyncio.run(setup.existing_database(cluster, name)) if args.reuse_database else None
    url = kept or asyncio.run(setup.fresh_database(cluster, name))
    os.environ["TENANTGRID_DATABASE_URL"] = url
    settings = Settings()
    started_at = datetime.datetime.now().astimezone()
    machine = report.machine()
    try:
        log(f"reusing {name}" if kept else f"provisioning {args.tenants} tenants ({args.rows} things each)")
        prov = asyncio.run(provision(url, settings, args, log, reuse=kept is not None))
        log(
            f"provisioning with {prov['present']} present: p50 {prov['measured']['p50_ms']} ms, "
            f"p95 {prov['measured']['p95_ms']} ms, max {prov['measured']['max_ms']} ms"
        )
        listing = [list_tenants(url), list_tenants(url, "--exact")]
        in_process = asyncio.run(time_inventory(url, settings))
        log(
            "tenants list: "
            + ", ".join(f"{' '.join(r['flags']) or 'estimate'} {r['wall_s']:.2f} s" for r in listing)
        )
        migration: list[dict[str, Any]] = []
        parent = ""
        for jobs in args.jobs:
            parent, down_s = asyncio.run(downgrade(url, settings, args.fleet))
            log(f"downgraded {args.fleet} tenants to {parent} ({down_s:.1f} s); migrate --all --jobs {jobs}")
            behind = migrate_all(url, jobs)
            noop = migrate_all(url, jobs)
            log(
                f"  --jobs {jobs}: {behind['wall_s']:.2f} s ({behind['migrated']} migrated, "
                f"{behind['failed']} failed); no-op pass {noop['wall_s']:.2f} s"
            )
            migration.append({"jobs": jobs, "behind": behind, "noop": noop, "downgrade_s": round(down_s, 2)})
        total = prov["total"]
        raw: dict[str, Any] = {
            "date": started_at.date().isoformat(),
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "machine": machine,
            "postgres_version": asyncio.run(server_version(url)),
            "head": head_revision("tenant"),
            "downgraded_to": parent,
            "fleet_total": total,
            "provisioning": prov,
            "migration": migration,
            "list": listing,
            "inventory": in_process,
        }
        raw["targets"] = [
            {
                "name": f"provisioning < 1 s per tenant with {prov['present']:,} present (max)",
                "ok": prov["measured"]["max_ms"] < PROVISIONING_TARGET_S * 1000,
                "value": f"max {prov['measured']['max_ms']} ms, p95 {prov['measured']['p95_ms']} ms",
            },
            {
                "name": "migrate --all migrated every tenant behind, none failed",
                "ok": all(
                    r["behind"]["migrated"] == args.fleet
                    and r["behind"]["failed"] == 0
                    and r["behind"]["exit_code"] == 0
                    for r in migration
                ),
                "value": ", ".join(
                    f"--jobs {r['jobs']}: {r['behind']['migrated']} migrated" for r in migration
                ),
            },
        ]
        args.results.mkdir(parents=True, exist_ok=True)
        stem = f"{raw['date']}-{args.label}"
        json_path, md_path = args.results / f"{stem}.json", args.results / f"{stem}.md"
        json_path.write_text(json.dumps(raw, indent=2) + "\n")
        text_ = markdown(raw)
        md_path.write_text(text_)
        print(text_)
        log(f"wrote {json_path} and {md_path}")
        return 0 if all(t["ok"] for t in raw["targets"]) else 1
    finally:
        if not args.keep_database:
            try:
                asyncio.run(setup.drop_database(cluster, database_name(args.label)))
            except Exception as exc:  # the cluster may already be down (Ctrl-C reaches it too)
                log(f"could not drop the fleet database: {exc}")


async def server_version(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
