"""A server's resident memory over time, read from /proc, and how fast it grows.

The soak (bench/soak.py) samples the server's process tree every few seconds
while it runs; a leak shows as a slope that stays positive after warm-up,
in KB per minute and per thousand delivered events.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return found


def tree_rss_kb(root: int) -> int:
    """VmRSS of `root` and its descendants (uvicorn's workers, when there are several), in KB."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue  # exited between the listing and the read
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        pending += _children(pid)
    return total


@dataclass
class Sample:
    seconds: float  # since sampling started
    rss_kb: int
    events: int  # deliveries counted by then


def slope(xs: list[float], ys: list[float]) -> float | None:
    """Least-squares slope of ys over xs; None with fewer than two distinct xs."""
    if len(xs) < 2:
        return None
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


@dataclass
class RssSeries:
    pid: int
    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)

    def sample(self, events: int) -> Sample:
        taken = Sample(round(time.monotonic() - self.started, 1), tree_rss_kb(self.pid), events)
        self.samples.append(taken)
        return taken

    def summary(self) -> dict:
        rss = [s.rss_kb for s in self.samples]
        # The second half: past the warm-up's caches (parsed documents,
        # prepared statements, the hub's recent scopes), a leak is what still grows.
        steady = self.samples[len(self.samples) // 2 :]

        def per_minute(samples: list[Sample]) -> float | None:
            value = slope([s.seconds / 60 for s in samples], [s.rss_kb for s in samples])
            return None if value is None else round(value, 1)

        def per_thousand_events(samples: list[Sample]) -> float | None:
            value = slope([s.events / 1000 for s in samples], [s.rss_kb for s in samples])
            return None if value is None else round(value, 1)

        return {
            "pid": self.pid,
            "samples": len(rss),
            "start_kb": rss[0] if rss else None,
            "end_kb": rss[-1] if rss else None,
            "max_kb": max(rss, default=None),
            "slope_kb_per_min": per_minute(self.samples),
            "slope_kb_per_1000_events": per_thousand_events(self.samples),
            "steady_slope_kb_per_min": per_minute(steady),
            "steady_slope_kb_per_1000_events": per_thousand_events(steady),
            "series": [[s.seconds, s.rss_kb, s.events] for s in self.samples],
        }
