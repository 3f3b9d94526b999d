"""Results: ratios to the baseline, target checks, and the two files in bench/results/."""

from __future__ import annotations

import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

READ_RATIO_TARGET = 0.70
P99_TARGET_MS = 25.0
P99_TARGET_CONNECTIONS = 32
PROVISION_TARGET_S = 1.0
MEMORY_TARGET = 0.10
SCALE_TARGET = 0.90
"""The read over every tenant against the read over the first 10, both as ratios to the baseline."""


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except (ImportError, OSError):
        pass
    return info


CPU_PARTS = ("server", "postgres", "generator", "other")


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def error_count(result: dict[str, Any]) -> int:
    return int(sum(result["errors"].values()))


def summarize(raw: dict[str, Any]) -> None:
    """Add `baseline`, `scenarios` and `targets` to the raw results, from `raw["runs"]`."""
    runs = raw["runs"]
    base = [r["result"] for r in runs if r["server"] == "baseline"]
    base_rps = [b["rps"] for b in base]
    mean_base = statistics.fmean(base_rps) if base_rps else 0.0
    raw["baseline"] = {
        "rps_mean": mean_base,
        "rps_runs": base_rps,
        "p50_ms": statistics.median(b["latency_ms"]["p50"] for b in base) if base else None,
        "p99_ms": statistics.median(b["latency_ms"]["p99"] for b in base) if base else None,
        "errors": sum(error_count(b) for b in base),
        "cpu_ms_per_request": {k: _median([b["cpu_ms_per_request"].get(k) for b in base]) for k in CPU_PARTS}
        if base
        else {},
        "machine": {
            k: statistics.fmean(b["machine"].get(k, 0.0) for b in base) for k in ("busy", "idle", "steal")
        }
        if base and all(b.get("machine") for b in base)
        else {},
    }
    raw["scenarios"] = _scenarios(runs, "tenantgrid", mean_base)
    raw["compare"] = _scenarios(runs, "compare", mean_base)
    raw["targets"] = targets(raw)


def _nearest_baselines(runs: list[dict[str, Any]], i: int) -> list[float]:
    """The req/s of the baseline runs measured closest before and after run i."""
    near = []
    for direction in (-1, 1):
        j = i + direction
        while 0 <= j < len(runs) and runs[j]["server"] != "baseline":
            j += direction
        if 0 <= j < len(runs):
            near.append(runs[j]["result"]["rps"])
    return near


def _scenarios(runs: list[dict[str, Any]], server: str, mean_base: float) -> dict[str, Any]:
    scenarios: dict[str, Any] = {}
    for i, run in enumerate(runs):
        if run["server"] != server:
            continue
        # The ratio is to the baseline runs measured right before and after this scenario.
        near = _nearest_baselines(runs, i)
        reference = statistics.fmean(near) if near else mean_base
        result = run["result"]
        scenarios[run["scenario"]] = {
            "rps": result["rps"],
            "ratio": result["rps"] / reference if reference else None,
            "baseline_rps": reference,
            "p50_ms": result["latency_ms"]["p50"],
            "p99_ms": result["latency_ms"]["p99"],
            "errors": error_count(result),
            "error_detail": {k: v for k, v in result["errors"].items() if v},
            "cpu_ms_per_request": result.get("cpu_ms_per_request", {}),
            "machine": result.get("machine", {}),
        }
    return scenarios


