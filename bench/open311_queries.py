"""Every kind of Open311 read on the 1M-request benchmark database, one at a time.

The load test (``open311_load.py``) measures the two calls the issue names under
concurrency; this one checks that the other calls clients make (no filter, date windows,
``updated_after``, several services, ``extensions=true``, XML, the updates feed that
FixMyStreet polls) stay fast at scale too, on SQLite and PostgreSQL. Each call goes through
Django's WSGI handler in this process (no server, no network) and is timed five times;
the median is printed with the status and the body size.

    .venv/bin/python bench/open311_queries.py --db sqlite
    .venv/bin/python bench/open311_queries.py --db postgres

Seed the databases first (``seed.py``). The windows are relative to now, like a client's.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import benchenv

REPEATS = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default=None)
    args = parser.parse_args(argv)
    db = benchenv.detect(args.db)
    os.environ.update(benchenv.environment(db))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    sys.path.insert(0, str(benchenv.ROOT))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from townhall.servicedesk.models import ServiceRequest

    handler = WSGIHandler()
    total = ServiceRequest.objects.count()
    print(f"Open311 reads one at a time: {db}, {total:,} requests, median of {REPEATS}")
    slowest = 0.0
    for path, query in _calls(ServiceRequest):
        _call(handler, path, query)  # warm: the per-worker catalogue memo, caches
        timings, status, size = [], "", 0
        for _ in range(REPEATS):
            started = time.perf_counter()
            status, size = _call(handler, path, query)
            timings.append(time.perf_counter() - started)
        median = statistics.median(timings) * 1000
        slowest = max(slowest, median)
        print(f"{median:8.1f} ms  {status}  {size:>9,} B  {path}?{query}")
    print(f"slowest: {slowest:.1f} ms")
    return 0


def _calls(requests: Any) -> list[tuple[str, str]]:
    now = datetime.now(UTC).replace(microsecond=0)

    def w3(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    recent = requests.objects.order_by("-id").values_list("public_id", flat=True)[500]
    last_year = now - timedelta(days=365)
    v2 = "/open311/v2"
    return [
        (f"{v2}/services.json", ""),
        (f"{v2}/services/POTHOLE.xml", ""),
        (f"{v2}/requests.json", ""),
        (f"{v2}/requests.xml", "page_size=1000"),
        (f"{v2}/requests.json", "status=open"),
        (f"{v2}/requests.json", "status=closed"),
        (f"{v2}/requests.json", "status=open&page=20&page_size=50"),
        (f"{v2}/requests.json", "service_code=POTHOLE,NOISE,STREETLIGHT&status=open,closed"),
        (f"{v2}/requests.json", "service_code=HOMELESS_OUTREACH"),
        (
            f"{v2}/requests.json",
            f"start_date={w3(last_year)}&end_date={w3(last_year + timedelta(days=89))}",
        ),
        (
            f"{v2}/requests.json",
            f"service_code=POTHOLE&status=closed&start_date={w3(last_year)}"
            f"&end_date={w3(last_year + timedelta(days=89))}",
        ),
        (
            f"{v2}/requests.json",
            f"updated_after={w3(now - timedelta(days=27))}&updated_before={w3(now)}",
        ),
        (f"{v2}/requests.json", "extensions=true&page_size=200"),
        (f"{v2}/requests/{recent}.json", "extensions=true"),
        (
            f"{v2}/servicerequestupdates.json",
            f"start_date={w3(now - timedelta(days=8))}&end_date={w3(now)}",
        ),
        (
            f"{v2}/servicerequestupdates.xml",
            f"start_date={w3(now - timedelta(days=27))}&end_date={w3(now)}&page_size=1000",
        ),
    ]


def _call(handler: Any, path: str, query: str) -> tuple[str, int]:
    started: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    body = b"".join(handler(environ, lambda status, headers: started.append(status)))
    return started[0][:3], len(body)


if __name__ == "__main__":
    sys.exit(main())
