"""How `tenants list` and `tenants migrate` print the fleet: plain-text tables and JSON summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `tenants list` need not import the migration machinery
    from tenantgrid.tenancy.fleet import MigrationResult
    from tenantgrid.tenancy.inventory import TenantInventory


def list_table(records: Sequence[TenantInventory], head: str, exact: bool) -> str:
    header = ("tenant", "schema", "revision", "state", "rows" if exact else "rows~", "keys", "email")
    rows = [header]
    for r in records:
        state = f"behind {r.pending}" if r.state == "behind" else r.state
        count = "-" if r.rows is None else f"{r.rows:,}"
        rows.append((r.tenant, r.schema, r.revision or "-", state, count, str(r.keys), r.email))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {4, 5}
    lines = [
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    behind = sum(1 for r in records if r.state != "current")
    lines.append("")
    lines.append(
        f"{len(records)} tenants, {len(records) - behind} at revision {head}"
        + (f", {behind} not (tenants migrate --all)" if behind else "")
    )
    lines.append(
        "rows: counted exactly"
        if exact
        else "rows~: PostgreSQL's estimate (live rows in its statistics); --exact counts every table"
    )
    lines.append("keys: active API keys (not revoked)")
    return "\n".join(lines)


def migration_report(results: Sequence[MigrationResult], head: str, dry_run: bool) -> str:
    lines: list[str] = []
    if dry_run:
        lines.append(f"dry run: nothing was changed; revisions that would run to reach {head}:")
        for r in results:
            if r.status == "pending":
                lines.append(f"  {r.tenant} ({r.schema}): {r.before or 'none'} -> {', '.join(r.pending)}")
            elif r.status == "current":
                lines.append(f"  {r.tenant} ({r.schema}): current ({r.before})")
            else:
                lines.append(f"  {r.tenant} ({r.schema}): cannot migrate: {r.error}")
    counts = {
        status: sum(1 for r in results if r.status == status) for status in ("migrated", "pending", "current")
    }
    failed = [r for r in results if r.status == "failed"]
    if dry_run:
        lines.append(f"would migrate:   {counts['pending']}")
    else:
        lines.append(f"migrated:        {counts['migrated']}")
    lines.append(f"already current: {counts['current']}")
    lines.append(f"failed:          {len(failed)}")
    for r in failed:
        where = f"stays at {r.before}" if r.before else "no revision recorded"
        step = f"{r.failed_revision} failed: " if r.failed_revision else ""
        lines.append(f"  {r.tenant} ({r.schema}): {where}; {step}{r.error}")
    at_head = sum(1 for r in results if r.status in ("migrated", "current"))
    if dry_run:
        at_head = counts["current"]
    lines.append(f"{at_head} of {len(results)} tenants at revision {head}")
    return "\n".join(lines)


def migration_summary(
    results: Sequence[MigrationResult], head: str, dry_run: bool, jobs: int
) -> dict[str, object]:
    return {
        "head": head,
        "dry_run": dry_run,
        "jobs": jobs,
        "migrated": sum(1 for r in results if r.status == "migrated"),
        "would_migrate": sum(1 for r in results if r.status == "pending"),
        "current": sum(1 for r in results if r.status == "current"),
        "failed": sum(1 for r in results if r.status == "failed"),
        "tenants": [r.as_dict() for r in results],
    }
