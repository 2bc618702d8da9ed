"""What the Open311 face reads, in a few bounded queries per call (never one per row).

Listing a page of requests costs: the catalogue (services and departments of one
jurisdiction, a few dozen rows, memoised per worker), the page itself (one indexed range
scan on ``requested_at``, plain columns, no joins, each row's first photo looked up by
index in the same statement), and only when asked for, the public timeline and the
answers' questions. No COUNT(*): a page asks for
one row more than it shows to learn whether another page follows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.expressions import CombinedExpression
from django.urls import reverse
from django.utils.translation import get_language

from townhall.lib.memo import ExpiringMemo
from townhall.open311.parsing import ApiError, Page, RequestFilter, shown
from townhall.places.geometry import parse_geometry
from townhall.places.models import Area, Jurisdiction
from townhall.servicedesk.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Department,
    Media,
    RequestUpdate,
    Service,
    ServiceAttribute,
    ServiceRequest,
    Status,
)

REQUEST_FIELDS = (
    "id",
    "public_id",
    "service_id",
    "department_id",
    "area_id",
    "status",
    "status_notes",
    "description",
    "lat",
    "lon",
    "address",
    "address_id",
    "zipcode",
    "requested_at",
    "updated_at",
    "closed_at",
    "expected_at",
    "media_url",
)
EXTENDED_FIELDS = ("channel", "attributes", "parent__public_id", "area__name")


# Jurisdictions and catalogues are read on every call and change a few times a year: each
# worker keeps them briefly (see townhall.lib.memo); saving one clears the copy (apps.py).
REFERENCE_SECONDS = 30.0
reference_data = ExpiringMemo(REFERENCE_SECONDS)


def resolve_jurisdiction(slug: str) -> Jurisdiction:
    """The named jurisdiction; without a name, the only one (the spec's single-city case)."""
    result: Jurisdiction = reference_data.get(("jurisdiction", slug), lambda: _jurisdiction(slug))
    return result


def _jurisdiction(slug: str) -> Jurisdiction:
    if slug:
        found = Jurisdiction.objects.filter(slug=slug).first()
        if found is None:
            raise ApiError(404, "jurisdiction_id provided was not found")
        return found
    candidates = list(Jurisdiction.objects.order_by("pk")[:2])
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ApiError(404, "no jurisdiction is served here yet")
    raise ApiError(400, "jurisdiction_id is required")


def default_jurisdiction() -> Jurisdiction | None:
    return Jurisdiction.objects.default()


def active_services(jurisdiction: Jurisdiction) -> list[tuple[Service, bool]]:
    """Services taking requests, each with whether it has a definition (``metadata``)."""
    services = (
        Service.objects.active()
        .in_jurisdiction(jurisdiction)
        .annotate(attribute_count=Count("attributes"))
    )
    return [(service, service.attribute_count > 0) for service in services]


def find_service(jurisdiction: Jurisdiction, code: str) -> Service:
    """An active service by code, or 404 (an inactive service takes no new requests).

    It comes from the memoised catalogue with its department and questions loaded, and is
    shared by the worker's threads: read it, never change it.
    """
    catalogue = Catalogue.of(jurisdiction)
    pk = catalogue.pks_by_code.get(code)
    service = catalogue.services[pk] if pk is not None else None
    if service is None or not service.is_active:
        raise ApiError(404, f"service_code {shown(code)} was not found")
    return service


def service_ids_for(jurisdiction: Jurisdiction, codes: list[str]) -> list[int]:
    """Services to filter requests by; inactive ones too, since their requests remain."""
    found = Catalogue.of(jurisdiction).pks_by_code
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ApiError(400, *(f"service_code {shown(code)} was not found" for code in unknown))
    return [found[code] for code in dict.fromkeys(codes)]


def token_request(jurisdiction: Jurisdiction, token: str) -> tuple[str, str]:
    try:
        value = uuid.UUID(token)
    except ValueError:
        value = None
    row = (
        ServiceRequest.objects.filter(jurisdiction=jurisdiction, token=value)
        .values_list("token", "public_id")
        .first()
        if value is not None
        else None
    )
    if row is None:
        raise ApiError(404, "token provided was not found")
    return str(row[0]), row[1]


@dataclass
class Catalogue:
    """A jurisdiction's services and departments by primary key, for naming rows."""

    services: dict[int, Service]
    departments: dict[int, str]

    _names: dict[str, dict[int, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, jurisdiction: Jurisdiction) -> Catalogue:
        """The catalogue, shared read-only by the worker's threads for a few seconds."""
        result: Catalogue = reference_data.get(
            ("catalogue", jurisdiction.pk), lambda: cls._load(jurisdiction)
        )
        return result

    @classmethod
    def _load(cls, jurisdiction: Jurisdiction) -> Catalogue:
        return cls(
            services={
                s.pk: s
                for s in Service.objects.in_jurisdiction(jurisdiction)
                .select_related("department")
                .prefetch_related("attributes")
            },
            departments=dict(
                Department.objects.filter(jurisdiction=jurisdiction).values_list("pk", "name")
            ),
        )

    @cached_property
    def pks_by_code(self) -> dict[str, int]:
        return {s.code: pk for pk, s in self.services.items()}

    def is_sensitive(self, service_id: int) -> bool:
        service = self.services.get(service_id)
        return service is None or service.is_sensitive

    @property
    def localized_names(self) -> dict[int, str]:
        """Service names in the active language (computed once per language)."""
        language = (get_language() or "en").split("-")[0]
        names = self._names.get(language)
        if names is None:
            names = {pk: s.localized("name", language) for pk, s in self.services.items()}
            self._names[language] = names
        return names


def find_requests(
    jurisdiction: Jurisdiction, where: RequestFilter, page: Page, extended: bool = False
) -> tuple[list[dict[str, Any]], bool]:
    """One page of requests, newest first, and whether another page follows."""
    rows: QuerySet[ServiceRequest] = ServiceRequest.objects.all()
    if where.ids:
        rows = rows.filter(jurisdiction_id=jurisdiction.pk, public_id__in=where.ids)
    else:
        # A service already pins the jurisdiction; leaving it out lets the database use
        # the (service, status, requested_at) index instead of (jurisdiction, ...).
        if where.service_codes:
            rows = rows.filter(service_id__in=service_ids_for(jurisdiction, where.service_codes))
        elif where.updated is not None:
            # On SQLite, keep the planner off the (jurisdiction, requested_at) index, which
            # would read every row of the city, and on the updated_at index.
            rows = rows.alias(jurisdiction_key=_planner_blind("jurisdiction_id")).filter(
                jurisdiction_key=jurisdiction.pk
            )
        else:
            rows = rows.filter(jurisdiction_id=jurisdiction.pk)
        if where.statuses == {"open"}:
            rows = _only_open(rows)
        elif where.statuses == {"closed"}:
            rows = rows.filter(status__in=sorted(CLOSED_STATUSES))
        elif where.service_codes:
            # Naming every status lets the (service, status, requested_at) index serve the
            # date range; with the service alone SQLite reads all of the service's rows.
            rows = rows.filter(status__in=sorted(Status.values))
        if where.requested is not None:
            rows = rows.filter(
                requested_at__gte=where.requested[0], requested_at__lte=where.requested[1]
            )
        if where.updated is not None:
            rows = rows.filter(updated_at__gte=where.updated[0], updated_at__lte=where.updated[1])
    fields = REQUEST_FIELDS + (EXTENDED_FIELDS if extended else ())
    found = list(
        rows.annotate(first_media_id=FIRST_MEDIA)
        .order_by("-requested_at", "-id")
        .values(*fields, "first_media_id")[page.offset : page.offset + page.size + 1]
    )
    return found[: page.size], len(found) > page.size


def _only_open(rows: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """Open requests, written with literal statuses (our own constants, not input).

    SQLite uses the partial index ``request_open_by_service`` only when the query repeats
    its condition literally; with bound parameters it sorted every open request of the
    service in the window (4 times the CPU on a 1M-row table). ``extra`` is Django's way to
    say it; PostgreSQL gets the same text.
    """
    statuses = ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES))
    table = connection.ops.quote_name(ServiceRequest._meta.db_table)
    return rows.extra(where=[f'{table}."status" IN ({statuses})'])  # noqa: S610


def find_request(jurisdiction: Jurisdiction, public_id: str, extended: bool) -> dict[str, Any]:
    fields = REQUEST_FIELDS + (EXTENDED_FIELDS if extended else ())
    row = (
        ServiceRequest.objects.filter(jurisdiction=jurisdiction, public_id=public_id)
        .annotate(first_media_id=FIRST_MEDIA)
        .values(*fields, "first_media_id")
        .first()
    )
    if row is None:
        raise ApiError(404, f"service_request_id {shown(public_id)} was not found")
    return row


def find_updates(
    jurisdiction: Jurisdiction, window: tuple[datetime, datetime], page: Page
) -> tuple[list[dict[str, Any]], bool]:
    """Public timeline entries in the window, oldest first (the order to apply them in)."""
    fields = ("id", "at", "status", "description", "request__public_id", "request__service_id")
    found: list[dict[str, Any]] = list(
        # Walk the updates' time index and look each request up, rather than walk every
        # request of the city looking for recent updates (SQLite needs telling).
        RequestUpdate.objects.alias(jurisdiction_key=_planner_blind("request__jurisdiction_id"))
        .filter(
            jurisdiction_key=jurisdiction.pk,
            is_public=True,
            at__gte=window[0],
            at__lte=window[1],
        )
        .order_by("at", "id")
        .values(*fields)[page.offset : page.offset + page.size + 1]
    )
    return found[: page.size], len(found) > page.size


def _planner_blind(field: str) -> F | CombinedExpression:
    """``field`` hidden from SQLite's index choice, as it is to PostgreSQL.

    SQLite has no statistics unless someone runs ANALYZE, so it takes any index on the
    filtered column, here (jurisdiction, ...), which holds every row of a one-city
    database; "+ 0" makes the condition a mere filter. PostgreSQL's statistics choose well
    alone, and "+ 0" misleads them: it took the condition for a rare one and scanned
    the whole request table for the updates feed (296 ms instead of 7 ms on 1M requests).
    """
    if connection.vendor == "sqlite":
        return F(field) + 0
    return F(field)


# GeoReport v2 has one media_url per request: the first photo, in the same statement.
FIRST_MEDIA = Subquery(
    Media.objects.filter(request_id=OuterRef("pk")).order_by("created_at", "id").values("id")[:1]
)


def photo_url(media_id: int) -> str:
    """The public URL of a photo. Photos are served by the portal's photo page, which
    refuses sensitive services, so the uploads folder itself never needs to be public."""
    return reverse("portal:photo", kwargs={"media_id": media_id})


def public_timelines(request_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    timelines: dict[int, list[dict[str, Any]]] = {}
    if not request_ids:
        return timelines
    fields = ("request_id", "at", "status", "description")
    update: dict[str, Any]
    for update in (
        RequestUpdate.objects.filter(request_id__in=request_ids, is_public=True)
        .order_by("request_id", "at", "id")
        .values(*fields)
    ):
        timelines.setdefault(update["request_id"], []).append(update)
    return timelines


def questions(service_ids: set[int]) -> dict[int, list[ServiceAttribute]]:
    by_service: dict[int, list[ServiceAttribute]] = {}
    for attribute in ServiceAttribute.objects.filter(service_id__in=service_ids):
        by_service.setdefault(attribute.service_id, []).append(attribute)
    return by_service


# Representative points are costly to compute from large polygons and rarely change; the
# key includes the bounding box so that a redrawn area is computed afresh.
_POINTS: dict[tuple[Any, ...], tuple[float, float] | None] = {}


def area_points(area_ids: set[int]) -> dict[int, tuple[float, float] | None]:
    """(lat, lon) inside each area, used in place of a sensitive request's exact location."""
    if not area_ids:
        return {}
    points: dict[int, tuple[float, float] | None] = {}
    boxes = {
        row[0]: row
        for row in Area.objects.filter(pk__in=area_ids).values_list(
            "pk", "min_lat", "max_lat", "min_lon", "max_lon"
        )
    }
    missing = [pk for pk, box in boxes.items() if box not in _POINTS]
    for pk, geometry in Area.objects.filter(pk__in=missing).values_list("pk", "geometry"):
        point = None
        if geometry is not None:
            try:
                inside = parse_geometry(geometry).representative_point()
                point = (round(inside.y, 6), round(inside.x, 6))
            except ValueError:
                point = None
        if len(_POINTS) > 10_000:
            _POINTS.clear()
        _POINTS[boxes[pk]] = point
    for pk, box in boxes.items():
        points[pk] = _POINTS.get(box)
    return points
