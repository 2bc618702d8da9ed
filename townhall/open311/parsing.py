"""Open311 parameters from the wire into plain values, or an :class:`ApiError`.

Nothing here touches the database. The spec's rule for optional arguments applies
throughout: a parameter that is present but empty is treated as absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.http import QueryDict
from django.utils.dateparse import parse_datetime

from townhall.servicedesk.inputs import ContactInput, PhotoInput, RequestInput
from townhall.servicedesk.media import PhotoError, clean_photo
from townhall.servicedesk.models import Channel, Service

# Dates outside this range are mistakes, and far-future ones overflow date arithmetic.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_PAGE = 100_000
MAX_IDS = 1000
MAX_PHOTOS = 3  # when settings.TOWNHALL has no MAX_PHOTOS
MAX_MEDIA_URL_CHARS = 2000
# Column sizes of the fields that check_request does not measure (PostgreSQL would
# refuse a longer value with an error instead of a clear answer).
FIELD_LIMITS = {"address_string": 500, "address_id": 100, "zipcode": 20, "email": 254}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")
_ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[^\[\]]+)\](?P<many>\[\])?$")
# A time followed by a space and an HH:MM (or HHMM, HH) offset: an unencoded '+'.
_SPACE_OFFSET = re.compile(
    r"^(\d{4}-\d\d-\d\d[Tt]\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d(?::?\d\d)?)$"
)
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class ApiError(Exception):
    """A call that cannot be answered; becomes the spec's error list with ``status``."""

    def __init__(self, status: int, *descriptions: str, problems: Iterable[tuple[int, str]] = ()):
        self.status = status
        self.problems = [(status, d) for d in descriptions] + list(problems)
        super().__init__("; ".join(d for _, d in self.problems))


def bad_request(description: str) -> ApiError:
    return ApiError(400, description)


class Params:
    """Request parameters from one or more sources (a POST body, then the query string)."""

    def __init__(self, *sources: QueryDict):
        self.sources = sources

    def get(self, name: str) -> str:
        for source in self.sources:
            value = source.get(name, "")
            if isinstance(value, str) and value.strip():
                return value.strip()
        return ""

    def getlist(self, name: str) -> list[str]:
        """Values declared several times and/or comma-delimited, in order, without blanks."""
        items: list[str] = []
        for source in self.sources:
            for value in source.getlist(name):
                items += [piece.strip() for piece in value.split(",") if piece.strip()]
        return items


def reject_nul(*sources: QueryDict) -> None:
    """NUL cannot be stored (PostgreSQL refuses it) and is never meaningful in a parameter."""
    for source in sources:
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise bad_request(f"parameter {shown(key)} contains a NUL character")


def reject_nul_in_path(**pieces: str) -> None:
    for name, value in pieces.items():
        if "\x00" in value:
            raise bad_request(f"{name} contains a NUL character")


def shown(value: str) -> str:
    """A value quoted in an error: without NULs, and short, since errors echo client input."""
    return repr(value.replace("\x00", "")[:60])


# --- dates, flags, lists, pages -------------------------------------------------------


def parse_moment(name: str, text: str) -> datetime | None:
    """An ISO 8601 date and time with a time zone, or None when the parameter is absent."""
    if not text:
        return None
    moment: datetime | None = None
    if len(text) <= 64:
        try:
            moment = parse_datetime(_repair_w3(text))
        except (ValueError, OverflowError, TypeError):
            moment = None
    if moment is None:
        raise bad_request(f"{name} must be an ISO 8601 date and time, like 2026-01-31T00:00:00Z")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise bad_request(
            f"{name} must include a time zone: Z or an offset like 2026-01-31T00:00:00-05:00"
        )
    if not EARLIEST <= moment <= LATEST:
        raise bad_request(f"{name} must be between 1970 and 2100")
    return moment


def _repair_w3(text: str) -> str:
    """Undo two harmless client slips: a '+' offset sent unencoded (which a query string
    decodes to a space) and a lower-case 't'/'z' (RFC 3339 allows both)."""
    return _SPACE_OFFSET.sub(r"\1+\2", text).upper()


