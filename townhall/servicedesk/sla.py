"""Service levels: when a request is due, when it turns at risk, and how it ended.

Both moments are computed once, when the request is filed (or re-categorised), and stored
on the row; the periodic scan (:func:`services.scan_service_levels`) then only reads the
few rows whose moment has passed, through an index, instead of recomputing every open
request's clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from townhall.lib.memo import ExpiringMemo
from townhall.servicedesk.calendar import WorkingTime, add_working_hours
from townhall.servicedesk.models import (
    OPEN_STATUSES,
    BusinessCalendar,
    Holiday,
    ServiceLevel,
    SlaState,
)


@dataclass(frozen=True)
class Targets:
    expected_at: datetime | None
    at_risk_at: datetime | None
    state: str


NO_TARGET = Targets(None, None, SlaState.NONE)

_cache: dict[tuple[int, int], WorkingTime] = {}
_lock = threading.Lock()


def working_time(calendar: BusinessCalendar, zone_name: str) -> WorkingTime:
    """The calendar as plain values; cached per (calendar, version) across requests."""
    key = (calendar.pk, calendar.version)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    holidays = frozenset(Holiday.objects.filter(calendar=calendar).values_list("date", flat=True))
    value = WorkingTime(
        zone=ZoneInfo(zone_name),
        working_days=frozenset(int(d) for d in calendar.working_days if d.isdigit()),
        day_start=calendar.day_start,
        day_end=calendar.day_end,
        holidays=holidays,
    )
    with _lock:
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = value
    return value


# Each service's level, kept per worker for a few seconds and dropped when a level,
# calendar or holiday is saved here (apps.py). Read-only: threads share the instances.
levels = ExpiringMemo(30.0, max_entries=1024)


def level_for(service_id: int) -> ServiceLevel | None:
    def load() -> ServiceLevel | None:
        return (
            ServiceLevel.objects.filter(service_id=service_id, is_active=True)
            .select_related("calendar", "service__jurisdiction")
            .first()
        )

    level: ServiceLevel | None = levels.get(service_id, load)
    return level


def targets_for(service_id: int, start: datetime) -> Targets:
    level = level_for(service_id)
    if level is None:
        return NO_TARGET
    return targets_with(level, start)


def targets_with(level: ServiceLevel, start: datetime) -> Targets:
    calendar = working_time(level.calendar, level.service.jurisdiction.timezone)
    expected = add_working_hours(start, level.target_hours, calendar)
    risk_hours = max(level.target_hours - level.at_risk_hours, 0)
    at_risk = add_working_hours(start, risk_hours, calendar) if level.at_risk_hours else None
    return Targets(expected, at_risk, SlaState.ON_TRACK)


def closing_state(expected_at: datetime | None, closed_at: datetime) -> str:
    """Met or missed, for a request that closes now; "" when it had no target."""
    if expected_at is None:
        return SlaState.NONE
    return SlaState.MET if closed_at <= expected_at else SlaState.MISSED


def state_for_history(status: str, expected_at: datetime | None, closed_at: datetime | None) -> str:
    """The state of an imported request: open ones join the scan, closed ones are judged."""
    if expected_at is None:
        return SlaState.NONE
    if status in OPEN_STATUSES:
        return SlaState.ON_TRACK
    return closing_state(expected_at, closed_at or expected_at)
