"""One CSV row to plain values: dates in UTC, a Townhall status, a point, text.

Nothing here touches the database; the catalogue (services, departments, areas) is
resolved afterwards in :mod:`catalogue`. Every problem is attached to the row so that it is
reported with the row's line and id, all problems of a row at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.conf import settings

from townhall.servicedesk.importing.mapping import Mapping, TextOptions, value_key
from townhall.servicedesk.importing.problems import RowProblem
from townhall.servicedesk.importing.reader import Record
from townhall.servicedesk.models import CLOSED_STATUSES, Status

# A created date before this is a placeholder or a typo, not a 311 request.
EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
# Exports are written in the source's local time; allow a day of clock and zone slack.
FUTURE_SLACK = timedelta(days=1)
MAX_ADDRESS_CHARS = 500
MAX_ZIPCODE_CHARS = 20
MAX_REF_CHARS = 100
_SPACES = re.compile(r"[ \t\u00a0]+")
# A no-break space encoded as UTF-8 twice, as NYC's resolution texts carry it ("requested.Â ").
_MOJIBAKE_SPACE = "\u00c2\u00a0"


@dataclass(slots=True)
class ParsedRow:
    line: int
    ref: str
    requested_at: datetime
    updated_at: datetime
    status: Status
    closed_at: datetime | None = None
    expected_at: datetime | None = None
    notes: str = ""
    service_type: str = ""
    service_detail: str = ""
    service_group: str = ""
    department_code: str = ""
    department_name: str = ""
    area_name: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    zipcode: str = ""
    description: str = ""
    channel: str = ""
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def has_location(self) -> bool:
        return self.lat is not None or bool(self.address)


class DateReader:
    """Local times in the export's zone (DST-aware) or times with an offset, to UTC."""

    def __init__(self, formats: list[str], zone: str):
        self.formats = list(formats)
        self.zone = ZoneInfo(zone)

    def parse(self, text: str) -> datetime:
        for position, fmt in enumerate(self.formats):
            try:
                moment = (
                    datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)
                )
            except ValueError:
                continue
            if position:
                # The format that matched last is tried first: one export, one format.
                self.formats.insert(0, self.formats.pop(position))
            if moment.tzinfo is None:
                # fold=0: an ambiguous local time (the repeated autumn hour) is the first one;
                # a time in the spring gap is read with the offset before the change.
                moment = moment.replace(tzinfo=self.zone)
            return moment.astimezone(UTC)
        raise ValueError(text)

    def describe(self) -> str:
        return " or ".join("ISO 8601" if f == "iso" else f for f in self.formats)


