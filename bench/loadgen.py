"""The Python load generator, used when wrk is absent: keep-alive HTTP/1.1 over asyncio streams.

Requests are pre-built bytes; a response is read as its header block plus Content-Length bytes
(chunked bodies are handled, rarely needed). Every connection stops on its own at the deadline, and
the whole run is bounded by `duration + timeout` even if the server hangs.

    python bench/loadgen.py --port P --connections 32 --duration 8 --requests FILE.json

prints one JSON line with the same fields as the wrk wrapper (bench/wrk.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scenarios import RequestSet

HOST = "127.0.0.1"


class Closed(Exception):
    """The server closed the connection (or asked to) after this response."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep-alive) of one response."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    start = lower.find(b"\r\ncontent-length:")
    if start >= 0:
        end = lower.find(b"\r\n", start + 17)
        length = int(head[start + 17 : end])
        body = await reader.readexactly(length) if length else b""
    elif b"\r\ntransfer-encoding: chunked" in lower:
        body = await _read_chunked(reader)
    else:
        body = b""  # 204, 304: no body
    return status, body, b"\r\nconnection: close" not in lower


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def send_one(port: int, payload: bytes, timeout: float = 30.0) -> tuple[int, bytes]:
    """One request on a fresh connection (setup, sign-in, probes): (status, body)."""

    async def go() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(payload)
            status, body, _ = await read_response(reader)
            return status, body
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return await asyncio.wait_for(go(), timeout)


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(min(rank, len(ordered))) - 1]


async def run_load(
    port: int, payloads: list[bytes], connections: int, duration: float, timeout: float = 5.0
) -> dict[str, Any]:
    start = time.perf_counter()
    deadline = start + duration
    latencies: list[float] = []
    classes: Counter[str] = Counter()
    errors = Counter({"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0})
    samples: list[str] = []
    n = len(payloads)

    async def connection(k: int) -> None:
        i = (k * n) // connections
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        try:
            while time.perf_counter() < deadline:
                if writer is None:
                    try:
                        reader, writer = await asyncio.open_connection(HOST, port)
                    except OSError:
                        errors["connect"] += 1
                        await asyncio.sleep(0.05)
                        continue
                assert reader is not None
                sent = time.perf_counter()
                writer.write(payloads[i])
                i = i + 1 if i + 1 < n else 0
                try:
                    status, body, keep = await read_response(reader)
                except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                    errors["read"] += 1
                    writer.close()
                    writer = None
                    continue
                done = time.perf_counter()
                if done > deadline:
                    break
                latencies.append(done - sent)
                classes[f"{status // 100}xx"] += 1
                if status >= 400:
                    errors["status"] += 1
                    if len(samples) < 5:
                        samples.append(f"{status} {body[:300].decode('utf-8', 'replace')}")
                if not keep:
                    writer.close()
                    writer = None
        finally:
            if writer is not None:
                writer.close()

    tasks = [asyncio.create_task(connection(k)) for k in range(connections)]
    _, pending = await asyncio.wait(tasks, timeout=duration + timeout)
    for task in pending:  # stuck on a server that stopped answering
        task.cancel()
        errors["timeout"] += 1
    if pending:
        await asyncio.wait(pending, timeout=1.0)
    elapsed = min(time.perf_counter(), deadline) - start
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    return {
        "generator": "python",
        "requests": len(latencies),
        "duration_s": round(elapsed, 3),
        "rps": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "latency_ms": {
            "p50": percentile(ms, 50),
            "p90": percentile(ms, 90),
            "p99": percentile(ms, 99),
            "mean": sum(ms) / len(ms) if ms else 0.0,
            "max": ms[-1] if ms else 0.0,
        },
        "errors": dict(errors),
        "status_classes": dict(classes),
        "error_samples": samples,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--requests", type=Path, required=True, help="a RequestSet as JSON")
    args = parser.parse_args(argv)
    payloads = RequestSet.from_json(args.requests.read_text()).payloads()
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run_load(args.port, payloads, args.connections, args.duration))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
