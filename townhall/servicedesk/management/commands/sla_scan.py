"""``townhall sla-scan [--every SECONDS]``: the periodic service-level scan.

Run it from cron (``*/5 * * * * townhall sla-scan``), a systemd timer, or as a long-lived
process with ``--every 300`` (what the demo does). Each pass works in batches, one short
transaction each, until nothing is due; overlapping runs are safe (see
``services.scan_service_levels``).
"""

from __future__ import annotations

import signal
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from townhall.lib.actors import Actor
from townhall.servicedesk.services import ScanReport, scan_service_levels

MAX_BATCHES = 1000


class Command(BaseCommand):
    help = "Flag requests at risk and breached, escalate, and remind about stale requests."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds")
        parser.add_argument("--batch", type=int, default=None, help="rows per transaction")

    def handle(self, *args: Any, every: int = 0, batch: int | None = None, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        if every:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            total = self.scan_until_done(batch)
            self.stdout.write(
                f"sla-scan: at risk {total.at_risk}, breached {total.breached}, "
                f"escalated {total.escalated}, reminded {total.reminded}, "
                f"messages {total.notified}"
            )
            if not every:
                return
            deadline = time.monotonic() + every
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(1.0, every))
            if stopping:
                return

    def scan_until_done(self, batch: int | None) -> ScanReport:
        actor = Actor.system("sla-scan")
        total = ScanReport()
        for _ in range(MAX_BATCHES):
            report = scan_service_levels(actor, batch=batch)
            for key, value in report.as_dict().items():
                setattr(total, key, getattr(total, key) + value)
            if not report:
                break
        return total
