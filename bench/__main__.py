"""`python -m bench`: our service against PostGraphile v5 and a plain endpoint, on a private PostgreSQL.

Everything runs on this machine: a throwaway cluster with pg_stat_statements,
the fixed data set, each server, and wrk as the load generator. Results go to
bench/results/<time>/report.{md,json}; the table is also printed.
"""

import argparse
import asyncio
import sys
from pathlib import Path

from bench.dataset import SIZES
from bench.runner import Options, run
from bench.shapes import SHAPES
from bench.systems import KINDS


def _names(choices: tuple[str, ...] | list[str]):
    def parse(text: str) -> tuple[str, ...]:
        names = tuple(name.strip() for name in text.split(",") if name.strip())
        unknown = [name for name in names if name not in choices]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(choices)}")
        return names

    return parse


def _workers(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of worker counts, e.g. 1,2") from None
    if not counts or any(count < 1 for count in counts):
        raise argparse.ArgumentTypeError("worker counts must be at least 1")
    return counts


def main(argv: list[str] | None = None) -> int:
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default=defaults.size)
    parser.add_argument("--systems", type=_names(KINDS), default=defaults.kinds, help="ours,postgraphile,plain")
    parser.add_argument("--workers", type=_workers, default=defaults.workers, help="server processes, e.g. 1,2")
    parser.add_argument("--shapes", type=_names(list(SHAPES)), default=defaults.shapes, help="Q1..M2, CQ1..CM10")
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds of load before each run")
    parser.add_argument("--rounds", type=int, default=defaults.rounds)
    parser.add_argument("--connections", type=int, default=defaults.connections)
    parser.add_argument("--threads", type=int, default=defaults.threads, help="wrk threads")
    parser.add_argument("--out", type=Path, default=defaults.out)
    args = parser.parse_args(argv)
    options = Options(
        size=args.size,
        kinds=args.systems,
        workers=args.workers,
        shapes=args.shapes,
        seconds=args.seconds,
        warmup=args.warmup,
        rounds=args.rounds,
        connections=args.connections,
        threads=args.threads,
        out=args.out,
    )
    report = asyncio.run(run(options))
    return 0 if all(check["ok"] for check in report["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
