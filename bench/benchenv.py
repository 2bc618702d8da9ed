"""Where the benchmark databases live, shared by ``seed.py`` and ``open311_load.py``.

The benchmarks never touch the developer's ``var/``: SQLite lives under
``/tmp/th-bench-sqlite`` and PostgreSQL in its own database ``townhall_bench`` (both
overridable through the environment, as the app's own settings are).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SQLITE_VAR_DIR = "/tmp/th-bench-sqlite"
POSTGRES_VAR_DIR = "/tmp/th-bench-postgres"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/townhall_bench"


def detect(db: str | None) -> str:
    """``sqlite`` or ``postgres``: the flag wins, then DATABASE_URL, then SQLite."""
    if db:
        return db
    url = os.environ.get("DATABASE_URL", "")
    return "postgres" if url.startswith(("postgres", "postgresql")) else "sqlite"


def environment(db: str) -> dict[str, str]:
    """The app's settings environment for this benchmark database (development mode)."""
    env = dict(os.environ)
    env.pop("TOWNHALL_ENV", None)
    env.pop("DEBUG", None)
    env.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    if db == "sqlite":
        env.setdefault("TOWNHALL_VAR_DIR", SQLITE_VAR_DIR)
        url = env.get("DATABASE_URL", "")
        if not url.startswith("sqlite"):
            env.pop("DATABASE_URL", None)
    else:
        env.setdefault("TOWNHALL_VAR_DIR", POSTGRES_VAR_DIR)
        url = env.get("DATABASE_URL", "")
        if not url.startswith(("postgres", "postgresql")):
            env["DATABASE_URL"] = POSTGRES_URL
    Path(env["TOWNHALL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def database_url(env: dict[str, str]) -> str:
    """An explicit URL (production settings refuse to start without one)."""
    return env.get("DATABASE_URL") or f"sqlite:///{env['TOWNHALL_VAR_DIR']}/townhall.sqlite3"


def production(env: dict[str, str]) -> dict[str, str]:
    """The same database under the production settings, served over plain HTTP on loopback."""
    return {
        **env,
        "TOWNHALL_ENV": "production",
        "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(env),
        "SECURE_SSL_REDIRECT": "false",
    }


def apply(env: dict[str, str]) -> None:
    """Make ``env`` this process's environment (before Django reads its settings)."""
    os.environ.clear()
    os.environ.update(env)


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark database if it is missing (trust auth on 127.0.0.1)."""
    import psycopg
    from psycopg import sql

    target = url.replace("postgres://", "postgresql://", 1)
    name = target.rsplit("/", 1)[1].split("?")[0]
    admin = target.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created PostgreSQL database {name}", flush=True)