class RowParser:
    def __init__(self, mapping: Mapping, positions: dict[str, int], width: int):
        self.mapping = mapping
        self.positions = positions
        self.width = width
        self.nulls = {v.casefold() for v in mapping.csv.null_values}
        self.dates = DateReader(mapping.dates.formats, mapping.dates.timezone)
        self.latest = datetime.now(UTC) + FUTURE_SLACK
        self.max_description = int(settings.TOWNHALL["MAX_DESCRIPTION_CHARS"])
        self.status_rules = [
            (
                rule.column,
                rule.needles,
                re.compile(rule.matches) if rule.matches else None,
                rule.status,
                rule.when,
            )
            for rule in mapping.status.rules
        ]
        self.notes_remove = (
            re.compile(mapping.notes.remove) if mapping.notes and mapping.notes.remove else None
        )
        self.description_remove = (
            re.compile(mapping.description.remove)
            if mapping.description and mapping.description.remove
            else None
        )
        self.placeholders = [(lat, lon) for lat, lon in mapping.location.placeholder_points]

    # -- reading cells ---------------------------------------------------------------------

    def _cell(self, fields: list[str], column: str | None) -> str:
        if column is None:
            return ""
        position = self.positions[column]
        if position < 0:
            return ""
        text = fields[position].strip()
        if text and text.casefold() in self.nulls:
            return ""
        if _MOJIBAKE_SPACE in text:
            text = text.replace(_MOJIBAKE_SPACE, " ")
        return text

    def _line(self, fields: list[str], column: str | None) -> str:
        """A single-line value with runs of spaces collapsed (exports pad with them)."""
        return " ".join(self._cell(fields, column).split())

    # -- the row ---------------------------------------------------------------------------

    def parse(self, record: Record) -> ParsedRow | list[RowProblem]:
        """The row's values, or every problem that makes it unusable."""
        line, fields = record.line, record.fields
        id_column = self.mapping.id_column
        id_position = self.positions[id_column]
        ref = fields[id_position].strip() if id_position < len(fields) else ""
        problems: list[RowProblem] = []

        def problem(column: str, reason: str, detail: str, skipped: bool = True) -> None:
            problems.append(RowProblem(line, ref[:MAX_REF_CHARS], column, reason, detail, skipped))

        for reason, detail in record.notes:
            problem("", reason, detail, skipped=False)
        if record.malformed:
            problem("", "malformed row", self._malformed(record))
            return problems
        extra = fields[self.width :]
        if len(fields) < self.width or any(f.strip() for f in extra):
            problem(
                "",
                "wrong number of fields",
                f"the row has {len(fields)} fields, the header {self.width} "
                "(a stray delimiter or quote?)",
            )
            return problems
        if not ref:
            problem(id_column, "missing id", f"{id_column} is empty")
        elif len(ref) > MAX_REF_CHARS:
            problem(
                id_column, "id too long", f"{id_column} is longer than {MAX_REF_CHARS} characters"
            )

        dates = self.mapping.dates
        created = self._created(fields, problem)
        status = self._status(fields, problem)
        closed = due = updated = None
        if created is not None:
            closed = self._later_date(fields, dates.closed, created, "closed", problem)
            due = self._later_date(fields, dates.due, created, "due", problem, future_ok=True)
            updated = self._later_date(fields, dates.updated, created, "updated", problem)
        if status is not None:
            status = self._refine(fields, status)
            closed = self._closing(fields, status, closed, problem)
        requested_at = created or EARLIEST
        row = ParsedRow(
            line=line,
            ref=ref,
            requested_at=requested_at,
            updated_at=max(d for d in (requested_at, closed, updated) if d is not None),
            status=status or Status.NEW,
            closed_at=closed,
            expected_at=due,
            problems=problems,
        )
        self._location(fields, row, problem)
        self._text(fields, row, problem)
        if any(p.skipped for p in problems):
            return problems
        return row

    @staticmethod
    def _malformed(record: Record) -> str:
        detail = f"not readable as CSV ({record.malformed}): a stray quote?"
        if record.end > record.line:
            # A quote left open swallows the lines up to the next quote: say which.
            detail += (
                f" A quoted field runs from line {record.line} to line {record.end}; the rows "
                "on these lines are not imported"
            )
        return detail

    def _closing(
        self, fields: list[str], status: Status, closed: datetime | None, problem: _Report
    ) -> datetime | None:
        """The closed date fits the status: a closed request has one, an open one none."""
        column = self.mapping.dates.closed
        raw_status = self._cell(fields, self.mapping.status.column)
        if status in CLOSED_STATUSES:
            if closed is None and not self._cell(fields, column):
                problem(
                    column or "",
                    "closed request without a closed date",
                    f"status {raw_status or status.label!r} is closed but there is no closed date",
                    skipped=False,
                )
            return closed
        if closed is not None:
            problem(
                column or "",
                "closed date on an open request",
                f"{column} {self._cell(fields, column)!r} ignored: status {raw_status!r} is open",
                skipped=False,
            )
        return None

    def _created(self, fields: list[str], problem: _Report) -> datetime | None:
        column = self.mapping.dates.created
        text = self._cell(fields, column)
        if not text:
            problem(column, "missing created date", f"{column} is empty")
            return None
        try:
            moment = self.dates.parse(text)
        except ValueError:
            problem(
                column,
                "bad created date",
                f"{column} {text!r} is not a date like {self.dates.describe()}",
            )
            return None
        if moment < EARLIEST:
            problem(column, "created date before 1970", f"{column} {text!r} is before 1970")
            return None
        if moment > self.latest:
            problem(column, "created date in the future", f"{column} {text!r} is in the future")
            return None
        return moment

    def _later_date(
        self,
        fields: list[str],
        column: str | None,
        created: datetime,
        what: str,
        problem: _Report,
        future_ok: bool = False,
    ) -> datetime | None:
        """A date that cannot precede the creation; a wrong one is ignored, not fatal."""
        text = self._cell(fields, column)
        if not text or column is None:
            return None
        try:
            moment = self.dates.parse(text)
        except ValueError:
            problem(
                column,
                f"bad {what} date",
                f"{column} {text!r} is not a date like {self.dates.describe()}",
                skipped=False,
            )
            return None
        if moment < created:
            problem(
                column,
                f"{what} before created",
                f"{column} {text!r} is before {self.mapping.dates.created}",
                skipped=False,
            )
            return None
        if not future_ok and moment > self.latest:
            problem(
                column,
                f"{what} date in the future",
                f"{column} {text!r} is in the future",
                skipped=False,
            )
            return None
        return moment

    def _status(self, fields: list[str], problem: _Report) -> Status | None:
        options = self.mapping.status
        text = self._line(fields, options.column)
        if not text:
            closed = self._cell(fields, self.mapping.dates.closed)
            return Status.CLOSED if closed else Status.NEW
        status = options.values.get(value_key(text), options.default)
        if status is None:
            known = ", ".join(sorted(options.values)) or "none"
            problem(
                options.column or "",
                "unknown status",
                f"{options.column} {text!r} is not in [status.values] (known: {known})",
            )
        return status

    def _refine(self, fields: list[str], status: Status) -> Status:
        closed = status in CLOSED_STATUSES
        for column, needles, pattern, refined, when in self.status_rules:
            if (when == "closed" and not closed) or (when == "open" and closed):
                continue
            text = self._cell(fields, column)
            if not text:
                continue
            if pattern is not None:
                if pattern.search(text):
                    return refined
            elif any(needle in value_key(text) for needle in needles):
                return refined
        return status

    def _location(self, fields: list[str], row: ParsedRow, problem: _Report) -> None:
        options = self.mapping.location
        if options.latitude and options.longitude:
            lat_text = self._cell(fields, options.latitude)
            lon_text = self._cell(fields, options.longitude)
            if lat_text or lon_text:
                point = _point(lat_text, lon_text)
                if isinstance(point, str):
                    problem(
                        f"{options.latitude}/{options.longitude}",
                        "bad coordinates",
                        f"{options.latitude}/{options.longitude} {lat_text!r}/{lon_text!r}: "
                        f"{point}",
                    )
                elif not any(
                    abs(point[0] - lat) < 1e-9 and abs(point[1] - lon) < 1e-9
                    for lat, lon in self.placeholders
                ):
                    row.lat, row.lon = point
        address = ""
        for alternative in options.address:
            columns = [alternative] if isinstance(alternative, str) else alternative
            parts = [p for p in (self._line(fields, c) for c in columns) if p]
            if parts:
                address = options.address_join.join(parts)
                break
        if address:
            suffix = [s for s in (self._line(fields, c) for c in options.address_suffix) if s]
            address = ", ".join([address, *suffix])
        row.address = self._cut(address, MAX_ADDRESS_CHARS, "address", problem)
        zipcode = self._line(fields, options.zipcode)
        row.zipcode = self._cut(zipcode, MAX_ZIPCODE_CHARS, options.zipcode or "", problem)
        if options.required and not row.has_location and not any(p.skipped for p in row.problems):
            problem("location", "no location", "neither coordinates nor an address")

    def _text(self, fields: list[str], row: ParsedRow, problem: _Report) -> None:
        mapping = self.mapping
        service = mapping.service
        row.service_type = self._line(fields, service.column)
        row.service_detail = self._line(fields, service.detail_column)
        row.service_group = self._line(fields, service.group_column)
        if mapping.department:
            row.department_code = self._line(fields, mapping.department.column)
            row.department_name = self._line(fields, mapping.department.name_column)
        if mapping.area:
            row.area_name = self._line(fields, mapping.area.column)
        channel = mapping.channel
        text = self._line(fields, channel.column)
        row.channel = (
            channel.values.get(value_key(text), channel.default) if text else channel.default
        )
        row.notes = self._joined(fields, mapping.notes, self.notes_remove)
        description = self._joined(fields, mapping.description, self.description_remove)
        row.description = self._cut(description, self.max_description, "description", problem)

    def _joined(
        self, fields: list[str], options: TextOptions | None, remove: re.Pattern[str] | None
    ) -> str:
        if options is None:
            return ""
        parts = [self._cell(fields, c) for c in options.columns]
        text = options.separator.join(dict.fromkeys(p for p in parts if p))
        if remove is not None:
            text = remove.sub("", text)
        # Exports pad text with runs of spaces where they dropped commas; keep the newlines.
        return "\n".join(_SPACES.sub(" ", part).strip() for part in text.strip().splitlines())

    @staticmethod
    def _cut(text: str, limit: int, column: str, problem: _Report) -> str:
        if len(text) <= limit:
            return text
        problem(
            column,
            "text too long",
            f"{column} has {len(text)} characters; kept the first {limit}",
            skipped=False,
        )
        return text[: limit - 1] + "…"


class _Report(Protocol):
    """The ``problem`` callback that parsing steps report through."""

    def __call__(self, column: str, reason: str, detail: str, skipped: bool = True) -> None: ...


def _point(lat_text: str, lon_text: str) -> tuple[float, float] | str:
    """(lat, lon), or what is wrong with them."""
    if not lat_text or not lon_text:
        return "latitude and longitude must be given together"
    try:
        lat, lon = _number(lat_text), _number(lon_text)
    except ValueError:
        return "not numbers"
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "not finite numbers"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return "outside -90..90 / -180..180"
    if lat == 0 and lon == 0:
        return "0,0 is the mark of a failed geocode"
    return lat, lon


def _number(text: str) -> float:
    """A float, also with a decimal comma ("40,02") as European exports write them."""
    try:
        return float(text)
    except ValueError:
        if text.count(",") == 1 and "." not in text:
            return float(text.replace(",", "."))
        raise
