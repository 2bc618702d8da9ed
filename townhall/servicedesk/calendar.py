"""Working-time arithmetic: "48 working hours from now" on a business calendar.

Pure functions over plain values; :mod:`sla` loads the calendar rows and caches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A target further out than this is a configuration mistake, not a plan.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class WorkingTime:
    zone: ZoneInfo
    working_days: frozenset[int]  # Monday = 0
    day_start: time
    day_end: time
    holidays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays


def add_working_hours(start: datetime, hours: float, calendar: WorkingTime) -> datetime:
    """The moment ``hours`` working hours after ``start`` (aware), in UTC.

    Time outside working hours does not count: a request filed on Friday evening with an
    8-hour target is due at the end of Monday's working day (or Tuesday's, on a holiday).
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if calendar.day_end <= calendar.day_start or not calendar.working_days:
        raise ValueError("the calendar has no working time")
    remaining = timedelta(hours=hours)
    local = start.astimezone(calendar.zone)
    day = local.date()
    cursor = local
    for _ in range(MAX_DAYS):
        if calendar.is_working_day(day):
            opens = datetime.combine(day, calendar.day_start, tzinfo=calendar.zone)
            closes = datetime.combine(day, calendar.day_end, tzinfo=calendar.zone)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time.min, tzinfo=calendar.zone)
    raise ValueError(f"{hours} working hours do not fit in {MAX_DAYS} days")


def working_hours_between(start: datetime, end: datetime, calendar: WorkingTime) -> float:
    """Working hours from ``start`` to ``end`` (0 when end is before start)."""
    if end <= start:
        return 0.0
    total = timedelta()
    day = start.astimezone(calendar.zone).date()
    last = end.astimezone(calendar.zone).date()
    while day <= last:
        if calendar.is_working_day(day):
            opens = datetime.combine(day, calendar.day_start, tzinfo=calendar.zone)
            closes = datetime.combine(day, calendar.day_end, tzinfo=calendar.zone)
            begin, finish = max(opens, start), min(closes, end)
            if begin < finish:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600
