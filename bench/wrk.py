"""wrk: find (or install once) the binary, generate the Lua script for a RequestSet, parse its output.

The script builds every raw request once per wrk thread (`init`), returns them in rotation from
`request()`, and prints one `BENCH_JSON {...}` line from `done()`. Errors need no `response`
callback (which would slow wrk down): `summary.errors.status` already counts statuses >= 400.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from scenarios import RequestSet

MARK = "BENCH_JSON "

LUA = r"""
local heads = {
%(heads)s
}
local bodies = {
%(bodies)s
}
local body_of = {%(body_of)s}
local requests = {}
local n = #heads
local i = 1
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  for k = 1, n do
    requests[k] = heads[k] .. bodies[body_of[k] + 1]
  end
  heads, bodies, body_of = nil, nil, nil
  local threads = tonumber(%(threads)d)
  i = 1 + math.floor((id or 0) * n / threads)
end

request = function()
  local r = requests[i]
  i = i + 1
  if i > n then i = 1 end
  return r
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests": %%d, "duration_us": %%d, "bytes": %%d, '
    .. '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, '
    .. '"latency_us": {"p50": %%.1f, "p90": %%.1f, "p99": %%.1f, "mean": %%.1f, "max": %%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""


def lua_string(data: bytes) -> str:
    """A Lua string literal for any bytes (decimal escapes for everything unusual)."""
    out = []
    for byte in data:
        char = chr(byte)
        if char in '"\\' or byte < 32 or byte > 126:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def write_script(requests: RequestSet, threads: int, path: Path) -> Path:
    path.write_text(
        LUA
        % {
            "heads": ",\n".join(lua_string(h) for h in requests.heads),
            "bodies": ",\n".join(lua_string(b) for b in requests.bodies),
            "body_of": ",".join(str(b) for b in requests.body_of),
            "threads": threads,
            "mark": MARK,
        }
    )
    return path


def find() -> str | None:
    return shutil.which("wrk")


def ensure(log: Any = print) -> str | None:
    """wrk's path; if it is absent and we are root, try `apt-get install -y wrk` once, quietly."""
    path = find()
    if path or not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return path
    log("wrk not found: trying `apt-get install -y wrk` once")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    for command in (install, ["apt-get", "update", "-qq"], install):
        try:
            done = subprocess.run(command, env=env, capture_output=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired):
            break
        if command is install and done.returncode == 0:
            break
    path = find()
    log(f"wrk installed: {path}" if path else "could not install wrk: using the Python generator")
    return path


def version(path: str) -> str:
    try:
        done = subprocess.run([path, "-v"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (done.stdout or done.stderr).splitlines()[0].strip() if (done.stdout or done.stderr) else "unknown"


def run(
    path: str, port: int, script: Path, connections: int, threads: int, duration: float
) -> dict[str, Any]:
    command = [
        path,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return parse(json.loads(line[len(MARK) :]))
    raise RuntimeError(
        f"wrk gave no result (exit {done.returncode}): {done.stdout[-500:]} {done.stderr[-500:]}"
    )


def parse(raw: dict[str, Any]) -> dict[str, Any]:
    seconds = raw["duration_us"] / 1e6
    lat = {k: v / 1000 for k, v in raw["latency_us"].items()}
    return {
        "generator": "wrk",
        "requests": raw["requests"],
        "duration_s": round(seconds, 3),
        "rps": raw["requests"] / seconds if seconds > 0 else 0.0,
        "latency_ms": lat,
        "errors": raw["errors"],
        "bytes": raw["bytes"],
    }
