"""Load from a separate process: Debian's `wrk`, with a generated Lua script for the POST bodies.

wrk (C, epoll) keeps 32 connections busy with a fraction of one core, so
the generator is not what limits a Python server. The script cycles through
the shape's requests (method, path and body: GraphQL POSTs or REST calls;
each thread from its own offset), makes `@@N@@` unique per request, counts
answers that are not 200 or carry GraphQL errors, and prints one JSON line
with the totals and latency percentiles.
"""

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.shapes import UNIQUE

RESULT_PREFIX = "BENCH-RESULT "

LUA = r"""
local bodies = {
%(bodies)s
}
local methods = {
%(methods)s
}
local paths = {
%(paths)s
}
local headers = %(headers)s
local run_tag = %(run_tag)s
local threads = {}
local index = 0
local counter = 0
failures = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  -- Threads start apart; an even offset keeps favorite/unfavorite pairs in step.
  index = ((thread_id - 1) * math.floor(#bodies / 2)) %% #bodies
  index = index - index %% 2
end

function request()
  index = index %% #bodies + 1
  counter = counter + 1
  local body = bodies[index]
  if body:find("%(unique)s", 1, true) then
    body = (body:gsub("%(unique)s", run_tag .. "-" .. thread_id .. "-" .. counter))
  end
  if body == "" then
    body = nil  -- a REST GET or DELETE: no body
  end
  return wrk.format(methods[index], paths[index], headers, body)
end

function response(status, headers, body)
  if status ~= 200 or body:find('"errors":[{', 1, true) then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  local e = summary.errors
  io.write(string.format(
    '%(prefix)s{"requests": %%d, "duration_us": %%d, "failed": %%d, "socket_errors": %%d, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "mean_us": %%.1f}\n',
    summary.requests, summary.duration, failed, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
"""


def _lua_string(value: str) -> str:
    """A Lua long-bracket literal whose level no `]=...=]` inside the value can close."""
    level = 1
    while f"]{'=' * level}]" in value:
        level += 1
    return f"[{'=' * level}[{value}]{'=' * level}]"


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian when missing and we are root (as CI is)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=True)
        subprocess.run(install, capture_output=True, check=True)
    return shutil.which("wrk") or "/usr/bin/wrk"


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    failed: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


Request = tuple[str, str, bytes]  # method, path, body (b"": none)


def script(requests: list[Request], headers: dict[str, str], run_tag: str) -> str:
    header_table = "{" + ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()) + "}"
    return LUA % {
        "bodies": ",\n".join(_lua_string(body.decode()) for _, _, body in requests),
        "methods": ",\n".join(_lua_string(method) for method, _, _ in requests),
        "paths": ",\n".join(_lua_string(path) for _, path, _ in requests),
        "headers": header_table,
        "run_tag": _lua_string(run_tag),
        "unique": UNIQUE,
        "prefix": RESULT_PREFIX,
    }


def run_wrk(
    url: str,
    requests: list[Request],
    headers: dict[str, str],
    *,
    seconds: float,
    connections: int,
    threads: int,
    run_tag: str,
) -> LoadResult:
    if not re.fullmatch(r"[A-Za-z0-9]+", run_tag):
        raise ValueError(f"run tag must be alphanumeric: {run_tag!r}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script(requests, headers, run_tag))
    try:
        completed = subprocess.run(
            [
                ensure_wrk(), "--threads", str(threads), "--connections", str(connections),
                "--duration", f"{max(1, round(seconds))}s", "--timeout", "10s", "--script", file.name, url,
            ],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        Path(file.name).unlink()
    line = next((x for x in completed.stdout.splitlines() if x.startswith(RESULT_PREFIX)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    raw = orjson.loads(line[len(RESULT_PREFIX) :])
    return LoadResult(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        failed=raw["failed"],
        socket_errors=raw["socket_errors"],
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        mean_ms=raw["mean_us"] / 1000,
    )
