"""The benchmark harness: `python3 run.py bench [options]` (see bench/README.md).

Starts the bench's own embedded PostgreSQL (`.tenantgrid/bench`) with a fresh database, provisions
N tenants with data, starts tenantgrid and the baseline (bench/baseline.py) the same way, drives
each scenario over loopback with wrk (or the Python generator), measuring the baseline read
before and after every scenario, and writes bench/results/<date>.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fleet
import loadgen
import report
import scenarios
import servers
import setup
import wrk
from servers import Server

from tenantgrid.settings import Settings

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HOST = "127.0.0.1"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    names = ",".join(scenarios.SCENARIOS)
    p = argparse.ArgumentParser(prog="run.py bench", description=__doc__)
    p.add_argument("--tenants", type=int, default=10, help="tenants to provision (default 10)")
    p.add_argument("--rows", type=int, default=10_000, help="things per tenant (default 10000)")
    p.add_argument("--connections", type=int, default=32, help="open connections (default 32)")
    p.add_argument("--duration", type=float, default=8.0, help="seconds measured per run (default 8)")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per run (default 2)")
    p.add_argument("--workers", type=int, default=1, help="server processes, both servers (default 1)")
    p.add_argument(
        "--scenarios",
        default="",
        help=f"comma-separated (default {names}; read_10 only with more than {scenarios.HOT_TENANTS} tenants)",
    )
    p.add_argument(
        "--soak",
        type=float,
        default=0.0,
        help="after the scenarios, run the read this many seconds more, sampling memory (default 0)",
    )
    p.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--data-dir", type=Path, default=Path(".tenantgrid/bench"))
    p.add_argument("--results", type=Path, default=BENCH / "results")
    p.add_argument("--keep-database", action="store_true", help="keep the bench database afterwards")
    p.add_argument(
        "--reuse-database",
        action="store_true",
        help="reuse the database a previous run provisioned with the same --tenants and --rows, "
        "and keep it afterwards (provisioning figures are then the earlier run's)",
    )
    p.add_argument("--label", default="", help="results go to <date>-<label>.{json,md} (default: <date>)")
    p.add_argument(
        "--compare",
        default="",
        metavar="REF",
        help="also run tenantgrid as of git REF (e.g. HEAD~3, a tag) beside today's, every scenario measured "
        "on both in the same run: a before/after with its own baseline ratios",
    )
    args = p.parse_args(argv)
    if args.scenarios:
        args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    else:
        many = args.tenants > scenarios.HOT_TENANTS
        args.scenarios = [s for s in scenarios.SCENARIOS if many or s != "read_10"]
    unknown = [s for s in args.scenarios if s not in scenarios.SCENARIOS]
    if unknown:
        p.error(f"unknown scenarios {unknown}; known: {names}")
    if min(args.tenants, args.rows, args.connections, args.workers) < 1 or args.duration <= 0:
        p.error("--tenants, --rows, --connections, --workers and --duration must be positive")
    if args.soak < 0:
        p.error("--soak must not be negative")
    args.keep_database = args.keep_database or args.reuse_database
    return args


# -- load -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Generator:
    name: str
    version: str
    wrk_path: str | None = None


def choose_generator(choice: str) -> Generator:
    if choice in ("auto", "wrk"):
        path = wrk.ensure(log)
        if path:
            return Generator("wrk", wrk.version(path), path)
        if choice == "wrk":
            raise SystemExit("wrk is not installed and could not be installed: use --generator python")
    return Generator("python", f"bench/loadgen.py on Python {sys.version.split()[0]}")


def load(
    gen: Generator, server: Server, requests: scenarios.RequestSet, label: str, args: Any
) -> dict[str, Any]:
    """A warm-up run (discarded), then a measured run with the CPU each party spent during it."""
    threads = max(1, min(2, args.connections))
    if gen.wrk_path:
        script = args.work_dir / f"{label}.lua"
        if not script.exists():
            wrk.write_script(requests, threads, script)

        def once(duration: float) -> dict[str, Any]:
            assert gen.wrk_path is not None
            return wrk.run(gen.wrk_path, server.port, script, args.connections, threads, duration)

    else:
        file = args.work_dir / f"{label}.json"
        if not file.exists():
            file.write_text(requests.to_json())

        def once(duration: float) -> dict[str, Any]:
            command = [sys.executable, str(BENCH / "loadgen.py"), "--port", str(server.port)]
            command += ["--connections", str(args.connections), "--duration", f"{duration:g}"]
            command += ["--requests", str(file)]
            done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, cwd=ROOT)
            if done.returncode != 0:
                raise RuntimeError(f"the Python generator failed: {done.stderr[-2000:]}")
            return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    if args.warmup > 0:
        once(args.warmup)
    pg = servers.postgres_processes(args.data_dir)
    before = (server.cpu_seconds(), servers.cpu_of(pg), servers.machine_ticks(), _children_cpu())
    result = once(args.duration)
    pg = servers.postgres_processes(args.data_dir)  # again: backends opened meanwhile count too
    after = (server.cpu_seconds(), servers.cpu_of(pg), servers.machine_ticks(), _children_cpu())
    per = 1000 / max(result["requests"], 1)
    spent: dict[str, float | None] = {
        "server": servers.cpu_delta(before[0], after[0]),
        "postgres": servers.cpu_delta(before[1], after[1]) if pg else None,
        "generator": after[3] - before[3],
    }
    result["machine"] = servers.machine_share(before[2], after[2])
    # Whatever else kept the cores busy meanwhile: the kernel's share not charged to these
    # processes, the other server idling, and anything else running on this shared machine.
    known = sum(v for v in spent.values() if v is not None)
    spent["other"] = max(result["machine"].get("busy_cpu_s", 0.0) - known, 0.0) if pg else None
    result["cpu_ms_per_request"] = {k: None if v is None else round(v * per, 4) for k, v in spent.items()}
    return result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


SOAK_STEP_S = 30.0


def soak(
    gen: Generator, server: Server, sets: dict[str, scenarios.RequestSet], args: Any
) -> list[dict[str, Any]]:
    """`--soak S`: S more seconds of load in 30 s steps, each step the next scenario in turn, with
    the server's memory after each step (the memory target's "flat over a 5-minute run")."""
    samples: list[dict[str, Any]] = []
    if args.soak <= 0 or not sets:
        return samples
    names = list(sets)
    log(f"soak: {args.soak:g} s over {', '.join(names)} in turn, memory every {SOAK_STEP_S:g} s")
    step_args = argparse.Namespace(**{**vars(args), "warmup": 0.0})
    elapsed = 0.0
    while elapsed < args.soak:
        name = names[len(samples) % len(names)]
        step_args.duration = min(SOAK_STEP_S, args.soak - elapsed)
        result = load(gen, server, sets[name], f"{server.name}-{name}", step_args)
        elapsed += step_args.duration
        samples.append(
            {
                "at_s": elapsed,
                "scenario": name,
                "mb": round(server.rss_mb(), 1),
                "rps": result["rps"],
                "p99_ms": result["latency_ms"]["p99"],
                "errors": report.error_count(result),
                "cpu_ms_per_request": result["cpu_ms_per_request"],
            }
        )
        log(f"  soak {elapsed:5.0f} s {name:12} {samples[-1]['mb']:.0f} MB, {result['rps']:,.0f} req/s")
    return samples


# -- the run --------------------------------------------------------------------------------------


async def sign_in(port: int, tenants: list[scenarios.Tenant]) -> float:
    """Sign every tenant's admin in (8 at a time) and keep its access token; returns the seconds."""
    host = f"{HOST}:{port}"
    gate = asyncio.Semaphore(8)

    async def one(t: scenarios.Tenant) -> None:
        body = json.dumps({"email": t.email, "password": t.password}).encode()
        headers = (("apikey", t.publishable_key), ("Content-Type", "application/json"))
        request = scenarios.Request("POST", "/auth/v1/token?grant_type=password", headers, body)
        async with gate:
            status, answer = await loadgen.send_one(port, request.head(host) + body)
        if status != 200:
            raise RuntimeError(f"sign-in of {t.name} answered {status}: {answer[:300]!r}")
        t.token = json.loads(answer)["access_token"]

    started = time.perf_counter()
    await asyncio.gather(*(one(t) for t in tenants))
    return time.perf_counter() - started


