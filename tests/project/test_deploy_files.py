"""The Dockerfile and docker-compose.yml, checked without a Docker engine.

hadolint lints the Dockerfile and the compose-spec JSON schema (vendored by
check-jsonschema) validates the compose file; both come from PyPI as dev
dependencies. The other tests read the files for the properties we rely on.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for line in lines
        if line and not line.startswith("#")
        for parts in [line.split(None, 1)]
    ]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(index for index, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_hadolint_passes_the_dockerfile() -> None:
    result = run(str(BIN / "hadolint"), "--failure-threshold", "info", str(DOCKERFILE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_file_is_valid_under_the_compose_spec_schema() -> None:
    result = run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_schema_check_rejects_an_unknown_key(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("  migrate:\n", "  migrate:\n    restart_policy_typo: always\n", 1))
    result = run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(broken))
    assert result.returncode == 1
    assert "restart_policy_typo" in result.stdout


def test_the_image_is_built_in_stages_and_installs_only_the_locked_runtime_dependencies() -> None:
    steps = instructions()
    assert sum(1 for name, _ in steps if name == "FROM") >= 2
    runs = [arguments for name, arguments in steps if name == "RUN"]
    assert any("uv sync --frozen --no-dev" in command for command in runs)
    copies = [arguments for name, arguments in steps if name == "COPY"]
    assert any("uv.lock" in copy for copy in copies)
    # The runtime stage copies the built environment; it runs neither pip nor uv itself.
    runtime_runs = [arguments for name, arguments in final_stage() if name == "RUN"]
    assert not [command for command in runtime_runs if re.search(r"\b(pip|uv)\b", command)]


def test_the_container_runs_as_an_unprivileged_user() -> None:
    users = [arguments for name, arguments in final_stage() if name == "USER"]
    assert users, "the runtime stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_the_health_check_asks_healthz_with_python() -> None:
    checks = [arguments for name, arguments in final_stage() if name == "HEALTHCHECK"]
    assert len(checks) == 1
    assert '"python"' in checks[0] and "/healthz" in checks[0]
    assert "curl" not in checks[0]


def test_the_image_serves_with_workers_from_the_environment() -> None:
    stage = final_stage()
    assert ("CMD", '["python", "-m", "graph", "serve"]') in stage
    assert any(name == "ENV" and re.search(r"\bWORKERS=\d+", arguments) for name, arguments in stage)


def test_the_api_starts_only_after_a_successful_migration_on_a_healthy_database(compose: dict) -> None:
    services = compose["services"]
    assert services["db"]["image"] == "postgres:15"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["db"]["volumes"])
    assert services["migrate"]["command"] == ["python", "-m", "graph", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for api in ("api", "api-pgbouncer"):
        assert services[api]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "WORKERS" in services[api]["environment"]


def test_the_pgbouncer_profile_pools_transactions_and_turns_the_statement_cache_off(compose: dict) -> None:
    services = compose["services"]
    assert services["pgbouncer"]["profiles"] == ["pgbouncer"]
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    behind = services["api-pgbouncer"]
    assert behind["profiles"] == ["pgbouncer"]
    assert "@pgbouncer:" in behind["environment"]["DATABASE_URL"]
    assert behind["environment"]["STATEMENT_CACHE_SIZE"] == "0"
    # The direct API and the migration stay on PostgreSQL itself.
    assert "@db:" in services["api"]["environment"]["DATABASE_URL"]
    assert "@db:" in services["migrate"]["environment"]["DATABASE_URL"]


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".data", "tests"):
        assert entry in ignored
