"""Riverton's past: a believable history of service requests, planned with numpy.

Pure code (numpy, shapely, the standard library; no Django): it returns plain
:class:`PlannedRequest` rows that the builder hands to ``load_history``. The same seed and
the same ``now`` give the same history.

What is in it, so that later features have something true to find:

- seasonality per service (potholes peak in March–April after freeze-thaw, snow and ice
  only December–March in bursts after storms, rats and noise in summer, tree damage and
  sewer backups after thunderstorms, water main breaks in cold snaps, "no heat" in winter),
  a weekday cycle (quiet weekends, Monday peaks for missed collections, noise on Friday and
  Saturday nights), an hour-of-day shape per service, and missed collections after
  holidays;
- districts that differ: who reports what (rats in old dense housing, dumping in Ironworks
  and Eastgate, noise in Old Town and University Hill), how readily they report, which
  channels they use (phone where people are older or offline, the app where they are
  young), and how fast the city closes their requests: Riverside, Eastgate and Ironworks
  wait about 1.7–1.9× longer (the equity signal);
- lognormal times to close per service, slower when demand spikes; a stale backlog of
  never-closed requests, larger in slowly served districts;
- duplicates: repeat reports of the same problem close in time and space, closed as
  ``duplicate`` with a parent;
- two planted anomalies: a three-week rat outbreak around one block of Millbrook in the
  most recent July, and a surge of illegal dumping in Eastgate over the last 14 days.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely

from townhall.demo.catalogue import DEPARTMENTS, SERVICES, Attribute, ServiceSpec
from townhall.demo.city import (
    DISTRICTS,
    KM_PER_DEG_LAT,
    KM_PER_DEG_LON,
    CityMap,
    addresses,
    cross_street,
    sample_points,
)
from townhall.demo.patterns import (
    ACK_NOTES,
    ASSISTANT_LAUNCH_MONTHS,
    CHANNEL_BIAS,
    CHANNELS,
    DUPLICATE_NOTE,
    FIRST_NAMES,
    FIRST_NAMES_ES,
    HOURS,
    LAST_NAMES,
    LAST_NAMES_ES,
    PARK_OF_DISTRICT,
    PATTERNS,
    WEEKDAYS,
    Pattern,
)

DAY = 86_400.0
HOUR = 3_600.0
NEVER = math.inf

# Status values as stored (see townhall.servicedesk.models.Status).
NEW, ACKNOWLEDGED = "new", "acknowledged"
CLOSED, NO_FURTHER_ACTION, NOT_RESPONSIBLE, DUPLICATE = (
    "closed",
    "no_further_action",
    "not_responsible",
    "duplicate",
)
OUTCOMES = (CLOSED, NO_FURTHER_ACTION, NOT_RESPONSIBLE)

STALE_RATE = 0.004  # share never closed, before the district's lag (squared) is applied
DEFAULT_PER_YEAR = 25_000


@dataclass(frozen=True)
class PlannedRequest:
    ref: str
    service: str
    district: str
    lon: float
    lat: float
    address: str
    zipcode: str
    description: str
    attributes: dict[str, Any]
    channel: str
    requested_at: datetime
    status: str
    status_notes: str
    updated_at: datetime
    closed_at: datetime | None
    updates: tuple[tuple[datetime, str, str], ...]
    contact: dict[str, str] | None = None
    parent_ref: str = ""
    language: str = "en"


@dataclass
class Plan:
    requests: list[PlannedRequest]
    events: list[tuple[date, str]] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)


# --- the calendar --------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def city_holidays(year: int) -> list[tuple[date, str, bool]]:
    """City Hall's holidays: (date, name, whether trash collection stops that day)."""
    thanksgiving = _nth_weekday(year, 11, 3, 4)
    return [
        (date(year, 1, 1), "New Year's Day", True),
        (_nth_weekday(year, 1, 0, 3), "Martin Luther King Jr. Day", False),
        (_nth_weekday(year, 2, 0, 3), "Presidents' Day", False),
        (_last_weekday(year, 5, 0), "Memorial Day", True),
        (date(year, 6, 19), "Juneteenth", False),
        (date(year, 7, 4), "Independence Day", True),
        (_nth_weekday(year, 9, 0, 1), "Labor Day", True),
        (_nth_weekday(year, 10, 0, 2), "Indigenous Peoples' Day", False),
        (date(year, 11, 11), "Veterans Day", False),
        (thanksgiving, "Thanksgiving", True),
        (thanksgiving + timedelta(days=1), "Day after Thanksgiving", False),
        (date(year, 12, 25), "Christmas Day", True),
    ]


def collection_holidays(year: int) -> list[date]:
    """Holidays on which trash is not collected (the week's routes slide by a day)."""
    return [day for day, _name, stops in city_holidays(year) if stops]


def office_holidays(year: int) -> list[date]:
    return [day for day, _name, _stops in city_holidays(year)]