def targets(raw: dict[str, Any]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    read = raw["scenarios"].get("read")
    if read and read["ratio"] is not None:
        checks.append(
            {
                "target": f"read >= {READ_RATIO_TARGET:.2f}x baseline",
                "value": f"{read['ratio']:.2f}x",
                "ok": read["ratio"] >= READ_RATIO_TARGET,
            }
        )
    hot = raw["scenarios"].get("read_10")
    if read and hot and read["ratio"] and hot["ratio"]:
        scale = read["ratio"] / hot["ratio"]
        tenants = raw["options"]["tenants"]
        checks.append(
            {
                "target": f"read over {tenants} tenants within {1 - SCALE_TARGET:.0%} of the read over 10 "
                "(ratios to the baseline, same run)",
                "value": f"{scale:.2f} ({read['ratio']:.2f}x against {hot['ratio']:.2f}x; "
                f"req/s {read['rps']:,.0f} against {hot['rps']:,.0f})",
                "ok": scale >= SCALE_TARGET,
            }
        )
    before = (raw.get("compare") or {}).get("read")
    if read and before and read["ratio"] is not None and before["ratio"] is not None:
        checks.append(
            {
                "target": f"read ratio not lower than as of `{raw['options']['compare']}` (same run)",
                "value": f"{read['ratio']:.2f}x against {before['ratio']:.2f}x",
                "ok": read["ratio"] >= before["ratio"],
            }
        )
    connections = raw["options"]["connections"]
    for name, s in raw["scenarios"].items():
        checks.append(
            {
                "target": f"{name} p99 < {P99_TARGET_MS:g} ms at {P99_TARGET_CONNECTIONS} connections",
                "value": f"{s['p99_ms']:.1f} ms"
                + ("" if connections == P99_TARGET_CONNECTIONS else f" (ran with {connections})"),
                "ok": s["p99_ms"] < P99_TARGET_MS if connections == P99_TARGET_CONNECTIONS else None,
            }
        )
    prov = raw["provisioning"]
    if prov["count"]:
        checks.append(
            {
                "target": f"provisioning < {PROVISION_TARGET_S:g} s per tenant (max)",
                "value": f"max {prov['max_s'] * 1000:.0f} ms, mean {prov['mean_s'] * 1000:.0f} ms",
                "ok": prov["max_s"] < PROVISION_TARGET_S,
            }
        )
    mem = raw["memory"]["tenantgrid"]
    if mem.get("touched_mb") and mem.get("end_mb"):
        change = mem["end_mb"] / mem["touched_mb"] - 1
        checks.append(
            {
                "target": f"memory flat within {MEMORY_TARGET:.0%} (end vs. all tenants touched)",
                "value": f"{change:+.1%}",
                "ok": abs(change) <= MEMORY_TARGET,
            }
        )
    soak = raw.get("soak") or []
    if len(soak) >= 2:
        change = soak[-1]["mb"] / soak[0]["mb"] - 1
        checks.append(
            {
                "target": f"memory flat within {MEMORY_TARGET:.0%} over the {soak[-1]['at_s']:g} s soak "
                "(last sample vs. first)",
                "value": f"{change:+.1%} ({soak[0]['mb']:.0f} -> {soak[-1]['mb']:.0f} MB)",
                "ok": abs(change) <= MEMORY_TARGET,
            }
        )
    for error in raw["scenarios"].values():
        if error["errors"]:
            checks.append({"target": "no errors under load", "value": "see the errors column", "ok": False})
            break
    return checks


def _row(
    name: str, rps: float, ratio: float | None, p50: float | None, p99: float | None, errors: str
) -> str:
    ratio_text = f"{ratio:.2f}x" if ratio is not None else "-"
    p50_text = f"{p50:.1f}" if p50 is not None else "-"
    p99_text = f"{p99:.1f}" if p99 is not None else "-"
    return f"| {name} | {rps:,.0f} | {ratio_text} | {p50_text} | {p99_text} | {errors} |"


def _errors(detail: dict[str, int]) -> str:
    total = sum(detail.values())
    if not total:
        return "0"
    return f"{total} (" + ", ".join(f"{k} {v}" for k, v in detail.items()) + ")"


def markdown(raw: dict[str, Any]) -> str:
    o, m, base = raw["options"], raw["machine"], raw["baseline"]
    gen = raw["generator"]
    lines = [
        f"# tenantgrid benchmark, {raw['date']}",
        "",
        f"{o['tenants']} tenants x {o['rows']:,} things; {o['connections']} connections, "
        f"{o['duration']:g} s per scenario after {o['warmup']:g} s warm-up; {o['workers']} worker(s); "
        f"generator {gen['name']} ({gen['version']}).",
        f"{m['cores']} cores ({m['cpu_model']}); Python {m['python']}; PostgreSQL {raw['postgres_version']}.",
        "",
        "| scenario | req/s | ratio to baseline | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---|",
        _row(
            "baseline: FastAPI + asyncpg, same read SQL",
            base["rps_mean"],
            1.0,
            base["p50_ms"],
            base["p99_ms"],
            str(base["errors"]),
        ),
    ]
    ref = o.get("compare")
    compare = raw.get("compare") or {}
    for name, s in raw["scenarios"].items():
        lines.append(_row(name, s["rps"], s["ratio"], s["p50_ms"], s["p99_ms"], _errors(s["error_detail"])))
        if name in compare:
            c = compare[name]
            label = f"{name}, as of `{ref}`"
            lines.append(
                _row(label, c["rps"], c["ratio"], c["p50_ms"], c["p99_ms"], _errors(c["error_detail"]))
            )
    if compare:
        lines += [
            "",
            f"Rows marked `{ref}` ran tenantgrid as of that git ref (`--compare`), each right after today's "
            "run of the same scenario, against the same database and baseline.",
        ]
    lines += ["", *cpu_table(raw)]
    prov, mig, mem = raw["provisioning"], raw["migration"], raw["memory"]["tenantgrid"]
    spread = ", ".join(f"{x:,.0f}" for x in base["rps_runs"])
    lines += [
        "",
        f"- Baseline runs (req/s, in order): {spread}. Each ratio is to the mean of the baseline runs "
        "measured right before and after that scenario.",
        f"- Provisioning ({prov['count']} tenants, `create_tenant`): mean {prov['mean_s'] * 1000:.0f} ms, "
        f"max {prov['max_s'] * 1000:.0f} ms per tenant (filling {o['rows']:,} rows: "
        f"mean {prov['fill_mean_s'] * 1000:.0f} ms, not included).",
        f"- Migration (`migrate_tenants`, all at head): {mig['wall_s']:.2f} s for {prov['count']} tenants "
        f"({mig['per_tenant_ms']:.1f} ms per tenant)"
        + (f"; {len(mig['failures'])} FAILED" if mig["failures"] else "")
        + ".",
        f"- Memory (RSS of the tenantgrid worker processes): start {mem.get('start_mb', 0):.0f} MB, "
        f"after signing in every tenant's user {mem.get('signed_in_mb', 0):.0f} MB, "
        f"after one read from each {mem.get('touched_mb', 0):.0f} MB, "
        f"end {mem.get('end_mb', 0):.0f} MB.",
    ]
    timeline = mem.get("timeline") or []
    if timeline:
        lines.append(
            "- Memory after each scenario: "
            + ", ".join(f"{t['after']} {t['mb']:.0f} MB" for t in timeline)
            + "."
        )
    soak = raw.get("soak") or []
    if soak:
        lines.append(
            "- Soak (scenarios in turn; memory and req/s after each step): "
            + ", ".join(
                f"{s['at_s']:g} s {s['scenario']} {s['mb']:.0f} MB {s['rps']:,.0f} req/s" for s in soak
            )
            + "."
        )
    log = raw.get("server_log", {})
    if log.get("tracebacks"):
        kinds = "; ".join(f"{n} x `{e}`" for e, n in log["exceptions"].items())
        lines.append(f"- tenantgrid's log has {log['tracebacks']} tracebacks: {kinds}.")
    lines += ["", "Targets:", ""]
    for check in raw["targets"]:
        mark = {True: "PASS", False: "FAIL", None: "n/a"}[check["ok"]]
        lines.append(f"- [{mark}] {check['target']}: {check['value']}")
    lines += [
        "",
        "Read the ratios, not the absolutes: this machine is shared and noisy (absolute req/s move by "
        "20-50% between runs); both servers were measured alternately in this one run.",
    ]
    return "\n".join(lines) + "\n"


def cpu_table(raw: dict[str, Any]) -> list[str]:
    """Where the CPU went: ms of CPU per request by party, and how busy the machine was."""
    lines = [
        "CPU per request (ms of CPU time, during the measured seconds) and the machine's shares:",
        "",
        "| scenario | server | server vs. baseline | postgres | generator | other | busy | idle | steal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    floor = (raw["baseline"].get("cpu_ms_per_request") or {}).get("server")
    rows = [("baseline (median of runs)", raw["baseline"])]
    rows += list(raw["scenarios"].items())
    rows += [
        (f"{name}, as of `{raw['options'].get('compare')}`", c)
        for name, c in (raw.get("compare") or {}).items()
    ]
    for name, s in rows:
        cpu, share = s.get("cpu_ms_per_request") or {}, s.get("machine") or {}
        if not cpu:
            continue
        versus = f"{cpu['server'] / floor:.2f}x" if floor and cpu.get("server") is not None else "-"
        lines.append(
            f"| {name} | {_ms(cpu.get('server'))} | {versus} | "
            + " | ".join(_ms(cpu.get(k)) for k in CPU_PARTS[1:])
            + " | "
            + " | ".join(f"{share.get(k, 0):.0%}" for k in ("busy", "idle", "steal"))
            + " |"
        )
    return lines


def write(raw: dict[str, Any], out_dir: Path, label: str = "") -> tuple[Path, Path, str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(raw)
    stem = f"{raw['date']}-{label}" if label else raw["date"]
    paths = (out_dir / f"{stem}.json", out_dir / f"{stem}.md")
    for path, content in zip(paths, (json.dumps(raw, indent=2) + "\n", text), strict=True):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(content)
        tmp.replace(path)
    return paths[0], paths[1], text
