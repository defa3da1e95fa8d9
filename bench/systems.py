"""The servers under test, each a process group the benchmark starts and stops itself.

- ours: `python -m graph serve --workers N` (uvicorn, production settings)
- postgraphile: PostGraphile v5 under Node 22 (bench/postgraphile/server.mjs)
- plain: the ceiling endpoint, `uvicorn bench.plain:create_app --workers N`
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

from bench.cluster import free_port
from bench.shapes import Params, Shape, ours_body, postgraphile_body

ROOT = Path(__file__).resolve().parent.parent
POSTGRAPHILE_DIR = Path(__file__).resolve().parent / "postgraphile"
KINDS = ("ours", "postgraphile", "plain")


def ensure_postgraphile() -> Path:
    """PostGraphile and Node 22 from the committed lockfile; the Node binary to run."""
    node = POSTGRAPHILE_DIR / "node_modules" / ".bin" / "node"
    if not node.exists() or not (POSTGRAPHILE_DIR / "node_modules" / "postgraphile").exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install PostGraphile (bench/postgraphile).")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=POSTGRAPHILE_DIR, check=True, capture_output=True)
    return node


UNLIMITED = (
    "LOGIN_ATTEMPTS_PER_ACCOUNT",
    "LOGIN_ATTEMPTS_PER_ACCOUNT_ADDRESS",
    "LOGIN_ATTEMPTS_PER_ADDRESS",
    "REGISTRATIONS_PER_ADDRESS",
)


def serves(system: "System", shape: Shape) -> bool:
    """The plain endpoint has routes for Q1..M2 and the REST shapes only."""
    return system.kind != "plain" or shape.plain_route is not None or shape.rest is not None


@dataclass
class System:
    kind: str
    workers: int
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.workers}w"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def path(self, shape: Shape) -> str:
        return shape.plain_route if self.kind == "plain" else "/graphql"

    def requests(self, shape: Shape, params: Params) -> list[tuple[str, str, bytes]]:
        """(method, path, body) of each request of the shape: REST for a REST shape (but on PostGraphile)."""
        if shape.rest is not None and self.kind != "postgraphile":
            return shape.rest(params)
        return [("POST", self.path(shape), self.body(shape, variables)) for variables in shape.requests(params)]

    def body(self, shape: Shape, variables: tuple[dict, dict, dict]) -> bytes:
        ours, postgraphile, plain = variables
        if self.kind == "ours":
            return ours_body(shape, ours)
        if self.kind == "postgraphile":
            return postgraphile_body(shape, postgraphile)
        return orjson.dumps(plain)

    def _command(self) -> list[str]:
        if self.kind == "ours":
            return [sys.executable, "-m", "graph", "serve", "--workers", str(self.workers), "--port", str(self.port)]
        if self.kind == "plain":
            return [
                sys.executable, "-m", "uvicorn", "bench.plain:create_app", "--factory",
                "--workers", str(self.workers), "--port", str(self.port), "--host", "127.0.0.1",
                "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
                "--no-proxy-headers", "--no-server-header",
            ]  # fmt: skip
        return [str(ensure_postgraphile()), str(POSTGRAPHILE_DIR / "server.mjs")]

    def start(self, database_url: str, jwt_secret: str, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "JWT_SECRET": jwt_secret,
            "ENVIRONMENT": "production",
            "NODE_ENV": "production",
            "PORT": str(self.port),
            "WORKERS": str(self.workers),
            # CM9/CM10 register and sign in from one address as fast as they can: the limits'
            # counting still runs, their thresholds are out of reach.
            **{name: str(10**9) for name in UNLIMITED},
        }
        with log.open("wb") as output:
            # A session of its own: stop() signals the whole group, workers included.
            self.process = subprocess.Popen(
                self._command(), cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until a trivial request is answered by every worker's listening socket."""
        probe_path, probe_body = (
            ("/healthz", None) if self.kind != "postgraphile" else ("/graphql", b'{"query":"{__typename}"}')
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} while starting")
            try:
                if probe_body is None:
                    response = httpx.get(self.base + probe_path, timeout=2)
                else:
                    response = httpx.post(
                        self.base + probe_path, content=probe_body, headers={"content-type": "application/json"},
                        timeout=2,
                    )  # fmt: skip
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not become ready within {timeout:.0f} s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
