"""Service desk records as Open311 data (plain dicts and lists for :mod:`renderers`).

Privacy lives here, in one place, for every read endpoint:

* reporter contact data (names, email, phone, device and account ids) is never read;
* a sensitive service's request (``Service.is_sensitive``, e.g. outreach to a person)
  is shown without description, status notes, address, address_id, zipcode, photo or
  free-text answers, and with lat/long moved to its area's representative point (or
  null when it has no mapped area).

Times are written in the jurisdiction's own time zone with its UTC offset
(``2026-11-28T10:35:23-05:00``), to the second, like the spec's examples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from townhall.open311 import queries
from townhall.open311.queries import Catalogue
from townhall.places.models import Jurisdiction
from townhall.servicedesk.models import (
    OPEN_STATUSES,
    Datatype,
    Service,
    ServiceAttribute,
    Status,
)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API's shape last changed. The catalogue has no modification time yet, so
# discovery cannot tell clients when the service list changed (see docs/open311.md).
CHANGESET = "2026-11-28T00:00:00Z"

# Statuses as FixMyStreet's servicerequestupdates reader maps them (mySociety's
# "status_extended" vocabulary); anything else reads as open or closed.
UPDATE_STATUSES = {
    Status.NEW: "open",
    Status.ACKNOWLEDGED: "investigating",
    Status.IN_PROGRESS: "in_progress",
    Status.ACTION_SCHEDULED: "action_scheduled",
    Status.REOPENED: "open",
    Status.DUPLICATE: "duplicate",
    Status.NOT_RESPONSIBLE: "not_councils_responsibility",
    Status.NO_FURTHER_ACTION: "no_further_action",
    Status.CLOSED: "closed",
}
LIST_DATATYPES = {Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST}
FREE_TEXT_DATATYPES = {Datatype.STRING, Datatype.TEXT}


def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class Clock:
    """Formats instants in one jurisdiction's time zone."""

    def __init__(self, jurisdiction: Jurisdiction):
        self.zone = zone(jurisdiction.timezone)

    def __call__(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        return moment.astimezone(self.zone).isoformat(timespec="seconds")


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def absolute_url(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return settings.TOWNHALL["PUBLIC_BASE_URL"].rstrip("/") + url


def _blank_to_none(text: str | None) -> str | None:
    return text if text else None


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# --- catalogue ---------------------------------------------------------------------


def service_data(service: Service, has_attributes: bool) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": service.localized("name"),
        "description": _blank_to_none(service.localized("description")),
        "metadata": has_attributes,
        "type": service.type,
        "keywords": _blank_to_none(", ".join(service.keyword_list)),
        "group": _blank_to_none(service.localized("group")),
    }


def definition_data(service: Service, attributes: list[ServiceAttribute]) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": _blank_to_none(attribute.localized("datatype_description")),
                # The spec's order counts from 1 without gaps; ours may have both.
                "order": position,
                "description": attribute.localized("description"),
                "values": [
                    {"key": str(value.get("key", "")), "name": str(value.get("name", ""))}
                    for value in attribute.values
                    if isinstance(value, dict)
                ],
            }
            for position, attribute in enumerate(attributes, start=1)
        ],
    }


# --- requests ------------------------------------------------------------------------


@dataclass
class RequestContext:
    """What rendering a page of requests needs besides the rows themselves."""

    catalogue: Catalogue
    clock: Clock
    names: dict[int, str] = field(default_factory=dict)
    area_points: dict[int, tuple[float, float] | None] = field(default_factory=dict)
    extended: bool = False
    timelines: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    questions: dict[int, list[ServiceAttribute]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, jurisdiction: Jurisdiction, rows: list[dict[str, Any]], extended: bool
    ) -> RequestContext:
        """Everything the rows refer to, in one query per kind (none when not needed)."""
        catalogue = Catalogue.of(jurisdiction)
        sensitive = [r for r in rows if catalogue.is_sensitive(r["service_id"])]
        ids = [r["id"] for r in rows]
        return cls(
            catalogue=catalogue,
            clock=Clock(jurisdiction),
            names=catalogue.localized_names,
            area_points=queries.area_points({r["area_id"] for r in sensitive if r["area_id"]}),
            extended=extended,
            timelines=queries.public_timelines(ids) if extended else {},
            questions=queries.questions({r["service_id"] for r in rows}) if extended else {},
        )


