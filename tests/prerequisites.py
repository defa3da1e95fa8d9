"""What some tests need from the machine beyond the venv, how to find it, and how to install it.

The one list of them: scripts/test installs what is missing (`install`, as
root or with passwordless sudo, from Debian's packages) and tests/needs.py
skips a test marked `@pytest.mark.needs(NAME)` when NAME is still missing
(or fails it under CI=true). Programs are looked up on PATH only, so a run
with a PATH that hides one behaves as a machine without it.

Standard library only: scripts/test runs it as a script before the tests.

    python tests/prerequisites.py install [NAME...]  # all when no NAME; exit 1 if CI=true and any is missing
    python tests/prerequisites.py has [NAME...]      # exit 0 when each (all when no NAME) is found, else 1
    python tests/prerequisites.py hint NAME          # how to get it
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

NODE_MAJOR = 20  # clients/package.json's engines


@dataclass(frozen=True)
class Prerequisite:
    name: str  # the marker's argument: @pytest.mark.needs("pgbouncer")
    what: str  # what the tests run, for messages
    packages: tuple[str, ...]  # Debian's, installed in this order until `find` succeeds
    find: Callable[[], str | None]  # the program's path (or directory), None when missing
    note: str = ""  # added to the install hint

    @property
    def hint(self) -> str:
        return f"apt-get install {' '.join(self.packages)}" + (f" ({self.note})" if self.note else "")


def postgres_bindir() -> str | None:
    """Where initdb and pg_ctl are: $PG_BIN if set, else pg_config's answer, else the newest Debian install."""
    if configured := os.environ.get("PG_BIN"):
        return configured if _server_programs_in(Path(configured)) else None
    if pg_config := shutil.which("pg_config"):
        answer = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if answer and _server_programs_in(Path(answer)):
            return answer
    # Debian keeps them off PATH, in one directory per major version.
    installed = [
        path
        for path in Path("/usr/lib/postgresql").glob("*/bin")
        if path.parent.name.isdigit() and _server_programs_in(path)
    ]
    return str(max(installed, key=lambda path: int(path.parent.name))) if installed else None


def _server_programs_in(directory: Path) -> bool:
    return all(os.access(directory / program, os.X_OK) for program in ("initdb", "pg_ctl"))


def replication_programs() -> str | None:
    """initdb's directory, when pg_basebackup is there too and the server has pg_stat_statements."""
    bindir = postgres_bindir()
    if bindir is None or not os.access(Path(bindir) / "pg_basebackup", os.X_OK):
        return None
    libraries = [Path(bindir).parent / "lib"]  # Debian's layout
    if os.access(Path(bindir) / "pg_config", os.X_OK):
        answer = subprocess.run([str(Path(bindir) / "pg_config"), "--pkglibdir"], capture_output=True, text=True)
        libraries.append(Path(answer.stdout.strip()))
    return bindir if any((library / "pg_stat_statements.so").exists() for library in libraries) else None


def node() -> str | None:
    """node (of NODE_MAJOR or newer) when npm is there too."""
    found, npm = shutil.which("node"), shutil.which("npm")
    if not found or not npm:
        return None
    version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout.strip()  # "v20.20.2"
    major = version.lstrip("v").split(".")[0]
    return found if major.isdigit() and int(major) >= NODE_MAJOR else None


def command(name: str) -> Callable[[], str | None]:
    return lambda: shutil.which(name)


PREREQUISITES = {
    prerequisite.name: prerequisite
    for prerequisite in (
        Prerequisite("chromium", "a headless Chromium for GraphiQL", ("chromium",), command("chromium")),
        # Debian's pgbouncer is in /usr/sbin: on root's PATH, not on other users' by default.
        Prerequisite("pgbouncer", "PgBouncer", ("pgbouncer",), command("pgbouncer"), note="/usr/sbin must be on PATH"),
        Prerequisite("initdb", "PostgreSQL's server programs initdb and pg_ctl", ("postgresql",), postgres_bindir),
        Prerequisite(
            "replication",
            "a streaming replica: pg_basebackup and pg_stat_statements beside initdb",
            ("postgresql", "postgresql-contrib"),
            replication_programs,
        ),
        Prerequisite("wrk", "the wrk load generator", ("wrk",), command("wrk")),
        Prerequisite(
            "node", f"Node.js {NODE_MAJOR}+ and npm", ("nodejs", "npm"), node, note=f"Node {NODE_MAJOR} or newer"
        ),
    )
}


def in_ci() -> bool:
    """CI=true: every test must run, so a missing prerequisite is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


def installer() -> tuple[list[str] | None, str]:
    """(the command prefix that runs apt-get with the right to install, or None) and why not."""
    if not shutil.which("apt-get"):
        return None, "this machine has no apt-get"
    if os.geteuid() == 0:
        return ["apt-get"], ""
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n", "apt-get"], ""
    return None, "not root and no passwordless sudo"


def install(names: list[str]) -> list[Prerequisite]:
    """Install the missing ones where possible; returns those still missing."""
    missing = [PREREQUISITES[name] for name in names if PREREQUISITES[name].find() is None]
    if not missing:
        return []
    apt, why_not = installer()
    if apt is None:
        names_ = ", ".join(prerequisite.name for prerequisite in missing)
        consequence = "" if in_ci() else ": their tests will not run"
        print(f"prerequisites: cannot install {names_} ({why_not}){consequence}", file=sys.stderr)
        return missing
    # Wait for a dpkg lock another install holds instead of failing at once.
    options = ["-y", "-qq", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600"]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run([*apt, "update", "-qq"], environment)
    for prerequisite in missing:
        for package in prerequisite.packages:
            if prerequisite.find() is not None:
                break  # e.g. a nodejs that ships its own npm: Debian's npm would conflict with it
            print(f"prerequisites: installing {package} (for {prerequisite.name})", file=sys.stderr)
            _run([*apt, "install", *options, package], environment)
    return [prerequisite for prerequisite in missing if prerequisite.find() is None]


def _run(command_: list[str], environment: dict[str, str]) -> None:
    completed = subprocess.run(command_, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if completed.returncode != 0:
        print(f"prerequisites: `{' '.join(command_)}` failed:\n{completed.stderr.strip()}", file=sys.stderr)


def main(arguments: list[str]) -> int:
    action, names = (arguments[0], arguments[1:]) if arguments else ("", [])
    unknown = [name for name in names if name not in PREREQUISITES]
    if unknown:
        print(f"prerequisites: unknown {', '.join(unknown)}; known: {', '.join(PREREQUISITES)}", file=sys.stderr)
        return 2
    if action == "hint" and len(names) != 1:
        action = ""  # the usage below
    elif action == "has":
        return 0 if all(PREREQUISITES[name].find() is not None for name in names or PREREQUISITES) else 1
    elif action == "hint":
        print(PREREQUISITES[names[0]].hint)
        return 0
    elif action == "install":
        still_missing = install(names or list(PREREQUISITES))
        if still_missing and in_ci():
            for prerequisite in still_missing:
                print(f"prerequisites: missing {prerequisite.name}: {prerequisite.hint}", file=sys.stderr)
            print("prerequisites: CI=true runs every test, so a missing prerequisite fails the run", file=sys.stderr)
            return 1
        return 0  # the tests that need them are skipped and listed at the end of the run
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