class Calendar:
    """The days of the history in local time, their UTC offsets and the weather."""

    def __init__(self, now: datetime, years: float, tz: ZoneInfo, rng: np.random.Generator):
        self.tz = tz
        self.now = now.timestamp()
        local_now = now.astimezone(tz)
        self.today = local_now.date()
        n_days = max(2, round(365.25 * years))
        self.first = self.today - timedelta(days=n_days - 1)
        self.dates = [self.first + timedelta(days=i) for i in range(n_days)]
        self.n = n_days
        self.month = np.array([d.month for d in self.dates])
        self.dow = np.array([d.weekday() for d in self.dates])
        self.doy = np.array([d.timetuple().tm_yday for d in self.dates], dtype=float)
        epoch = date(1970, 1, 1)
        # Local midnight read as if it were UTC: local wall-clock seconds.
        self.midnight = np.array([(d - epoch).days * DAY for d in self.dates])
        self.offsets = np.array(
            [
                [_offset(tz, datetime(d.year, d.month, d.day, h)) for h in range(24)]
                for d in self.dates
            ]
        )
        self.today_elapsed = (
            local_now.hour * HOUR + local_now.minute * 60 + local_now.second
        ) / DAY
        # UTC → local wall clock, by UTC hour.
        self.t0 = self.midnight[0] - self.offsets[0, 0] - DAY
        hours = int((self.now - self.t0) / HOUR) + 72
        self.utc_offsets = np.array([_offset_at(tz, self.t0 + h * HOUR) for h in range(hours)])
        years_in = {d.year for d in self.dates}
        holidays = {h for y in years_in for h in office_holidays(y)}
        self.office_holiday = np.array([d in holidays for d in self.dates])
        self.events: list[tuple[date, str]] = []
        self.series = self._weather_and_holidays(rng, sorted(years_in))

    def index(self, day: date) -> int | None:
        i = (day - self.first).days
        return i if 0 <= i < self.n else None

    def local(self, utc: np.ndarray) -> np.ndarray:
        """UTC seconds → local wall-clock seconds."""
        h = np.clip(((utc - self.t0) // HOUR).astype(int), 0, len(self.utc_offsets) - 1)
        return utc + self.utc_offsets[h]

    def _add(
        self,
        series: np.ndarray,
        start: date,
        kernel: Sequence[float],
        weight: float,
        months: set[int] | None = None,
    ) -> None:
        for k, value in enumerate(kernel):
            i = self.index(start + timedelta(days=k))
            if i is not None and (months is None or self.dates[i].month in months):
                series[i] += weight * value

    def _weather_and_holidays(
        self, rng: np.random.Generator, years: list[int]
    ) -> dict[str, np.ndarray]:
        s = {
            name: np.zeros(self.n)
            for name in (
                "snow",
                "freeze_thaw",
                "storm",
                "cold",
                "heat",
                "holiday",
                "fireworks",
                "month_end",
            )
        }
        winter = {12, 1, 2, 3}
        freeze_kernel = [0.0] * 5 + [math.sin(math.pi * k / 30) * 0.35 for k in range(30)]
        for year in range(years[0] - 1, years[-1] + 1):
            # Snow storms between early December and late March; one winter in two has a
            # blizzard.
            season_start = date(year, 12, 5)
            for _ in range(1 + int(rng.poisson(5))):
                day = season_start + timedelta(days=int(rng.integers(0, 106)))
                severity = float(rng.lognormal(0, 0.6)) * (3.0 if rng.random() < 0.08 else 1)
                self._add(s["snow"], day, (0.6, 1.0, 0.7, 0.45, 0.25, 0.12, 0.06), severity, winter)
                self._add(s["freeze_thaw"], day, freeze_kernel, severity)
                if self.index(day) is not None:
                    self.events.append((day, f"snow storm (severity {severity:.1f})"))
            for _ in range(1 + int(rng.poisson(1.5))):
                day = date(year, 12, 15) + timedelta(days=int(rng.integers(0, 70)))
                length = int(rng.integers(3, 7))
                self._add(s["cold"], day, [1.0] * length + [0.4], 1.0)
                if self.index(day) is not None:
                    self.events.append((day, f"cold snap ({length} days)"))
            storms = int(rng.poisson(7))
            for _ in range(storms):
                day = date(year, 4, 1) + timedelta(days=int(rng.integers(0, 214)))
                severity = float(rng.lognormal(0, 0.7))
                self._add(s["storm"], day, (1.0, 0.6, 0.3, 0.15, 0.05), severity)
                if self.index(day) is not None:
                    self.events.append((day, f"thunderstorm (severity {severity:.1f})"))
            if rng.random() < 0.6:
                day = date(year, 8, 15) + timedelta(days=int(rng.integers(0, 60)))
                self._add(s["storm"], day, (1.0, 0.8, 0.4, 0.2, 0.1), 3.5)
                if self.index(day) is not None:
                    self.events.append((day, "remnants of a tropical storm"))
            for _ in range(1 + int(rng.poisson(1.2))):
                day = date(year, 6, 15) + timedelta(days=int(rng.integers(0, 75)))
                length = int(rng.integers(3, 7))
                self._add(s["heat"], day, [1.0] * length, 1.0)
                if self.index(day) is not None:
                    self.events.append((day, f"heat wave ({length} days)"))
            for holiday in collection_holidays(year):
                self._add(s["holiday"], holiday + timedelta(days=1), (1.0, 0.7, 0.5, 0.3), 1.0)
            self._add(s["fireworks"], date(year, 7, 3), (0.3, 1.0, 0.3), 1.0)
            self._add(s["fireworks"], date(year, 12, 31), (0.3, 0.6), 1.0)
        for i, d in enumerate(self.dates):
            tomorrow = d + timedelta(days=1)
            if d.day <= 2 or (tomorrow + timedelta(days=2)).month != d.month:
                # Moves happen at month ends, most of them in May and August.
                s["month_end"][i] = 2.0 if d.month in (5, 8) or tomorrow.month in (6, 9) else 1.0
        self.events.sort()
        return s


def _offset(tz: ZoneInfo, local: datetime) -> float:
    offset = tz.utcoffset(local)
    return offset.total_seconds() if offset is not None else 0.0


def _offset_at(tz: ZoneInfo, utc_seconds: float) -> float:
    offset = datetime.fromtimestamp(utc_seconds, UTC).astimezone(tz).utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


def _seasonal(monthly: Sequence[float], doy: np.ndarray) -> np.ndarray:
    """Monthly multipliers interpolated smoothly across the year (no steps at month ends)."""
    mids = np.array([15.5, 45, 74.5, 105, 135.5, 166, 196.5, 227.5, 258, 288.5, 319, 349.5])
    values = np.asarray(monthly, dtype=float)
    xs = np.concatenate([[mids[-1] - 365], mids, [mids[0] + 365]])
    ys = np.concatenate([[values[-1]], values, [values[0]]])
    return np.interp(doy, xs, ys)


# --- districts -----------------------------------------------------------------------------


def district_traits() -> list[dict[str, float]]:
    """Each district's traits relative to the city (1.0 = average), demographics included."""
    population = np.array([d.population for d in DISTRICTS], dtype=float)

    def relative(key: str) -> np.ndarray:
        values = np.array([float(d.demographics[key]) for d in DISTRICTS])
        return values / np.average(values, weights=population)

    derived = {
        "affluence": relative("median_household_income"),
        "poverty": relative("share_below_poverty"),
        "renters": relative("share_renters"),
        "over65": relative("share_over_65"),
        "broadband": relative("share_households_with_broadband"),
        "spanish": np.array([float(d.demographics["share_spanish_at_home"]) for d in DISTRICTS]),
        "old_housing": np.exp(
            (1960 - np.array([float(d.demographics["median_year_built"]) for d in DISTRICTS])) / 45
        ),
    }
    return [
        {**d.traits, **{key: float(values[i]) for key, values in derived.items()}}
        for i, d in enumerate(DISTRICTS)
    ]


# --- the generator -------------------------------------------------------------------------


@dataclass
class _Batch:
    """Column arrays for a set of requests while they are being planned."""

    service: np.ndarray  # index into SERVICES
    district: np.ndarray  # index into DISTRICTS
    t_req: np.ndarray  # UTC seconds
    lon: np.ndarray
    lat: np.ndarray
    parent: np.ndarray  # index of the parent in the primaries, or -1
    attributes: list[dict[str, Any]] = field(default_factory=list)
    t_ack: np.ndarray = field(default_factory=lambda: np.zeros(0))
    t_crew: np.ndarray = field(default_factory=lambda: np.zeros(0))
    t_close: np.ndarray = field(default_factory=lambda: np.zeros(0))
    outcome: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))

    def __len__(self) -> int:
        return len(self.service)