def request_data(row: dict[str, Any], context: RequestContext) -> dict[str, Any]:
    catalogue = context.catalogue
    service = catalogue.services.get(row["service_id"])
    sensitive = catalogue.is_sensitive(row["service_id"])
    department = row["department_id"]
    data: dict[str, Any] = {
        "service_request_id": row["public_id"],
        "status": open311_status(row["status"]),
        "status_notes": None if sensitive else _blank_to_none(row["status_notes"]),
        "service_name": context.names.get(row["service_id"]),
        "service_code": service.code if service else None,
        "description": None if sensitive else _blank_to_none(row["description"]),
        "agency_responsible": catalogue.departments.get(department) if department else None,
        "service_notice": _blank_to_none(service.service_notice) if service else None,
        "requested_datetime": context.clock(row["requested_at"]),
        "updated_datetime": context.clock(_last_change(row)),
        "expected_datetime": context.clock(row["expected_at"]),
    }
    if sensitive:
        point = context.area_points.get(row["area_id"]) if row["area_id"] else None
        data.update(
            address=None,
            address_id=None,
            zipcode=None,
            lat=point[0] if point else None,
            long=point[1] if point else None,
            media_url=None,
        )
    else:
        media_id = row.get("first_media_id")
        photo = queries.photo_url(media_id) if media_id else None
        data.update(
            address=_blank_to_none(row["address"]),
            address_id=_blank_to_none(row["address_id"]),
            zipcode=_blank_to_none(row["zipcode"]),
            lat=_number(row["lat"]),
            long=_number(row["lon"]),
            # An uploaded photo wins over a client's media_url (GeoReport v2.1 draft).
            media_url=absolute_url(photo) if photo else _blank_to_none(row.get("media_url")),
        )
    if context.extended:
        data["extended_attributes"] = _extended_attributes(row, context, sensitive)
        data["notes"] = [
            _note(update, index, context.clock, sensitive)
            for index, update in enumerate(context.timelines.get(row["id"], []))
        ]
    return data


def _last_change(row: dict[str, Any]) -> datetime:
    """The spec: 'For requests with status=closed, this will be the date the request was
    closed', even when staff touched it afterwards (an internal note, an assignment)."""
    if row["status"] not in OPEN_STATUSES and row.get("closed_at"):
        closed: datetime = row["closed_at"]
        return closed
    updated: datetime = row["updated_at"]
    return updated


def _extended_attributes(
    row: dict[str, Any], context: RequestContext, sensitive: bool
) -> dict[str, Any]:
    parent = row.get("parent__public_id")
    return {
        "channel": row.get("channel"),
        "area": _blank_to_none(row.get("area__name")),
        "duplicate": bool(parent),
        "parent_service_request_id": parent or None,
        "attributes": _answers(
            row.get("attributes") or {}, context.questions.get(row["service_id"], []), sensitive
        ),
    }


def _answers(
    answers: dict[str, Any], attributes: list[ServiceAttribute], sensitive: bool
) -> list[dict[str, Any]]:
    """The resident's answers in the service's order; list answers with their names."""
    shown = []
    if not isinstance(answers, dict):
        return shown
    for attribute in attributes:
        if attribute.code not in answers:
            continue
        if sensitive and attribute.datatype in FREE_TEXT_DATATYPES:
            continue  # free text about a person can identify them
        value = answers[attribute.code]
        entry: dict[str, Any] = {
            "code": attribute.code,
            "description": attribute.localized("description"),
        }
        if attribute.datatype in LIST_DATATYPES:
            names = {
                str(v.get("key")): str(v.get("name", ""))
                for v in attribute.values
                if isinstance(v, dict)
            }
            keys = [str(v) for v in (value if isinstance(value, list) else [value])]
            entry["values"] = [{"key": key, "name": names.get(key, key)} for key in keys]
        else:
            entry["value"] = value if isinstance(value, str | int | float) else str(value)
        shown.append(entry)
    return shown


def _note(update: dict[str, Any], index: int, clock: Clock, sensitive: bool) -> dict[str, Any]:
    status = update["status"]
    if index == 0 and status == Status.NEW:
        kind = "opened"
    elif status in OPEN_STATUSES:
        kind = "activity"
    else:
        kind = "closed"
    return {
        "datetime": clock(update["at"]),
        "type": kind,
        "status": open311_status(status),
        "summary": str(Status(status).label) if status in Status.values else status,
        "description": None if sensitive else _blank_to_none(update["description"]),
    }


def update_data(row: dict[str, Any], catalogue: Catalogue, clock: Clock) -> dict[str, Any]:
    """One entry of the servicerequestupdates feed, as FixMyStreet reads it."""
    sensitive = catalogue.is_sensitive(row["request__service_id"])
    status = row["status"]
    return {
        "update_id": str(row["id"]),
        "service_request_id": row["request__public_id"],
        "status": UPDATE_STATUSES.get(status, open311_status(status)),
        "updated_datetime": clock(row["at"]),
        "description": "" if sensitive else (row["description"] or ""),
        "media_url": "",
    }


# --- discovery ----------------------------------------------------------------------


def discovery_data(jurisdiction: Jurisdiction | None) -> dict[str, Any]:
    base = settings.TOWNHALL["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "changeset": CHANGESET,
        "contact": (jurisdiction.contact if jurisdiction else "")
        or "Contact the city's 311 service desk.",
        "key_service": (jurisdiction.key_service if jurisdiction else "")
        or "API keys for submitting requests are issued by the city's 311 administrators; "
        "reading needs no key.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}/open311/v2/",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