async def touch(port: int, tenants: list[scenarios.Tenant]) -> dict[str, int]:
    """One read from every tenant; the count of each status."""
    host = f"{HOST}:{port}"
    gate = asyncio.Semaphore(8)
    read = scenarios.SCENARIOS["read"]
    statuses: dict[str, int] = {}

    async def one(t: scenarios.Tenant) -> None:
        async with gate:
            status, answer = await loadgen.send_one(
                port, read.build(t, random.Random(t.name), 100).head(host)
            )
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status >= 400:
            log(f"touching {t.name} answered {status}: {answer[:200]!r}")

    await asyncio.gather(*(one(t) for t in tenants))
    return statuses


async def probe(port: int, requests: scenarios.RequestSet) -> dict[str, Any]:
    """Send a scenario's first request once, to show what it answers."""
    status, body = await loadgen.send_one(port, requests.heads[0] + requests.bodies[requests.body_of[0]])
    return {"status": status, "body": body[:300].decode("utf-8", "replace")}


def checkout(ref: str, into: Path) -> Path:
    """The tree of git `ref` unpacked into `into` (a fresh directory), for `--compare`."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def start_servers(
    args: Any, url: str, settings: Settings, prov: setup.Provisioning, started: list[Server]
) -> tuple[Server, Server, Server | None]:
    """tenantgrid and the baseline (and with --compare, tenantgrid as of REF), each with `--workers`
    uvicorn workers on a free port."""
    env = {**os.environ, "TENANTGRID_DATABASE_URL": url, "TENANTGRID_LOG_REQUESTS": "false"}
    # The Gainfully scenario counts every request against its key's limit, as in service, but must
    # not be throttled: a budget no run reaches.
    env.setdefault("TENANTGRID_RATE_LIMIT", "1000000000/minute")
    tg_bin = str(Path(sys.executable).with_name("tenantgrid"))
    tg_port, base_port = servers.free_port(), servers.free_port()
    tg_command = [tg_bin, "serve", "--host", HOST, "--port", str(tg_port), "--workers", str(args.workers)]
    started.append(servers.start_server("tenantgrid", tg_command, env, args.workers, args.work_dir, ROOT))
    compare: Server | None = None
    if args.compare:
        # The same venv, with REF's source first on the path (ahead of the editable install's).
        tree = checkout(args.compare, args.data_dir / "compare")
        ref_env = {**env, "PYTHONPATH": str(tree / "src")}
        ref_command = [sys.executable, "-m", "tenantgrid.cli", *tg_command[1:]]
        ref_command[ref_command.index("--port") + 1] = str(servers.free_port())
        compare = servers.start_server("compare", ref_command, ref_env, args.workers, args.work_dir, tree)
    base_env = {
        **env,
        "BENCH_BASELINE_DATABASE_URL": url,
        "BENCH_BASELINE_SQL": prov.read_sql,
        "BENCH_BASELINE_ARGS": json.dumps(prov.read_args),
        "BENCH_BASELINE_MARKER": setup.MARKER,
        "BENCH_BASELINE_SCHEMA_PREFIX": prov.schema_prefix,
        "BENCH_BASELINE_POOL_MIN": "2",
        "BENCH_BASELINE_POOL_MAX": str(settings.pool_size),
        "BENCH_BASELINE_STATEMENT_CACHE": str(settings.statement_cache_size),
    }
    base_command = [sys.executable, "-m", "uvicorn", "baseline:app", "--app-dir", str(BENCH)]
    base_command += ["--host", HOST, "--port", str(base_port), "--workers", str(args.workers)]
    base_command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    started.append(
        servers.start_server("baseline", base_command, base_env, args.workers, args.work_dir, ROOT)
    )

    async def healthy() -> None:
        await asyncio.gather(*(servers.wait_healthy(s) for s in started))

    asyncio.run(healthy())
    base = next(s for s in started if s.name == "baseline")
    return started[0], base, compare


def run(args: Any) -> int:
    gen = choose_generator(args.generator)
    log(f"generator: {gen.name} ({gen.version})")
    args.data_dir = args.data_dir if args.data_dir.is_absolute() else ROOT / args.data_dir
    args.work_dir = args.data_dir / "run"
    args.work_dir.mkdir(parents=True, exist_ok=True)
    for stale in args.work_dir.iterdir():
        stale.unlink()
    log(f"starting the bench's embedded PostgreSQL in {args.data_dir}")
    cluster = setup.start_cluster(args.data_dir)
    saved = setup.saved_provisioning(args.data_dir, args.tenants, args.rows) if args.reuse_database else None
    kept = asyncio.run(setup.existing_database(cluster)) if saved else None
    url = kept or asyncio.run(setup.fresh_database(cluster))
    os.environ["TENANTGRID_DATABASE_URL"] = url
    settings = Settings()
    started: list[Server] = []
    started_at = datetime.datetime.now().astimezone()
    try:
        if kept and saved:
            log(f"reusing the bench database provisioned earlier ({args.tenants} tenants)")
            prov = saved
        else:
            setup.forget_provisioning(args.data_dir)
            log(f"provisioning {args.tenants} tenants with {args.rows:,} things each")
            prov = asyncio.run(setup.provision(url, settings, args.tenants, args.rows, log))
            if args.keep_database:
                setup.save_provisioning(args.data_dir, args.tenants, args.rows, prov)
        tenants = prov.tenants
        tg, base, compare = start_servers(args, url, settings, prov, started)
        time.sleep(1.0)
        memory: dict[str, dict[str, float]] = {"tenantgrid": {}, "baseline": {}}
        memory["tenantgrid"]["start_mb"] = tg.rss_mb()
        memory["baseline"]["start_mb"] = base.rss_mb()
        log(f"servers up (tenantgrid :{tg.port}, baseline :{base.port}); signing in {len(tenants)} tenants")
        sign_in_s = asyncio.run(sign_in(tg.port, tenants))
        memory["tenantgrid"]["signed_in_mb"] = tg.rss_mb()
        touched = asyncio.run(touch(tg.port, tenants))
        memory["tenantgrid"]["touched_mb"] = tg.rss_mb()

        sets = {
            name: scenarios.request_set(scenarios.SCENARIOS[name], tenants, args.rows, f"{HOST}:{tg.port}")
            for name in args.scenarios
        }
        read = scenarios.SCENARIOS["read"]
        base_set = scenarios.request_set(read, tenants, args.rows, f"{HOST}:{base.port}")
        probes = {"baseline:read": asyncio.run(probe(base.port, base_set))}
        if probes["baseline:read"]["status"] != 200:
            raise RuntimeError(
                f"the baseline answers {probes['baseline:read']}: no ratio can be made\n"
                + servers.tail(base.log)
            )
        for name, requests in sets.items():
            probes[name] = asyncio.run(probe(tg.port, requests))
            if probes[name]["status"] >= 400:
                log(f"probe {name} answered {probes[name]['status']}: {probes[name]['body']}")

        runs: list[dict[str, Any]] = []

        timeline: list[dict[str, Any]] = []
        memory["tenantgrid"]["timeline"] = timeline

        def measure(server: Server, scenario: str, requests: scenarios.RequestSet) -> None:
            result = load(gen, server, requests, f"{server.name}-{scenario}", args)
            runs.append({"server": server.name, "scenario": scenario, "result": result})
            if server is tg:
                timeline.append({"after": scenario, "mb": round(tg.rss_mb(), 1)})
            cpu = result["cpu_ms_per_request"]
            log(
                f"{server.name:10} {scenario:12} {result['rps']:8,.0f} req/s  "
                f"p50 {result['latency_ms']['p50']:6.1f} ms  p99 {result['latency_ms']['p99']:6.1f} ms  "
                f"cpu/req server {cpu['server']:.3f} ms, postgres {cpu['postgres'] or 0:.3f} ms"
                + (f"  ERRORS {result['errors']}" if report.error_count(result) else "")
            )

        # Alternate: the baseline read before the first scenario and after every one.
        measure(base, "read", base_set)
        compare_sets = (
            {
                name: scenarios.request_set(
                    scenarios.SCENARIOS[name], tenants, args.rows, f"{HOST}:{compare.port}"
                )
                for name in args.scenarios
            }
            if compare
            else {}
        )
        for name in args.scenarios:
            measure(tg, name, sets[name])
            if compare:
                measure(compare, name, compare_sets[name])
            measure(base, "read", base_set)
        memory["tenantgrid"]["end_mb"] = tg.rss_mb()
        memory["baseline"]["end_mb"] = base.rss_mb()
        soak_samples = soak(gen, tg, sets, args)

        raw: dict[str, Any] = {
            "date": started_at.date().isoformat(),
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "options": {
                "tenants": args.tenants,
                "rows": args.rows,
                "connections": args.connections,
                "duration": args.duration,
                "warmup": args.warmup,
                "workers": args.workers,
                "scenarios": args.scenarios,
                "generator": args.generator,
                "soak": args.soak,
                "reused_database": bool(kept and saved),
                "compare": args.compare or None,
            },
            "machine": report.machine(),
            "postgres_version": prov.postgres_version,
            "generator": {"name": gen.name, "version": gen.version},
            "read_sql": prov.read_sql,
            "schema_prefix": prov.schema_prefix,
            "read_args": prov.read_args,
            "provisioning": {
                "count": len(prov.provision_s),
                "mean_s": sum(prov.provision_s) / len(prov.provision_s),
                "max_s": max(prov.provision_s),
                "fill_mean_s": sum(prov.fill_s) / len(prov.fill_s),
                "per_tenant_s": [round(x, 4) for x in prov.provision_s],
            },
            "migration": {
                "wall_s": prov.migrate_s,
                "per_tenant_ms": prov.migrate_s * 1000 / len(tenants),
                "failures": prov.migrate_failures,
            },
            "memory": memory,
            "soak": soak_samples,
            "sign_in": {"seconds": sign_in_s, "concurrency": 8, "touch_statuses": touched},
            "probes": probes,
            "runs": runs,
            "server_log": servers.log_errors(tg.log),
            "baseline_log": servers.log_errors(base.log),
        }
        report.summarize(raw)
        json_path, md_path, table = report.write(raw, args.results, args.label)
        print(table)
        log(f"wrote {json_path} and {md_path}")
        return 0
    finally:
        for server in started:
            servers.stop(server)
        if not args.keep_database:
            setup.forget_provisioning(args.data_dir)
            try:
                asyncio.run(setup.drop_database(cluster))
            except Exception as exc:  # the cluster may already be down (Ctrl-C reaches it too)
                log(f"could not drop the bench database: {exc}")


# -- interrupts -----------------------------------------------------------------------------------
# `python3 run.py bench` waits on this script with subprocess.run, which SIGKILLs it a quarter of a
# second after a Ctrl-C: too soon to stop the servers and the cluster. So this script only launches
# the harness in a session of its own (out of the terminal's reach) and waits; the harness turns
# SIGINT/SIGTERM, or the launcher's death (PR_SET_PDEATHSIG), into its ordinary cleanup.

WORKER = "TENANTGRID_BENCH_WORKER"


def launch(argv: list[str]) -> int:
    env = {**os.environ, WORKER: str(os.getpid())}
    process = subprocess.Popen([sys.executable, __file__, *argv], env=env, start_new_session=True)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            return 130


def _interrupted(signum: int, frame: object) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # once: the cleanup must not be interrupted
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    fleet_mode = argv[:1] == [
        "fleet"
    ]  # `run.py bench fleet ...`: bench/fleet.py's provisioning and migration
    args = fleet.parse_args(argv[1:]) if fleet_mode else parse_args(argv)
    launcher = os.environ.get(WORKER)
    if launcher is None and sys.platform == "linux":
        return launch(argv)
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    if launcher is not None:
        servers.die_with_parent(signal.SIGTERM)
        if os.getppid() != int(launcher):  # the launcher is already gone
            return 130
    try:
        return fleet.run(args, log) if fleet_mode else run(args)
    except KeyboardInterrupt:
        log("interrupted: servers stopped, bench database dropped")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
