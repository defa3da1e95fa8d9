"""Before any load: every system answers every shape, and the answer must match the reference."""

from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import orjson

from bench import reference
from bench.shapes import UNIQUE, Params, Shape
from bench.systems import System


@dataclass(frozen=True)
class Check:
    system: str
    shape: str
    ok: bool
    detail: str = ""


def _send(system: System, shape: Shape, request: tuple[str, str, bytes], token: str | None, unique: str) -> Any:
    method, path, body = request
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    content = body.replace(UNIQUE.encode(), unique.encode()) or None
    response = httpx.request(method, system.base + path, content=content, headers=headers, timeout=30)
    payload = orjson.loads(response.content)
    if response.status_code != 200 or payload.get("errors"):
        raise ValueError(f"HTTP {response.status_code}: {response.text[:500]}")
    normalize = shape.normalize_postgraphile if system.kind == "postgraphile" else shape.normalize_ours
    rest = shape.rest is not None and system.kind != "postgraphile"
    return normalize(payload if rest else payload["data"])


async def _expected(connection: asyncpg.Connection, shape: Shape, params: Params, context: dict) -> Any:
    if shape.reference is not None:
        return await shape.reference(connection, params, context)
    if shape.name == "Q1":
        return await reference.q1(connection, params.username)
    if shape.name == "Q2":
        return await reference.q2(connection)
    if shape.name == "Q3":
        return await reference.q3(connection)
    if shape.name == "Q4":
        return await reference.q4(connection, context["reader_id"])
    if shape.name == "M1":
        return await reference.m1(connection, context["unique"], params.writer)
    return await reference.m2(connection, context["article_id"], context["writer_id"], context["favorite"])


def _difference(expected: Any, actual: Any) -> str:
    """The keys that differ when both are dicts (a long body would hide them), else both, cut short."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        keys = [k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)]
        return "; ".join(f"{k}: expected {expected.get(k)!r:.200}, got {actual.get(k)!r:.200}" for k in sorted(keys))
    return f"expected {expected!r:.300}, got {actual!r:.300}"


async def check(
    connection: asyncpg.Connection, system: System, shape: Shape, params: Params, tokens: dict[str, str], ids: dict
) -> Check:
    """One request (two for M2: a favorite and its undo), each compared with the reference."""
    token = tokens["writer"] if shape.writes else tokens["reader"] if shape.signed_in else None
    # Two for M2 and for shapes with a reference of their own (a toggle and its undo, both @include values).
    requests = shape.requests(params)[:2] if shape.name == "M2" or shape.reference else shape.requests(params)[:1]
    try:
        for variables, request in zip(requests, system.requests(shape, params), strict=False):
            unique = f"check{system.kind}{system.workers}"
            actual = _send(system, shape, request, token, unique)
            context = {**ids, "unique": unique, "variables": variables[0]}
            if shape.name == "M2":
                context.update(article_id=params.article_ids[0], favorite=variables[2]["favorite"])
            expected = await _expected(connection, shape, params, context)
            if actual != expected:
                return Check(system.name, shape.name, False, _difference(expected, actual))
    except (ValueError, KeyError, TypeError, httpx.HTTPError) as error:
        return Check(system.name, shape.name, False, f"{type(error).__name__}: {error}"[:600])
    return Check(system.name, shape.name, True)
