"""Every check the project has, in one command (`make test`).

Lint, format, types and import contracts first, then the whole test suite on SQLite and
again on PostgreSQL when a server is reachable. On CI (CI=true) PostgreSQL is required:
an unreachable server fails the run instead of silently testing less.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/test"


def run(title: str, command: list[str], env: dict[str, str] | None = None) -> bool:
    print(f"\n=== {title}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    code = subprocess.call(command, env={**os.environ, **(env or {})})  # noqa: S603
    print(
        f"=== {title}: {'ok' if code == 0 else f'FAILED ({code})'} "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return code == 0


def postgres_reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://"), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def main(argv: list[str]) -> int:
    bin_dir = os.path.dirname(sys.executable)
    tool = lambda name: os.path.join(bin_dir, name)  # noqa: E731
    pytest_args = [tool("pytest"), "-n", os.environ.get("TEST_WORKERS", "2"), *argv]
    results = {
        "ruff check": run("ruff check", [tool("ruff"), "check", "."]),
        "ruff format": run("ruff format", [tool("ruff"), "format", "--check", "."]),
        "mypy": run("mypy", [tool("mypy"), "townhall"]),
        "import contracts": run("import contracts", [tool("lint-imports")]),
        "tests on SQLite": run(
            "tests on SQLite", pytest_args, {"TESTING": "1", "DATABASE_URL": ""}
        ),
    }
    pg_url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)
    if postgres_reachable(pg_url):
        results["tests on PostgreSQL"] = run(
            "tests on PostgreSQL", pytest_args, {"TESTING": "1", "DATABASE_URL": pg_url}
        )
    elif os.environ.get("CI") == "true":
        print(f"PostgreSQL is not reachable at {pg_url}, and CI requires it.")
        results["tests on PostgreSQL"] = False
    else:
        print(f"\nPostgreSQL not reachable at {pg_url}: skipped the PostgreSQL run.")
    print("\nSummary:")
    for name, ok in results.items():
        print(f"  {'ok    ' if ok else 'FAILED'}  {name}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
