"""`python -m bench.profile`: where one worker of ours spends its CPU under wrk load, per shape.

It starts the benchmark's throwaway cluster and data set, `python -m graph
serve --workers 1` (production settings, as the benchmark runs it), loads
each shape with wrk while py-spy samples the worker, and prints the
functions with the most samples: own time (the frame on top of the stack)
and cumulative (anywhere on the stack, counted once per sample). Only
samples where Python was running count (py-spy drops idle threads), so the
shares are of the worker's busy CPU. docs/benchmark.md ("Profiles") keeps what it found.
"""

import argparse
import asyncio
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
from collections import Counter
from pathlib import Path

from bench.cluster import start_cluster
from bench.dataset import SIZES, prepare, reader_params
from bench.load import ensure_wrk, run_wrk
from bench.shapes import SHAPES, Params
from bench.systems import ROOT, System

STDLIB = sysconfig.get_paths()["stdlib"]
# "function (path/to/file.py:123)" -> "function (file.py)"; lines differ within one function.
_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^():]*?)(?::\d+)?\)$")


def _function(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", f"{ROOT}/", f"{STDLIB}/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['name']} ({path})"


def _file(function: str) -> str:
    return function[function.rfind("(") + 1 : -1]


def summarize(raw: str, top: int) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]], list[tuple[str, int]]]:
    """py-spy's raw (collapsed) stacks -> (samples, top own, top cumulative, own by file)."""
    own: Counter[str] = Counter()
    cumulative: Counter[str] = Counter()
    by_file: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(frame) for frame in stack.split(";")]
        # py-spy puts the process and thread names first; they are not code.
        frames = [frame for frame in frames if not frame.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        by_file[_file(frames[-1])] += count
        for frame in set(frames):
            cumulative[frame] += count
    return total, own.most_common(top), cumulative.most_common(top), by_file.most_common(top)


def _table(title: str, total: int, rows: list[tuple[str, int]]) -> str:
    lines = [f"{title} ({total} samples)", "", "| % | function |", "| ---: | --- |"]
    lines += [f"| {100 * count / total:.1f} | `{name}` |" for name, count in rows]
    return "\n".join(lines)


def profile_shape(system: System, shape, params: Params, seconds: float, rate: int, top: int, keep: Path | None) -> str:
    requests = system.requests(shape, params)
    headers = {"Content-Type": "application/json"}

    def load(duration: float, tag: str):
        return run_wrk(system.base, requests, headers, seconds=duration, connections=32, threads=2, run_tag=tag)

    load(2, "warm")
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "stacks.txt"
        spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
        # Sampling starts first and stops on its own; wrk runs inside that window.
        recorder = subprocess.Popen(
            [spy, "record", "--pid", str(system.process.pid), "--format", "raw", "--rate", str(rate),
             "--duration", str(int(seconds) + 1), "--nonblocking", "--output", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        result: list = []
        loader = threading.Thread(target=lambda: result.append(load(seconds, "prof")))
        loader.start()
        loader.join()
        _, errors = recorder.communicate(timeout=seconds + 30)
        if not output.exists():
            raise RuntimeError(f"py-spy wrote nothing: {errors.decode()}")
        raw = output.read_text()
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{shape.name}.txt").write_text(raw)
        total, own, cumulative, by_file = summarize(raw, top)
    rps = result[0].rps if result else 0.0
    return "\n\n".join(
        [
            f"### {shape.name}: {rps:.0f} req/s under py-spy ({seconds:.0f} s, {rate} Hz)",
            _table("Own time", total, own),
            _table("Cumulative", total, cumulative),
            _table("Own time by file", total, by_file),
        ]
    )


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--shapes", default="Q1,Q3")
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="write each shape's raw py-spy stacks here")
    args = parser.parse_args(argv)
    ensure_wrk()
    cluster = start_cluster()
    system = System("ours", 1)
    try:
        dataset = await prepare(cluster, SIZES[args.size])
        params = await reader_params(dataset)
        with tempfile.TemporaryDirectory() as directory:
            system.start(dataset.url, secrets.token_urlsafe(48), Path(directory) / "server.log")
            system.wait_ready()
            for name in args.shapes.split(","):
                print(
                    profile_shape(system, SHAPES[name.strip()], params, args.seconds, args.rate, args.top, args.keep),
                    "\n",
                )
    finally:
        system.stop()
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
