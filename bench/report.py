"""Medians over rounds, rendered as a markdown table and as JSON."""

import statistics
from dataclasses import asdict, dataclass
from typing import Any

from bench.checks import Check
from bench.load import LoadResult
from bench.shapes import SHAPES


@dataclass(frozen=True)
class Sample:
    """One measured run of one system on one shape."""

    shape: str
    system: str
    round: int
    load: LoadResult
    statements: int
    server_cpu_seconds: float
    database_cpu_seconds: float

    def as_dict(self) -> dict[str, Any]:
        requests = max(self.load.requests, 1)
        return {
            "shape": self.shape,
            "system": self.system,
            "round": self.round,
            **asdict(self.load),
            "rps": self.load.rps,
            "statements": self.statements,
            "statements_per_request": self.statements / requests,
            "server_cpu_ms_per_request": 1000 * self.server_cpu_seconds / requests,
            "database_cpu_ms_per_request": 1000 * self.database_cpu_seconds / requests,
        }


NOTES = (
    "SQL/req: every statement a client sent (pg_stat_statements, track=top), BEGIN/COMMIT and PostGraphile's "
    "set_config() of JWT claims included; statements inside SQL functions are not counted separately.",
    "CPU ms/req: user+system CPU of the server's process tree (workers included) and of the PostgreSQL cluster, "
    "divided by the requests wrk completed.",
    "ours logs one JSON line per GraphQL operation (graph.request, `python -m graph serve` as shipped; "
    "uvicorn's access log is off); PostGraphile and plain log nothing per request.",
    "PostGraphile runs as the database superuser with the Amber preset and no grants or RLS: its schema also "
    "exposes users.email and users.password_hash. It is a performance comparison, not a safe deployment.",
    "wrk, the servers and PostgreSQL share the machine's CPUs (and other work on it): absolute figures are noisy; "
    "compare systems within one report.",
)

MEDIANS = (
    "rps",
    "p50_ms",
    "p99_ms",
    "statements_per_request",
    "server_cpu_ms_per_request",
    "database_cpu_ms_per_request",
)


def summarize(samples: list[Sample]) -> list[dict[str, Any]]:
    """One row per (shape, system): the median of each figure over its rounds, failures summed."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for sample in samples:
        groups.setdefault((sample.shape, sample.system), []).append(sample.as_dict())
    rows = []
    for (shape, system), runs in groups.items():
        row: dict[str, Any] = {"shape": shape, "system": system, "rounds": len(runs)}
        for figure in MEDIANS:
            row[figure] = statistics.median(run[figure] for run in runs)
        row["requests"] = sum(run["requests"] for run in runs)
        row["failed"] = sum(run["failed"] + run["socket_errors"] for run in runs)
        rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]], checks: list[Check], meta: dict[str, Any]) -> str:
    lines = [
        f"Benchmark: size {meta['size']} ({meta['users']} users, {meta['articles']} articles, "
        f"{meta['comments']} comments), {meta['connections']} connections, {meta['seconds']} s per run after "
        f"{meta['warmup']} s warm-up, median of {meta['rounds']} rounds (systems alternate within a round), "
        f"{meta['cpus']} CPUs shared by servers, PostgreSQL and wrk.",
        "",
        "| shape | system | req/s | p50 ms | p99 ms | SQL/req | server CPU ms/req | DB CPU ms/req | failed |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['shape']} | {row['system']} | {row['rps']:.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} "
            f"| {row['statements_per_request']:.1f} | {row['server_cpu_ms_per_request']:.2f} "
            f"| {row['database_cpu_ms_per_request']:.2f} | {row['failed']} |"
        )
    failed_checks = [check for check in checks if not check.ok]
    lines.append("")
    if failed_checks:
        lines.append("Answers that did not match the reference (these pairs were not loaded):")
        lines.extend(f"- {check.system} {check.shape}: {check.detail}" for check in failed_checks)
    else:
        lines.append(f"All {len(checks)} answers matched the reference before loading.")
    lines.append("")
    lines.append("Shapes:")
    for name in meta["shapes"]:
        lines.append(f"- {name}: {SHAPES[name].summary}")
        lines.extend(f"  - {note}" for note in SHAPES[name].notes)
    lines.append("")
    lines.append("Notes:")
    lines.extend(f"- {note}" for note in NOTES)
    return "\n".join(lines) + "\n"
