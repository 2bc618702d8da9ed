"""The ``townhall`` console command.

Most subcommands are Django management commands underneath; a few are shaped for
operators: ``serve`` (gunicorn), ``worker`` (background tasks), ``demo`` (the whole demo
city on one laptop) and ``pb`` (counting any Pabulib file, no database needed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

USAGE = """usage: townhall COMMAND [ARGS]

  demo                     migrate, build the demo city "Riverton" if empty, serve it on
                           http://127.0.0.1:8000 with a background worker (Ctrl-C stops)
  serve [--bind H:P] [--workers N]
                           production web server (gunicorn)
  worker                   background task worker (django-tasks database backend)
  migrate                  create or update the database tables
  createsuperuser          create an administrator account
  apikey create NAME       create an Open311 API key (printed once)
  apikey list | apikey revoke PREFIX
  import-requests FILE --format nyc|boston|MAPPING.toml [--jurisdiction SLUG] [--dry-run]
                  [--encoding cp1252] [--delimiter tab]
                           import a city's 311 export
  sla-scan [--every SECONDS]
                           flag requests at risk or breached, escalate, remind (cron or loop)
  retention                delete personal data past its retention period (daily cron)
  pb tally FILE.pb --rule greedy|mes|phragmen [--satisfaction cost|cardinality]
                   [--completion none|add1] [--json]
                           count a participatory-budgeting election
  pb import FILE.pb [FILE.pb ...] --slug SLUG [--title T] [--rule greedy|mes|phragmen]
                           a past election (one file per budget) becomes a process
  pb count SLUG [--publish]
                           count a closed process with its rule and the comparison
                           rules; --publish makes the results public
  assistant classify [TEXT ...] [--file FILE]
                           what the assistant understands of each message (JSON lines)
  assistant load-content | purge
                           load the knowledge base / purge expired transcripts
  ... and any Django management command (check, shell, dbshell, ...)
"""

# Operator-friendly names for Django commands whose module names cannot have hyphens.
ALIASES = {"import-requests": "import_requests", "build-demo": "build_demo", "sla-scan": "sla_scan"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "pb" and rest[:1] in (["import"], ["count"]):
        # These two need the database: Django management commands (budgeting/management).
        command, rest = f"pb_{rest[0]}", rest[1:]
    elif command == "pb":
        from townhall.budgeting.rules.cli import main as pb_main

        return pb_main(rest)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    _ensure_var_dir()
    if command == "serve":
        from townhall.servers import serve

        return serve(rest)
    if command == "demo":
        from townhall.servers import demo

        return demo(rest)
    if command == "worker":
        command = "db_worker"
    from django.core.management import execute_from_command_line

    execute_from_command_line(["townhall", ALIASES.get(command, command), *rest])
    return 0


def _ensure_var_dir() -> None:
    """The embedded database, uploads and mail files live under var/: on a fresh checkout
    `townhall migrate` (or any command) must not fail because the folder is missing."""
    from django.conf import settings

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    sys.exit(main())
