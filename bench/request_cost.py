"""`python -m bench.request_cost`: the Python work of one request, counted, not timed.

On a shared VM, CPU time per request swings by a quarter from one run to the
next, which hides a change worth a few percent. This counts instead: it calls
the ASGI app of ours (and of the plain endpoint, bench/plain.py) in process,
on the benchmark's throwaway cluster and data set, and counts under
`sys.settrace` the bytecode instructions Python executes per request, by
function. The count is the same on every run, so a change to the request path
shows as a difference in instructions (what C code does inside one call,
orjson or asyncpg's protocol, is not counted). Timing stays the benchmark's
job; docs/benchmark.md ("Profiles") has both.
"""

import argparse
import asyncio
import os
import secrets
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from asgi_lifespan import LifespanManager

from bench.cluster import start_cluster
from bench.dataset import SIZES, prepare, reader_params
from bench.shapes import SHAPES, Params, Shape
from bench.systems import ROOT

App = Callable[..., Any]
LOOP_FILES = tuple(f"asyncio{os.sep}{name}.py" for name in ("base_events", "events", "selector_events")) + (
    f"{os.sep}selectors.py",
)


@dataclass
class Cost:
    requests: int
    instructions: Counter[str]  # by "function (file)"
    status: int
    body: bytes

    @property
    def per_request(self) -> float:
        return sum(self.instructions.values()) / self.requests

    def top(self, count: int) -> list[tuple[str, float]]:
        return [(name, total / self.requests) for name, total in self.instructions.most_common(count)]


def _where(code: Any) -> str:
    path = code.co_filename
    for marker in ("site-packages/", f"{ROOT}/", f"{os.path.dirname(os.__file__)}/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{code.co_name} ({path})"


async def count(app: App, path: str, body: bytes, *, requests: int = 200, concurrency: int = 8) -> Cost:
    """Instructions per request for POST `path` with `body`, after a warm-up, `concurrency` requests at a time."""
    headers = [(b"host", b"bench"), (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    last: list[dict] = []
    instructions: Counter[str] = Counter()

    def trace(frame: Any, event: str, _arg: Any) -> Any:
        # asyncio's own event loop is Python; uvloop's (the server's) is C. Its
        # turns depend on timing, so they are left out either way.
        if frame.f_code.co_filename.endswith(LOOP_FILES):
            return None
        frame.f_trace_opcodes = True
        return each

    def each(frame: Any, event: str, _arg: Any) -> Any:
        if event == "opcode":
            instructions[_where(frame.f_code)] += 1
        return each

    async with LifespanManager(app) as manager:  # its app puts the lifespan's state in every scope

        async def one() -> None:
            scope = {
                "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
            }  # fmt: skip

            async def receive() -> dict:
                return {"type": "http.request", "body": body, "more_body": False}

            sent: list[dict] = []

            async def send(message: dict) -> None:
                sent.append(message)

            await manager.app(scope, receive, send)
            last[:] = sent

        async def batch(total: int) -> None:
            for _ in range(total // concurrency):
                await asyncio.gather(*(one() for _ in range(concurrency)))

        await batch(max(concurrency, requests // 2))  # warm-up: plans, caches, prepared statements
        counted = requests // concurrency * concurrency
        sys.settrace(trace)
        try:
            await batch(counted)
        finally:
            sys.settrace(None)
    start, *chunks = last
    return Cost(counted, instructions, start["status"], b"".join(chunk.get("body", b"") for chunk in chunks))


def _ours(database_url: str, jwt_secret: str) -> App:
    os.environ.update(DATABASE_URL=database_url, JWT_SECRET=jwt_secret, ENVIRONMENT="production")
    from graph.app import create_app

    return create_app()


def _plain(database_url: str, jwt_secret: str) -> App:
    os.environ.update(DATABASE_URL=database_url, JWT_SECRET=jwt_secret)
    from bench.plain import create_app

    return create_app()


def _request(system: str, shape: Shape, params: Params) -> tuple[str, bytes]:
    ours, _, plain = shape.requests(params)[0]
    if system == "ours":
        return "/graphql", orjson.dumps({"query": shape.ours, "variables": ours})
    return shape.plain_route, orjson.dumps(plain)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.request_cost", description=__doc__)
    parser.add_argument("--shape", default="Q1", choices=[name for name, s in SHAPES.items() if not s.signed_in])
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--systems", default="ours,plain")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    shape = SHAPES[args.shape]
    cluster = start_cluster()
    try:
        dataset = await prepare(cluster, SIZES[args.size])
        params = await reader_params(dataset)
        secret = secrets.token_urlsafe(32)
        for system in args.systems.split(","):
            app = {"ours": _ours, "plain": _plain}[system](dataset.url, secret)
            path, body = _request(system, shape, params)
            cost = await count(app, path, body, requests=args.requests)
            if cost.status != 200 or b'"errors"' in cost.body:
                print(f"{system}: unexpected answer {cost.status} {cost.body[:200]!r}", file=sys.stderr)
                return 1
            print(f"\n{system} {shape.name}: {cost.per_request:,.0f} instructions per request\n")
            print("| per request | function |\n| ---: | --- |")
            for name, per_request in cost.top(args.top):
                print(f"| {per_request:.1f} | `{name}` |")
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    import uvloop  # the loop the server runs: asyncio's own would add its Python to every count

    raise SystemExit(uvloop.run(main()))