class HistoryPlanner:
    def __init__(self, *, seed: int, years: float, now: datetime, tz: ZoneInfo, city_map: CityMap):
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.now = now.timestamp()
        self.calendar = Calendar(now, years, tz, self.rng)
        self.traits = district_traits()
        self.specs: list[ServiceSpec] = list(SERVICES)
        self.patterns: list[Pattern] = [PATTERNS[s.code] for s in self.specs]
        self.polygons = [city_map.districts[d.code] for d in DISTRICTS]
        for polygon in self.polygons:
            shapely.prepare(polygon)
        self.departments = {d.code: d.name for d in DEPARTMENTS}
        self.daily = [self._daily_weights(p) for p in self.patterns]
        self.daily_matrix = np.vstack(self.daily)
        self.daily_mean = self.daily_matrix.mean(axis=1)
        self.texts = {
            (s, language): [_split_condition(t) for t in texts]
            for s, p in enumerate(self.patterns)
            for language, texts in (("en", p.texts), ("es", p.texts_es))
        }
        self.notes = {
            (s, outcome): [_split_condition(t) for t in notes]
            for s, p in enumerate(self.patterns)
            for outcome, notes in (
                (CLOSED, p.closed_notes),
                (NO_FURTHER_ACTION, p.no_action_notes),
                (NOT_RESPONSIBLE, p.not_ours_notes),
                (DUPLICATE, (DUPLICATE_NOTE,)),
            )
        }
        self.hotspots: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.anomalies: list[str] = []

    # -- volumes --------------------------------------------------------------------------

    def _daily_weights(self, pattern: Pattern) -> np.ndarray:
        cal = self.calendar
        weekday = np.asarray(WEEKDAYS[pattern.weekday])
        day_factor = np.where(cal.office_holiday, weekday[6], weekday[cal.dow])
        weights = _seasonal(pattern.season, cal.doy) * day_factor
        boost = np.ones(cal.n)
        for name, coefficient in pattern.events.items():
            boost += coefficient * cal.series[name]
        weights *= boost
        if pattern.winter_only:
            weights *= np.isin(cal.month, (12, 1, 2, 3))
        # A city growing a little, and residents taking to reporting: +5% a year.
        weights *= 1 + 0.05 * (np.arange(cal.n) / 365.25)
        weights[-1] *= cal.today_elapsed
        return weights

    def _district_weights(self, pattern: Pattern) -> np.ndarray:
        weights = []
        for district, traits in zip(DISTRICTS, self.traits, strict=True):
            w = district.population * district.reporting
            for trait, exponent in pattern.drivers.items():
                w *= traits[trait] ** exponent
            weights.append(w)
        array = np.asarray(weights)
        return array / array.sum()

    # -- times and places -----------------------------------------------------------------

    def _times(self, service: int, days: np.ndarray) -> np.ndarray:
        """A UTC time on each local day, from the service's hour-of-day shape."""
        pattern = self.patterns[service]
        cal = self.calendar
        base = np.asarray(HOURS[pattern.hours], dtype=float)
        matrix = np.tile(base, (7, 1))
        if pattern.hours == "office":
            matrix[5:] = np.asarray(HOURS["daytime"])
        if pattern.weekday == "noise":
            matrix[[5, 6], :4] *= 1.9  # Friday and Saturday nights, after midnight
            matrix[[4, 5], 21:] *= 1.5
        cdf = np.cumsum(matrix, axis=1)
        cdf /= cdf[:, -1:]
        u = self.rng.random(len(days))
        hours = (u[:, None] > cdf[cal.dow[days]]).sum(axis=1)
        seconds = self.rng.integers(0, 3600, len(days))
        local = cal.midnight[days] + hours * HOUR + seconds
        utc = local - cal.offsets[days, hours]
        late = utc >= self.now - 60
        if late.any():
            # Today's requests all come before now.
            start = min(cal.midnight[-1] - cal.offsets[-1, 0], self.now - 120)
            utc[late] = self.rng.uniform(start, self.now - 60, int(late.sum()))
        return utc

    def _hotspots(self, service: int, district: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = (service, district)
        if key not in self.hotspots:
            count = 2 + int(self.rng.poisson(3))
            lons, lats = sample_points(self.polygons[district], count, self.rng)
            weights = 1 / np.arange(1, count + 1) ** 1.2
            self.hotspots[key] = (lons, lats, weights / weights.sum())
        return self.hotspots[key]

    def _places(self, service: np.ndarray, district: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rng = self.rng
        n = len(service)
        lons, lats = np.zeros(n), np.zeros(n)
        share = np.array([self.patterns[s].hotspot_share for s in service])
        near_hotspot = rng.random(n) < share
        for k in range(len(DISTRICTS)):
            uniform = np.flatnonzero((district == k) & ~near_hotspot)
            if len(uniform):
                lons[uniform], lats[uniform] = sample_points(self.polygons[k], len(uniform), rng)
        for s, k in sorted(
            {
                (int(a), int(b))
                for a, b in zip(service[near_hotspot], district[near_hotspot], strict=True)
            }
        ):
            rows = np.flatnonzero(near_hotspot & (service == s) & (district == k))
            spot_lons, spot_lats, weights = self._hotspots(s, k)
            chosen = rng.choice(len(weights), len(rows), p=weights)
            spread = 0.12 if self.specs[s].code == "PARK_MAINTENANCE" else 0.04
            lons[rows], lats[rows] = self._jitter(
                spot_lons[chosen], spot_lats[chosen], spread, self.polygons[k]
            )
        return lons, lats

    def _jitter(
        self, lons: np.ndarray, lats: np.ndarray, km: float, polygon: shapely.Geometry
    ) -> tuple[np.ndarray, np.ndarray]:
        x = lons + self.rng.normal(0, km / KM_PER_DEG_LON, len(lons))
        y = lats + self.rng.normal(0, km / KM_PER_DEG_LAT, len(lats))
        outside = ~shapely.contains_xy(polygon, x, y)
        x[outside], y[outside] = lons[outside], lats[outside]
        return x, y

    # -- the plan -------------------------------------------------------------------------

    def plan(self, count: int) -> Plan:
        rng = self.rng
        usable = np.array([w.sum() > 0 for w in self.daily])
        shares = np.array([p.share for p in self.patterns]) * usable
        shares /= shares.sum()
        duplicate_share = float((shares * [p.duplicate_rate for p in self.patterns]).sum())
        anomalies = self._anomalies(count)
        n_duplicates = int(round(count * duplicate_share))
        n_primary = count - n_duplicates - len(anomalies)
        per_service = rng.multinomial(n_primary, shares)

        services, districts, times = [], [], []
        for s, n in enumerate(per_service):
            if n == 0:
                continue
            weights = self.daily[s] / self.daily[s].sum()
            days = rng.choice(self.calendar.n, n, p=weights)
            services.append(np.full(n, s))
            districts.append(
                rng.choice(len(DISTRICTS), n, p=self._district_weights(self.patterns[s]))
            )
            times.append(self._times(s, days))
        service = np.concatenate(services)
        district = np.concatenate(districts)
        t_req = np.concatenate(times)
        lon, lat = self._places(service, district)
        primaries = _Batch(service, district, t_req, lon, lat, np.full(len(service), -1))
        for batch in anomalies.batches:
            primaries = _concat(primaries, batch)
        primaries.attributes = self._answers(primaries)
        self._lifecycle(primaries, duplicate=False)

        children = self._duplicates(primaries, n_duplicates)
        children.attributes = self._answers(children)
        self._lifecycle(children, duplicate=True)

        everything = _concat(primaries, children, keep_lifecycle=True)
        order = np.argsort(everything.t_req, kind="stable")
        rows = self._rows(everything, order, n_primary=len(primaries))
        self.anomalies.extend(anomalies.notes)
        return Plan(requests=rows, events=self.calendar.events, anomalies=self.anomalies)

    def _anomalies(self, count: int) -> _Anomalies:
        """The planted signals (see the module docstring)."""
        cal = self.calendar
        result = _Anomalies()
        codes = [s.code for s in self.specs]
        district_codes = [d.code for d in DISTRICTS]
        if count < 500:
            return result  # too few requests for an outbreak to stand out
        # A rat outbreak around a construction site in Millbrook, in the latest July.
        for year in (cal.today.year, cal.today.year - 1):
            start = date(year, 7, 8)
            if cal.index(start) is not None and cal.index(start + timedelta(days=28)) is not None:
                n = max(3, round(count * 0.0011))
                days = np.array(
                    [cal.index(start + timedelta(days=int(k))) for k in self.rng.integers(0, 21, n)]
                )
                result.add(
                    self,
                    codes.index("RODENT"),
                    district_codes.index("millbrook"),
                    days,
                    spread=0.15,
                )
                result.notes.append(
                    f"rodent outbreak: {n} extra RODENT requests in Millbrook, "
                    f"{start:%Y-%m-%d} to {start + timedelta(days=20):%Y-%m-%d}"
                )
                break
        # Illegal dumping in Eastgate surging over the last two weeks.
        if cal.n > 60:
            n = max(3, round(count * 0.0008))
            days = cal.n - 1 - self.rng.integers(0, 14, n)
            result.add(
                self,
                codes.index("ILLEGAL_DUMPING"),
                district_codes.index("eastgate"),
                days,
                spread=0.25,
            )
            result.notes.append(
                f"dumping surge: {n} extra ILLEGAL_DUMPING requests in Eastgate in the last 14 days"
            )
        return result

    def _answers(self, batch: _Batch) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = [{} for _ in range(len(batch))]
        local = self.calendar.local(batch.t_req)
        local_dow = ((local // DAY).astype(int) + 3) % 7  # 1970-01-01 was a Thursday
        for s, spec in enumerate(self.specs):
            rows = np.flatnonzero(batch.service == s)
            if not len(rows):
                continue
            for attribute in spec.attributes:
                if not attribute.variable:
                    continue
                values = self._answer(spec, attribute, rows, batch, local_dow)
                answered = (
                    np.ones(len(rows), dtype=bool)
                    if attribute.required
                    else self.rng.random(len(rows)) < attribute.answer_rate
                )
                for i, row in enumerate(rows):
                    if answered[i] and values[i] != "":
                        answers[row][attribute.code] = values[i]
        return answers

    def _answer(
        self,
        spec: ServiceSpec,
        attribute: Attribute,
        rows: np.ndarray,
        batch: _Batch,
        local_dow: np.ndarray,
    ) -> list[Any]:
        rng = self.rng
        n = len(rows)
        keys = [c.key for c in attribute.values]
        if attribute.code == "COLLECTION_DAY":
            # The day reported, or the collection day before it; at weekends, Friday's.
            dow = local_dow[rows]
            earlier = rng.random(n) < 0.35
            day = np.where(dow >= 5, 4, np.where(earlier, (dow - 1) % 5, dow))
            return [keys[int(d)] for d in day]
        if attribute.code == "PARK":
            parks = [PARK_OF_DISTRICT.get(DISTRICTS[k].code, "other") for k in batch.district[rows]]
            return [p if rng.random() < 0.85 else "other" for p in parks]
        if attribute.datatype in ("singlevaluelist", "multivaluelist"):
            weights = np.array([c.weight for c in attribute.values])
            if attribute.datatype == "singlevaluelist":
                chosen = rng.choice(len(keys), n, p=weights / weights.sum())
                return [keys[c] for c in chosen]
            # Several choices, drawn by weight without replacement (Gumbel top-k).
            picks = 1 + (rng.random(n) < 0.3) + (rng.random(n) < 0.08)
            scores = np.log(weights) - np.log(-np.log(rng.random((n, len(keys)))))
            ranked = np.argsort(-scores, axis=1)
            return [[keys[c] for c in sorted(ranked[i, : picks[i]])] for i in range(n)]
        if attribute.datatype == "number":
            low, high = attribute.number_range
            spread = (
                np.exp(rng.normal(0, 0.6, n)) * math.sqrt(low * high)
                if low > 0
                else (rng.uniform(low, high, n))
            )
            return [int(v) for v in np.clip(np.round(spread), low, high)]
        if attribute.datatype == "datetime":
            before = attribute.hours_before * HOUR * np.exp(rng.normal(0, 0.7, n))
            moments = batch.t_req[rows] - before
            tz = self.calendar.tz
            return [datetime.fromtimestamp(int(m // 300 * 300), tz).isoformat() for m in moments]
        # string and text: an example, with placeholders filled from the place.
        examples = attribute.examples or ("",)
        chosen = rng.integers(0, len(examples), n)
        crossings = cross_street(batch.lon[rows], batch.lat[rows])
        result = []
        for i in range(n):
            text = examples[chosen[i]]
            if "{" in text:
                text = text.format(
                    cross=crossings[i],
                    n5=f"{int(rng.integers(0, 100_000)):05d}",
                    plate=_plate(rng),
                )
            result.append(text)
        return result

    def _lifecycle(self, batch: _Batch, *, duplicate: bool) -> None:
        """When each request was acknowledged, worked on and closed, and how it ended."""
        rng = self.rng
        n = len(batch)
        lag = np.array([DISTRICTS[k].service_lag for k in batch.district])
        if duplicate:
            # Triage spots a repeat report within a day or so.
            ttc = 0.5 * lag * np.exp(rng.normal(0, 0.9, n)) * DAY
            batch.t_close = batch.t_req + ttc
            batch.t_ack = batch.t_req + np.minimum(
                ttc * 0.5, 3 * HOUR * np.exp(rng.normal(0, 1, n))
            )
            batch.t_crew = np.full(n, NEVER)
            batch.outcome = np.full(n, DUPLICATE, dtype=object)
            return
        median = np.array([self.patterns[s].close_days for s in batch.service]) * lag
        sigma = np.array([self.patterns[s].close_sigma for s in batch.service])
        # Busy days are slow days: a backlog after storms and in pothole season.
        day_index = self._day_index(batch.t_req)
        means = self.daily_mean[batch.service]
        busy = np.where(
            means > 0,
            self.daily_matrix[batch.service, day_index] / np.where(means > 0, means, 1),
            1.0,
        )
        median *= np.clip(1 + 0.5 * (busy - 1), 0.8, 4.0)
        median *= self._urgency(batch)
        ttc = median * np.exp(sigma * rng.normal(0, 1, n)) * DAY
        t_close = self._working_time(batch.t_req + ttc, batch.service)
        # Someone reads the report a few hours later, in working hours.
        t_ack = self._working_time(
            batch.t_req + 3 * HOUR * np.exp(rng.normal(0, 1.0, n)), batch.service
        )
        has_ack = t_ack - batch.t_req < 0.6 * (t_close - batch.t_req)
        batch.t_ack = np.where(has_ack, t_ack, NEVER)
        crew = np.array([self.patterns[s].crew_status for s in batch.service])
        scheduled = crew == "action_scheduled"
        fraction = np.where(scheduled, rng.uniform(0.1, 0.4, n), rng.uniform(0.35, 0.8, n))
        t_crew = batch.t_req + (t_close - batch.t_req) * fraction
        t_crew = np.maximum(t_crew, np.where(has_ack, batch.t_ack + 60, batch.t_req + 60))
        has_crew = (crew != "") & ((t_close - batch.t_req) > DAY)
        batch.t_crew = np.where(has_crew, t_crew, NEVER)
        slow_service = np.array([self.patterns[s].close_days >= 2 for s in batch.service])
        stale = slow_service & (rng.random(n) < STALE_RATE * lag**2)
        batch.t_close = np.where(stale, NEVER, t_close)
        outcome_p = np.array([self.patterns[s].outcomes for s in batch.service])
        u = rng.random(n)
        cdf = np.cumsum(outcome_p, axis=1) / outcome_p.sum(axis=1, keepdims=True)
        batch.outcome = np.array(OUTCOMES, dtype=object)[(u[:, None] > cdf).sum(axis=1).clip(0, 2)]

    def _day_index(self, utc: np.ndarray) -> np.ndarray:
        local = self.calendar.local(utc)
        return np.clip(
            ((local - self.calendar.midnight[0]) // DAY).astype(int), 0, self.calendar.n - 1
        )

    def _urgency(self, batch: _Batch) -> np.ndarray:
        factor = np.ones(len(batch))
        for i, (s, answers) in enumerate(zip(batch.service, batch.attributes, strict=True)):
            for code, value, f in self.patterns[s].urgent:
                answer = answers.get(code)
                if answer == value or (isinstance(answer, list) and value in answer):
                    factor[i] *= f
        return factor

    def _working_time(self, utc: np.ndarray, service: np.ndarray) -> np.ndarray:
        """Move closings into working hours: offices close on weekdays 8–17, crews 7–19."""
        works = np.array([self.patterns[s].works for s in service])
        local = self.calendar.local(np.minimum(utc, self.now + 400 * DAY))
        day = local // DAY
        hour = (local % DAY) / HOUR
        start = np.where(works == "office", 8.0, 7.0)
        end = np.where(works == "office", 17.0, 19.0)
        jitter = self.rng.uniform(0, 3, len(utc)) * HOUR
        early = hour < start
        late = hour >= end
        shifted = local.copy()
        shifted[early] = day[early] * DAY + start[early] * HOUR + jitter[early]
        shifted[late] = (day[late] + 1) * DAY + start[late] * HOUR + jitter[late]
        dow = ((shifted // DAY).astype(int) + 3) % 7
        weekend = (works == "office") & (dow >= 5)
        shifted[weekend] += (7 - dow[weekend]) * DAY
        moved = np.where(works == "always", local, shifted)
        return utc + (moved - local)

    def _duplicates(self, primaries: _Batch, count: int) -> _Batch:
        rng = self.rng
        rate = np.array([self.patterns[s].duplicate_rate for s in primaries.service])
        rate = rate * (primaries.t_req < self.now - 2 * HOUR)
        if count == 0 or rate.sum() == 0:
            empty = np.zeros(0, dtype=int)
            return _Batch(empty, empty, np.zeros(0), np.zeros(0), np.zeros(0), empty)
        parents = rng.choice(len(primaries), count, p=rate / rate.sum())
        start = primaries.t_req[parents]
        end = np.minimum(primaries.t_close[parents], self.now)
        window = end - start
        offset = np.where(
            window > 1800,
            600 + (window - 600) * rng.beta(1.0, 2.5, count),
            600 + rng.exponential(4 * HOUR, count),
        )
        t_req = np.minimum(start + offset, self.now - 60)
        service = primaries.service[parents]
        district = primaries.district[parents]
        lon, lat = np.zeros(count), np.zeros(count)
        for k in range(len(DISTRICTS)):
            rows = np.flatnonzero(district == k)
            if len(rows):
                lon[rows], lat[rows] = self._jitter(
                    primaries.lon[parents[rows]],
                    primaries.lat[parents[rows]],
                    0.025,
                    self.polygons[k],
                )
        return _Batch(service, district, t_req, lon, lat, parents)

    # -- rows -----------------------------------------------------------------------------

    def _rows(self, batch: _Batch, order: np.ndarray, n_primary: int) -> list[PlannedRequest]:
        rng = self.rng
        n = len(batch)
        channels = self._channels(batch)
        refs = [""] * n
        for position, i in enumerate(order.tolist()):
            refs[i] = f"{self.seed}-{position + 1:06d}"
        street_addresses = addresses(batch.lon, batch.lat, rng)
        crossings = cross_street(batch.lon, batch.lat)
        spanish = np.array(
            [float(DISTRICTS[k].demographics["share_spanish_at_home"]) for k in batch.district]
        )
        writes_spanish = rng.random(n) < spanish * 0.55
        describe_rate = {
            "phone": 0.95,
            "web": 0.8,
            "app": 0.55,
            "assistant": 0.9,
            "email": 1.0,
            "walk_in": 0.9,
        }
        describes = rng.random(n) < np.array([describe_rate[c] for c in channels])
        contact_rate = {
            "phone": 0.55,
            "web": 0.65,
            "app": 0.5,
            "assistant": 0.4,
            "email": 1.0,
            "walk_in": 0.7,
        }
        anonymous_ok = np.array([self.specs[s].anonymous for s in batch.service])
        leaves_contact = (rng.random(n) < np.array([contact_rate[c] for c in channels])) | (
            ~anonymous_ok
        )
        hispanic = writes_spanish | (rng.random(n) < spanish * 0.5)
        contacts = _Contacts(rng, n)
        # One draw per row and purpose, and plain Python values: the loop below is the hot
        # spot of the whole build and makes no calls into numpy.
        picks = rng.random((n, 4)).tolist()
        service, district_of, parent = (
            batch.service.tolist(),
            batch.district.tolist(),
            batch.parent.tolist(),
        )
        lons, lats = np.round(batch.lon, 6).tolist(), np.round(batch.lat, 6).tolist()
        times = _Times(batch)
        spanish_writer, described = writes_spanish.tolist(), describes.tolist()
        with_contact, hispanic_name = leaves_contact.tolist(), hispanic.tolist()
        rows = []
        for i in order.tolist():
            s = service[i]
            spec = self.specs[s]
            district = DISTRICTS[district_of[i]]
            channel = channels[i]
            language = "es" if spanish_writer[i] and channel != "phone" else "en"
            answers = batch.attributes[i]
            description = ""
            if described[i]:
                description = self._description(
                    s,
                    answers,
                    street_addresses[i],
                    crossings[i],
                    language,
                    channel,
                    spanish_writer[i],
                    picks[i][0],
                    picks[i][1],
                )
            contact = contacts.get(i, channel, hispanic_name[i]) if with_contact[i] else None
            updates, status, closed_at = self._timeline(times, i, s, answers, picks[i])
            requested = times.requested[i]
            rows.append(
                PlannedRequest(
                    ref=refs[i],
                    service=spec.code,
                    district=district.code,
                    lon=lons[i],
                    lat=lats[i],
                    address=street_addresses[i],
                    zipcode=district.zipcode,
                    description=description,
                    attributes=answers,
                    channel=channel,
                    requested_at=requested,
                    status=status,
                    status_notes=updates[-1][2] if updates else "",
                    updated_at=updates[-1][0] if updates else requested,
                    closed_at=closed_at,
                    updates=tuple(updates),
                    contact=contact,
                    parent_ref=refs[parent[i]] if i >= n_primary else "",
                    language=language,
                )
            )
        return rows

    def _timeline(
        self, times: _Times, i: int, s: int, answers: dict[str, Any], picks: list[float]
    ) -> tuple[list[tuple[datetime, str, str]], str, datetime | None]:
        spec, pattern = self.specs[s], self.patterns[s]
        updates: list[tuple[datetime, str, str]] = []
        t_close = times.close[i]
        closed = t_close <= self.now
        horizon = t_close if closed else self.now
        status = NEW
        t_ack, t_crew = times.ack[i], times.crew[i]
        if t_ack <= horizon and t_ack < t_close:
            note = ACK_NOTES[int(picks[2] * len(ACK_NOTES))].format(
                department=self.departments[spec.department]
            )
            updates.append((_utc(t_ack), ACKNOWLEDGED, note))
            status = ACKNOWLEDGED
        if t_crew <= horizon and t_crew < t_close:
            when = _utc(t_close if math.isfinite(t_close) else t_crew + 7 * DAY)
            local_when = when.astimezone(self.calendar.tz)
            note = pattern.crew_note.format(date=f"{local_when:%A, %B} {local_when.day}")
            updates.append((_utc(t_crew), pattern.crew_status, note))
            status = pattern.crew_status
        if not closed:
            return updates, status, None
        outcome = times.outcome[i]
        notes = self.notes[(s, outcome)]
        fitting = [text for condition, text in notes if _fits(condition, answers)]
        fitting = fitting or [text for _condition, text in notes]
        closed_at = _utc(t_close)
        updates.append((closed_at, outcome, fitting[int(picks[3] * len(fitting))]))
        return updates, outcome, closed_at

    def _channels(self, batch: _Batch) -> list[str]:
        cal = self.calendar
        n = len(batch)
        months = (self.now - batch.t_req) / (30.44 * DAY)
        base = np.column_stack(
            [
                0.30 + 0.006 * months,
                np.full(n, 0.25),
                np.clip(0.25 - 0.004 * months, 0.05, None),
                0.15 * np.clip(1 - months / ASSISTANT_LAUNCH_MONTHS, 0, 1) ** 0.8,
                0.04 + 0.0025 * months,
                0.03 + 0.0005 * months,
            ]
        )
        traits = self.traits
        k = batch.district
        over65 = np.array([traits[d]["over65"] for d in k])
        broadband = np.array([traits[d]["broadband"] for d in k])
        spanish = np.array([traits[d]["spanish"] for d in k])
        poverty = np.array([traits[d]["poverty"] for d in k])
        base[:, 0] *= over65**0.8 * broadband**-1.5
        base[:, 1] *= broadband
        base[:, 2] *= broadband**2 * over65**-0.5
        base[:, 3] *= 1 + 1.5 * spanish
        base[:, 5] *= poverty**0.5
        for s, spec in enumerate(self.specs):
            bias = CHANNEL_BIAS.get(spec.code)
            if bias:
                base[batch.service == s] *= np.asarray(bias)
        local = cal.local(batch.t_req)
        hour = (local % DAY) / HOUR
        dow = ((local // DAY).astype(int) + 3) % 7
        office_open = (hour >= 8.5) & (hour < 16.5) & (dow < 5)
        base[:, 5] *= office_open
        noise = np.array([self.specs[s].code == "NOISE" for s in batch.service])
        phone_open = (hour >= 7) & (hour < 22)
        base[:, 0] *= np.where(phone_open | noise, 1.0, 0.3)
        cdf = np.cumsum(base, axis=1)
        cdf /= cdf[:, -1:]
        chosen = (self.rng.random(n)[:, None] > cdf).sum(axis=1).clip(0, len(CHANNELS) - 1)
        return [CHANNELS[c] for c in chosen]

    def _description(
        self,
        service: int,
        answers: dict[str, Any],
        address: str,
        crossing: str,
        language: str,
        channel: str,
        spanish_speaker: bool,
        pick: float,
        days: float,
    ) -> str:
        texts = self.texts[(service, language)]
        fitting = [text for condition, text in texts if _fits(condition, answers)]
        if not fitting:
            return ""
        text = fitting[int(pick * len(fitting))]
        if "{" in text:
            text = text.format(
                street=address.split(" ", 1)[1],
                address=address,
                cross=crossing,
                days=2 + int(days * 13),
            )
        if channel == "phone":
            caller = "Spanish-speaking caller" if spanish_speaker else "Caller"
            text = f"{caller} reports: {text}"
        return text


@dataclass
class _Anomalies:
    batches: list[_Batch] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(b) for b in self.batches)

    def add(
        self, planner: HistoryPlanner, service: int, district: int, days: np.ndarray, spread: float
    ) -> None:
        polygon = planner.polygons[district]
        (centre_lon,), (centre_lat,) = sample_points(polygon, 1, planner.rng)
        n = len(days)
        lons, lats = planner._jitter(
            np.full(n, centre_lon), np.full(n, centre_lat), spread, polygon
        )
        self.batches.append(
            _Batch(
                np.full(n, service),
                np.full(n, district),
                planner._times(service, days),
                lons,
                lats,
                np.full(n, -1),
            )
        )


def _concat(a: _Batch, b: _Batch, keep_lifecycle: bool = False) -> _Batch:
    joined = _Batch(
        np.concatenate([a.service, b.service]).astype(int),
        np.concatenate([a.district, b.district]).astype(int),
        np.concatenate([a.t_req, b.t_req]),
        np.concatenate([a.lon, b.lon]),
        np.concatenate([a.lat, b.lat]),
        np.concatenate([a.parent, b.parent]).astype(int),
        attributes=[*a.attributes, *b.attributes],
    )
    if keep_lifecycle:
        joined.t_ack = np.concatenate([a.t_ack, b.t_ack])
        joined.t_crew = np.concatenate([a.t_crew, b.t_crew])
        joined.t_close = np.concatenate([a.t_close, b.t_close])
        joined.outcome = np.concatenate([a.outcome, b.outcome])
    return joined


def _split_condition(text: str) -> tuple[tuple[str, str] | None, str]:
    if text.startswith("["):
        condition, rest = text[1:].split("] ", 1)
        code, value = condition.split("=", 1)
        return (code, value), rest
    return None, text


def _fits(condition: tuple[str, str] | None, answers: dict[str, Any]) -> bool:
    if condition is None:
        return True
    answer = answers.get(condition[0])
    return answer == condition[1] or (isinstance(answer, list) and condition[1] in answer)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _plate(rng: np.random.Generator) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    head = "".join(letters[int(i)] for i in rng.integers(0, len(letters), 3))
    return f"{head}-{int(rng.integers(1000, 10_000))}"


@functools.cache
def _ascii(text: str) -> str:
    return (
        unicodedata.normalize("NFKD", text)
        .encode("ascii", "ignore")
        .decode()
        .lower()
        .replace("'", "")
    )


class _Times:
    """A batch's times as plain floats (whole seconds) for the row loop."""

    def __init__(self, batch: _Batch):
        self.ack = np.round(batch.t_ack).tolist()
        self.crew = np.round(batch.t_crew).tolist()
        self.close = np.round(batch.t_close).tolist()
        self.outcome = [str(o) for o in batch.outcome]
        self.requested = [_utc(t) for t in np.round(batch.t_req).tolist()]


class _Contacts:
    """Made-up reporters: names, example.org emails and 555-01xx phone numbers."""

    def __init__(self, rng: np.random.Generator, n: int):
        self.first = rng.random(n).tolist()
        self.last = rng.random(n).tolist()
        self.number = rng.integers(1, 99, n).tolist()
        self.area = rng.integers(0, 4, n).tolist()
        self.line = rng.integers(0, 100, n).tolist()
        self.p = rng.random((n, 3)).tolist()
        self.device = rng.bytes(16 * n)

    def get(self, i: int, channel: str, hispanic: bool) -> dict[str, str]:
        first_names = FIRST_NAMES_ES if hispanic else FIRST_NAMES
        last_names = LAST_NAMES_ES if hispanic else LAST_NAMES
        first = first_names[int(self.first[i] * len(first_names))]
        last = last_names[int(self.last[i] * len(last_names))]
        email = f"{_ascii(first)}.{_ascii(last)}{self.number[i]}@example.org"
        phone = f"{('215', '267', '445', '484')[self.area[i]]}-555-01{self.line[i]:02d}"
        p = self.p[i]
        contact: dict[str, str]
        if channel == "phone":
            contact = {"first_name": first, "phone": phone}
            if p[0] < 0.7:
                contact["last_name"] = last
        elif channel == "email":
            contact = {"email": email}
            if p[0] < 0.6:
                contact.update(first_name=first, last_name=last)
        elif channel == "web":
            contact = {"email": email}
            if p[0] < 0.7:
                contact["first_name"] = first
            if p[1] < 0.5:
                contact["last_name"] = last
            if p[2] < 0.2:
                contact["phone"] = phone
        elif channel == "app":
            contact = {"device_id": self.device[16 * i : 16 * i + 16].hex()}
            if p[0] < 0.4:
                contact["email"] = email
        elif channel == "assistant":
            contact = {"email": email} if p[0] < 0.7 else {"phone": phone}
        else:  # walk_in
            contact = {"first_name": first, "last_name": last}
            if p[0] < 0.6:
                contact["phone"] = phone
        return contact


def default_request_count(years: float) -> int:
    return max(1, round(DEFAULT_PER_YEAR * years))


def plan_history(
    *, seed: int, years: float, count: int, now: datetime, tz: ZoneInfo, city_map: CityMap
) -> Plan:
    """Plan ``count`` requests over the ``years`` before ``now``. Deterministic."""
    planner = HistoryPlanner(seed=seed, years=years, now=now, tz=tz, city_map=city_map)
    return planner.plan(count)
