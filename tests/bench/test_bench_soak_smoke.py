"""The soak still runs end to end (a few seconds, a few dozen subscribers): not a memory or speed test.

Like the benchmark's smoke test, it starts its own PostgreSQL cluster and a
real server process.
"""

import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 40
ARTICLES = 2


def test_a_short_soak_delivers_every_event_and_reports_the_servers_memory(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable, "-m", "bench.soak", "--seconds", "4", "--subscribers", str(SUBSCRIBERS),
            "--articles", str(ARTICLES), "--writes-per-second", "5", "--read-connections", "2",
            "--read-threads", "1", "--sample-every", "1", "--out", str(tmp_path),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    (path,) = tmp_path.glob("soak-*.json")
    report = orjson.loads(path.read_bytes())
    events, writes, reads, rss = report["events"], report["writes"], report["reads"], report["server_rss"]

    assert writes["errors"] == 0 and writes["ok"] == 20, writes
    assert 0 < writes["p50_ms"] <= writes["p99_ms"] < 10_000, writes
    # Each comment reaches the subscribers of its article: half of them.
    assert events["subscriptions"] == SUBSCRIBERS
    assert events["expected"] == writes["ok"] * SUBSCRIBERS // ARTICLES, events
    assert events["received"] == events["expected"] and events["lost"] == 0, events
    assert events["duplicates"] == 0 and events["ended_early"] == 0, events
    assert events["delivery_after_request"]["count"] == events["received"]
    assert reads["requests"] > 0 and reads["failed"] == 0 and reads["socket_errors"] == 0, reads
    assert rss["samples"] >= 4, rss
    assert 20_000 < rss["start_kb"] <= rss["max_kb"] and rss["end_kb"] <= rss["max_kb"], rss
    assert rss["slope_kb_per_min"] is not None and rss["slope_kb_per_1000_events"] is not None, rss
    assert [sample[1] for sample in rss["series"]] and all(sample[1] > 0 for sample in rss["series"]), rss
    assert '"lost": 0' in completed.stdout
