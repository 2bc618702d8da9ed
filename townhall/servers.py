"""Long-running processes: the production web server and the demo (web + worker)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType


def _gunicorn_args(bind: str, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "townhall.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        # API keys sent in query strings never reach the log (townhall/accesslog.py).
        "--logger-class",
        "townhall.accesslog.RedactingLogger",
        "--graceful-timeout",
        "10",
        # gunicorn's longest request line (its default is 4,094 bytes): room for ~500
        # request ids in one Open311 service_request_id list.
        "--limit-request-line",
        "8190",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]


def serve(argv: list[str]) -> int:
    """Run gunicorn in the foreground (exec), after collecting static files."""
    parser = argparse.ArgumentParser(prog="townhall serve")
    parser.add_argument("--bind", default=os.environ.get("BIND", "0.0.0.0:8000"))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1)),
    )
    # One thread: gunicorn's sync workers, one request at a time per process. Measured on
    # 2 cores with 1M requests (docs/benchmarks.md): threads share a process's GIL and, on
    # SQLite, its write lock; 3 sync workers served 40-50% more per CPU-second than
    # 3 x 4 gthread (p95 list 38 ms vs 76 ms, 281 vs 168 POST/s). Sync workers want a
    # buffering proxy (nginx) in front for slow clients, as gunicorn's docs say.
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 1)))
    args = parser.parse_args(argv)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)
    os.execv(sys.executable, _gunicorn_args(args.bind, args.workers, args.threads))  # noqa: S606
    return 0  # not reached


def demo(argv: list[str]) -> int:
    """Migrate, build Riverton if the database is empty, print logins, serve with a worker."""
    parser = argparse.ArgumentParser(prog="townhall demo")
    parser.add_argument("--bind", default="127.0.0.1:8000")
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help="number of historical requests to generate (default: the builder's)",
    )
    parser.add_argument("--no-serve", action="store_true", help="build and print, then exit")
    args = parser.parse_args(argv)

    import django
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    # The demo serves static files from the apps (WhiteNoise's finders); an empty
    # STATIC_ROOT keeps WhiteNoise from warning that it is missing.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    credentials = _demo_credentials(Path(settings.VAR_DIR) / "demo-credentials.txt", args.requests)
    print()
    print(
        f"Riverton is at http://{args.bind}/  (Open311: http://{args.bind}/open311/discovery.json)"
    )
    print(credentials)
    print()
    if args.no_serve:
        return 0
    return _run_web_and_worker(args.bind)


def _demo_credentials(path: Path, requests: int | None) -> str:
    """The logins and API key: printed when built, and kept (owner-only) for later starts."""
    from townhall.demo.builder import build_demo_city, demo_exists

    if demo_exists():
        if path.exists():
            return path.read_text()
        return (
            f"Riverton exists but {path} is missing; use `townhall createsuperuser` and "
            "`townhall apikey create NAME`."
        )
    print("Building the demo city Riverton (first start only)…", flush=True)
    text = build_demo_city(requests=requests, stdout=sys.stdout).as_text()
    path.touch(mode=0o600)
    path.write_text(text)
    return text


def _run_web_and_worker(bind: str) -> int:
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "townhall.cli", "worker", "--no-reload", "--interval", "1"]
    )
    # Service levels: flag at-risk and breached requests, escalate, remind, every 5 minutes.
    scanner = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "townhall.cli", "sla-scan", "--every", "300"]
    )
    web = subprocess.Popen(_gunicorn_args(bind, workers=2, threads=4))  # noqa: S603
    children = [web, worker, scanner]

    def stop(signum: int, frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    stop(signal.SIGTERM, None)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
    print("Stopped.")
    return 0
