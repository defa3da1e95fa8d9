"""`python -m graph ...` as a real subprocess, for tests of what a user sees at the command line."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BANNER_END = "Stop:      Ctrl-C"


def command_env(data_dir: Path, **overrides: str | None) -> dict[str, str]:
    """The test's environment without DATABASE_URL (so the embedded server is used) unless given."""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "PORT", "HOST")}
    env["DATA_DIR"] = str(data_dir)
    env["POOL_MIN_SIZE"] = "1"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_command(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@dataclass
class Started:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_banner(self, timeout: float = 120) -> float:
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if BANNER_END in self.output():
                return time.monotonic() - began
            if self.process.poll() is not None:
                raise AssertionError(f"start exited with {self.process.returncode}:\n{self.output()}")
            time.sleep(0.1)
        raise AssertionError(f"no banner after {timeout}s:\n{self.output()}")

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def launch_start(port: int, env: dict[str, str], log: Path) -> Started:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "graph", "start", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return Started(process, log)
