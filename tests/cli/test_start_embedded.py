"""`python -m graph start` on the embedded PostgreSQL: back from any state with its data, stopped by Ctrl-C."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from tests.commands import command_env, launch_start, run_command
from tests.servers import free_port

pytestmark = pytest.mark.slow  # starts servers or processes (tests/markers.py)


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split("\n", 1)[0])


def embedded_url(data_dir: Path) -> str:
    socket_dir = (data_dir / "postgres" / "postmaster.pid").read_text().splitlines()[4].strip()
    return f"postgresql://postgres@/postgres?host={socket_dir}"


def gone(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


async def test_start_brings_a_killed_cluster_back_with_its_data_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = command_env(data_dir, JWT_SECRET=None)
    port = free_port()

    first = launch_start(port, env, tmp_path / "first.log")
    first.wait_for_banner()
    assert "starting the embedded PostgreSQL" in first.output()
    assert "loading demo data" in first.output()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ tags(first: 2) { name } }"})
    assert len(response.json()["data"]["tags"]) == 2

    connection = await asyncpg.connect(embedded_url(data_dir))
    await connection.execute("INSERT INTO tags (name) VALUES ($1)", "survives-kill-9")
    await connection.close()

    # What a crash or a reboot leaves: a postmaster.pid and socket files naming dead processes.
    killed = postmaster_pid(data_dir)
    psutil.Process(killed).kill()
    first.process.kill()
    first.wait()
    assert gone(killed)
    assert (data_dir / "postgres" / "postmaster.pid").exists()

    second = launch_start(port, env, tmp_path / "second.log")
    second.wait_for_banner()
    assert "loading demo data" not in second.output()
    assert "migrating" not in second.output()
    connection = await asyncpg.connect(embedded_url(data_dir))
    assert await connection.fetchval("SELECT count(*) FROM tags WHERE name = $1", "survives-kill-9") == 1
    await connection.close()
    restarted = postmaster_pid(data_dir)
    assert restarted != killed

    second.process.send_signal(signal.SIGINT)
    assert second.wait() == 0
    assert gone(restarted)
    assert not (data_dir / "postgres" / "postmaster.pid").exists()
    assert "Traceback" not in second.output()


def test_a_stale_pid_file_naming_a_live_process_does_not_block_the_cluster(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = command_env(data_dir)
    assert run_command("migrate", env=env).returncode == 0
    # A one-shot command stops the server it started.
    assert not (data_dir / "postgres" / "postmaster.pid").exists()

    # After a reboot the old postmaster's pid may belong to anything; PostgreSQL
    # then refuses to start ("lock file already exists") unless the file goes.
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        pgdata = data_dir / "postgres"
        lines = [str(stranger.pid), str(pgdata), "1700000000", "5432", str(pgdata), "", "0 0", "ready   "]
        (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")
        (pgdata / ".s.PGSQL.5432.lock").write_text("\n".join(lines[:3]) + "\n")
        (pgdata / ".s.PGSQL.5432").write_text("")

        migrated = run_command("migrate", env=env)
        assert migrated.returncode == 0, migrated.stderr
        assert "the database is at head" in migrated.stdout
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_ctrl_c_leaves_running_a_cluster_another_process_still_uses(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = command_env(data_dir)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from db.embedded import embedded_database_url; "
            "embedded_database_url(Path(sys.argv[1])); print('ready', flush=True); time.sleep(120)",
            str(data_dir),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        pid = postmaster_pid(data_dir)
        started = launch_start(free_port(), env, tmp_path / "start.log")
        started.wait_for_banner()
        assert "starting the embedded PostgreSQL" not in started.output()
        started.process.send_signal(signal.SIGINT)
        assert started.wait() == 0
        assert psutil.pid_exists(pid) and psutil.Process(pid).name() == "postgres"
    finally:
        # SIGINT: the holder exits through atexit, the last user, so the cluster stops with it.
        holder.send_signal(signal.SIGINT)
        holder.wait(30)
        holder.stdout.close()
    assert gone(pid)
