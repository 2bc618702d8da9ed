"""Long-running processes: the production web server and the demo (web + worker)."""

from __future__ import annotations

import argparse
import json
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
        "--graceful-timeout",
        "10",
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
        default=int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)),
    )
    parser.add_argument("--threads", type=int, default=1)
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
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    credentials = _demo_credentials(Path(settings.VAR_DIR) / "demo-credentials.json", args.requests)
    _print_credentials(credentials, args.bind)
    if args.no_serve:
        return 0
    return _run_web_and_worker(args.bind)


def _demo_credentials(path: Path, requests: int | None) -> dict[str, object]:
    from townhall.demo.builder import build_demo_city, demo_exists

    if demo_exists():
        if path.exists():
            return dict(json.loads(path.read_text()))
        return {
            "note": f"Riverton exists but {path} is missing; "
            "use `townhall createsuperuser` and `townhall apikey create NAME`."
        }
    print("Building the demo city Riverton (first start only)…", flush=True)
    started = time.monotonic()
    built = build_demo_city(requests=requests, stdout=sys.stdout)
    print(f"Built in {time.monotonic() - started:.0f} s.", flush=True)
    data = built.as_dict()
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o600)
    return data


def _print_credentials(credentials: dict[str, object], bind: str) -> None:
    print()
    print(f"Riverton is at http://{bind}/  (Open311: http://{bind}/open311/discovery.json)")
    lines = credentials.get("lines") or [credentials.get("note", "")]
    for line in lines if isinstance(lines, list) else [lines]:
        print(f"  {line}")
    print()


def _run_web_and_worker(bind: str) -> int:
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "townhall.cli", "worker", "--no-reload", "--interval", "1"]
    )
    web = subprocess.Popen(_gunicorn_args(bind, workers=2, threads=4))  # noqa: S603
    children = [web, worker]

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
