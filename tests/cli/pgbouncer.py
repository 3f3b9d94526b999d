"""A real PgBouncer in transaction mode in front of a test database, run as a subprocess.

PgBouncer refuses to run as root, so as root it switches (its `-u`) to a user that can reach the
database: the owner of PostgreSQL's socket directory for a unix-socket URL (the embedded cluster's
is private to its user), else `nobody`. Its files live in a directory that user can read.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

INSTALL_HINT = "install it with `apt-get install pgbouncer` (Debian/Ubuntu; .ci/run does this)"


def pgbouncer_binary() -> str | None:
    found = shutil.which("pgbouncer")
    if found:
        return found
    return "/usr/sbin/pgbouncer" if os.access("/usr/sbin/pgbouncer", os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _target(database_url: str) -> tuple[str, str]:
    """The [databases] connection string for the URL's database, and its name."""
    parts = urlsplit(database_url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    host = query.get("host") or parts.hostname or "localhost"
    port = query.get("port") or (str(parts.port) if parts.port else "5432")
    dbname = unquote(parts.path.lstrip("/")) or "postgres"
    fields = {"host": host, "port": port, "dbname": dbname, "user": unquote(parts.username or "postgres")}
    if parts.password:
        fields["password"] = unquote(parts.password)
    return " ".join(f"{k}={v}" for k, v in fields.items()), dbname


def _run_as(database_url: str) -> str | None:
    if os.geteuid() != 0:
        return None
    host = parse_qs(urlsplit(database_url).query).get("host", [""])[-1]
    if host.startswith("/"):
        owner = pwd.getpwuid(Path(host).stat().st_uid).pw_name
        if owner != "root":
            return owner
    return "nobody"


@contextmanager
def running_pgbouncer(database_url: str, binary: str, default_pool_size: int = 3) -> Iterator[str]:
    """Start PgBouncer (pool_mode = transaction) for the URL's database; yield the URL through it."""
    connection, dbname = _target(database_url)
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="tenantgrid-pgbouncer-"))
    user = urlsplit(database_url).username or "postgres"
    try:
        workdir.chmod(0o755)
        (workdir / "users.txt").write_text(f'"{user}" ""\n')
        (workdir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"{dbname} = {connection}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {workdir / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {default_pool_size}\n"
            "max_client_conn = 200\n"
        )
        for name in ("users.txt", "pgbouncer.ini"):
            (workdir / name).chmod(0o644)
        run_as = _run_as(database_url)
        command = [binary, *(["-u", run_as] if run_as else []), str(workdir / "pgbouncer.ini")]
        log = (workdir / "pgbouncer.log").open("w")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_listening(process, port, workdir / "pgbouncer.log")
            yield f"postgresql://{user}@127.0.0.1:{port}/{dbname}"
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"pgbouncer exited ({process.returncode}):\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"pgbouncer did not listen on {port}:\n{log.read_text()}")