def date_window(
    start: datetime | None,
    end: datetime | None,
    now: datetime,
    days: int,
    names: tuple[str, str] = ("start_date", "end_date"),
) -> tuple[datetime, datetime]:
    """The searched span: given dates, else ``days`` before ``end`` or after ``start``."""
    span = timedelta(days=days)
    start_name, end_name = names
    if start is None and end is None:
        return now - span, now
    if start is None:
        assert end is not None
        return end - span, end
    if end is None:
        return start, start + span
    if end < start:
        raise bad_request(f"{end_name} is earlier than {start_name}")
    if end - start > span:
        raise bad_request(f"{start_name} to {end_name} may not span more than {days} days")
    return start, end


def parse_flag(name: str, text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if not lowered or lowered in _FALSE:
        return False
    raise bad_request(f"{name} must be true or false")


def parse_statuses(values: list[str]) -> set[str]:
    """Open311 statuses asked for; an empty set means all."""
    wanted = {v.lower() for v in values}
    unknown = wanted - {"open", "closed"}
    if unknown:
        raise bad_request("status must be open, closed, or both separated by a comma")
    return set() if wanted == {"open", "closed"} else wanted


def parse_ids(name: str, values: list[str]) -> list[str]:
    ids = list(dict.fromkeys(values))
    if len(ids) > MAX_IDS:
        raise bad_request(f"at most {MAX_IDS} values of {name} may be asked for at once")
    return ids


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def parse_page(params: Params) -> Page:
    limits = settings.TOWNHALL
    maximum = limits["OPEN311_MAX_RESULTS"]
    default = min(limits["OPEN311_DEFAULT_PAGE_SIZE"], maximum)
    number = _whole_number("page", params.get("page"), 1, MAX_PAGE)
    size = _whole_number("page_size", params.get("page_size"), default, maximum)
    return Page(number, size)


def _whole_number(name: str, text: str, default: int, maximum: int) -> int:
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < 1:
        raise bad_request(f"{name} must be a whole number from 1 to {maximum}")
    if int(text) > maximum:
        raise bad_request(f"{name} must be a whole number from 1 to {maximum}")
    return int(text)


@dataclass(frozen=True)
class RequestFilter:
    """GET requests: ``ids`` (when given) override every other filter."""

    ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    statuses: set[str] = field(default_factory=set)
    requested: tuple[datetime, datetime] | None = None
    updated: tuple[datetime, datetime] | None = None


def parse_request_filter(params: Params, now: datetime) -> tuple[RequestFilter, Page]:
    ids = parse_ids("service_request_id", params.getlist("service_request_id"))
    if ids:
        # The spec: service_request_id "overrides all other arguments".
        return RequestFilter(ids=ids), Page(1, len(ids))
    days = settings.TOWNHALL["OPEN311_DEFAULT_DAYS"]
    start = parse_moment("start_date", params.get("start_date"))
    end = parse_moment("end_date", params.get("end_date"))
    after = parse_moment("updated_after", params.get("updated_after"))
    before = parse_moment("updated_before", params.get("updated_before"))
    requested = updated = None
    if after or before:
        # Asking by update time drops the default requested_datetime window: "what
        # changed since yesterday" must include old requests closed yesterday.
        updated = date_window(after, before, now, days, ("updated_after", "updated_before"))
        if start or end:
            requested = date_window(start, end, now, days)
    else:
        requested = date_window(start, end, now, days)
    where = RequestFilter(
        service_codes=parse_ids("service_code", params.getlist("service_code")),
        statuses=parse_statuses(params.getlist("status")),
        requested=requested,
        updated=updated,
    )
    return where, parse_page(params)


def parse_update_window(params: Params, now: datetime) -> tuple[datetime, datetime]:
    return date_window(
        parse_moment("start_date", params.get("start_date")),
        parse_moment("end_date", params.get("end_date")),
        now,
        settings.TOWNHALL["OPEN311_DEFAULT_DAYS"],
    )


# --- POST requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class RequestForm:
    """A POSTed request, parsed but not yet checked against the catalogue."""

    lat: float | None
    lon: float | None
    address: str
    address_id: str
    zipcode: str
    description: str
    media_url: str
    attributes: dict[str, Any]
    contact: ContactInput
    photos: tuple[PhotoInput, ...]
    # Wire-level problems (unreadable numbers, malformed parameters, bad uploads), and
    # whether a coordinate was among them (then the location cannot be checked further).
    problems: tuple[str, ...] = ()
    location_unreadable: bool = False

    def as_input(self, service: Service) -> RequestInput:
        return RequestInput(
            service=service,
            lat=self.lat,
            lon=self.lon,
            address=self.address,
            address_id=self.address_id,
            zipcode=self.zipcode,
            description=self.description,
            attributes=self.attributes,
            contact=self.contact,
            channel=Channel.APP,
            photos=self.photos,
            media_url=self.media_url,
        )


def parse_request_form(
    params: Params, body: QueryDict, files: Iterable[UploadedFile]
) -> RequestForm:
    """The parsed form with every wire-level problem listed (one error each).

    The caller adds the catalogue's own checks before answering, so that a client hears
    about every problem of its request in one answer, not in rounds.
    """
    problems: list[str] = []
    lat = _coordinate("lat", params.get("lat"), problems)
    lon = _coordinate("long", params.get("long"), problems)
    location_unreadable = bool(problems)
    for name, limit in FIELD_LIMITS.items():
        if len(params.get(name)) > limit:
            problems.append(f"{name} is longer than {limit} characters")
    media_url = params.get("media_url")
    if media_url:
        problems += _check_media_url(media_url)
    attributes = _attributes(body, problems)
    if any(v.strip() for name in ("media", "media[]") for v in body.getlist(name)):
        # Text where a file belongs: filing without the photo would lose it silently.
        problems.append("media must be a file sent in a multipart/form-data body")
    photos = _photos(list(files), problems)
    return RequestForm(
        lat=lat,
        lon=lon,
        address=params.get("address_string"),
        address_id=params.get("address_id"),
        zipcode=params.get("zipcode"),
        description=params.get("description"),
        media_url=media_url,
        attributes=attributes,
        contact=ContactInput(
            email=params.get("email"),
            first_name=params.get("first_name"),
            last_name=params.get("last_name"),
            phone=params.get("phone"),
            device_id=params.get("device_id"),
            account_id=params.get("account_id"),
        ),
        photos=photos,
        problems=tuple(problems),
        location_unreadable=location_unreadable,
    )


def _coordinate(name: str, text: str, problems: list[str]) -> float | None:
    if not text:
        return None
    if len(text) > 40 or not _NUMBER.match(text):
        problems.append(f"{name} must be a decimal number")
        return None
    return float(text)


def _check_media_url(url: str) -> list[str]:
    if len(url) > MAX_MEDIA_URL_CHARS:
        return [f"media_url is longer than {MAX_MEDIA_URL_CHARS} characters"]
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ["media_url must be an http or https URL"]
    return []


def _attributes(body: QueryDict, problems: list[str]) -> dict[str, Any]:
    """``attribute[CODE]=v`` and ``attribute[CODE][]=v1&attribute[CODE][]=v2`` by code."""
    answers: dict[str, Any] = {}
    for key, values in body.lists():
        if not key.startswith("attribute["):
            continue
        match = _ATTRIBUTE.match(key)
        if match is None:
            problems.append(
                f"parameter {shown(key)} is malformed: use attribute[CODE] or attribute[CODE][]"
            )
            continue
        code = match["code"]
        chosen = [v for v in values if v.strip()]
        if match["many"] or len(chosen) > 1:
            previous = answers.get(code, [])
            answers[code] = (previous if isinstance(previous, list) else [previous]) + chosen
        elif chosen:
            answers[code] = chosen[0]
    return answers


def _photos(uploads: list[UploadedFile], problems: list[str]) -> tuple[PhotoInput, ...]:
    most = int(settings.TOWNHALL.get("MAX_PHOTOS", MAX_PHOTOS))
    if len(uploads) > most:
        problems.append(f"at most {most} media files may be uploaded with a request")
        return ()
    limit = settings.TOWNHALL["MAX_UPLOAD_BYTES"]
    photos = []
    for number, upload in enumerate(uploads, start=1):
        label = "media" if len(uploads) == 1 else f"media file {number}"
        if upload.size is not None and upload.size > limit:
            problems.append(f"{label}: the photo is larger than {_size(limit)}")
            continue
        try:
            photos.append(clean_photo(upload.read()))
        except PhotoError as exc:
            problems.append(f"{label}: {exc}")
    return tuple(photos)


def _size(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{limit:,} bytes"
