"""Possible duplicates: open requests of the same service close by, found through a grid.

Every located request carries ``geocell``, the number of the fixed lat/lon grid cell it is
in (cells of ``CELL_DEG`` degrees, about 280 m north–south). A search for a radius lists
the few cells its bounding box touches (2×3 to 3×4 for the default 250 m at 40° N) and asks the
index ``(geocell, service, requested_at)`` for those cells only; exact distances are then
computed on that handful of rows. No table scan, on SQLite or PostgreSQL, and no spatial
extension needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from townhall.lib.geo import EARTH_RADIUS_M, haversine_m
from townhall.servicedesk.models import OPEN_STATUSES, Service, ServiceRequest

CELL_DEG = 0.0025
_ROWS = round(360 / CELL_DEG) + 2  # cells per latitude row, with room for rounding
MAX_RADIUS_M = 5000


def cell_of(lat: float | None, lon: float | None) -> int | None:
    if lat is None or lon is None:
        return None
    row = math.floor((lat + 90.0) / CELL_DEG)
    col = math.floor((lon + 180.0) / CELL_DEG)
    return row * _ROWS + col


def cells_around(lat: float, lon: float, radius_m: float) -> list[int]:
    """Every cell that a circle of ``radius_m`` around the point can touch."""
    radius_m = min(radius_m, MAX_RADIUS_M)
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    coslat = max(math.cos(math.radians(lat)), 0.01)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * coslat))
    row_lo = math.floor((lat - dlat + 90.0) / CELL_DEG)
    row_hi = math.floor((lat + dlat + 90.0) / CELL_DEG)
    col_lo = math.floor((lon - dlon + 180.0) / CELL_DEG)
    col_hi = math.floor((lon + dlon + 180.0) / CELL_DEG)
    return [
        row * _ROWS + col for row in range(row_lo, row_hi + 1) for col in range(col_lo, col_hi + 1)
    ]


@dataclass(frozen=True)
class Candidate:
    request: ServiceRequest
    distance_m: float


def services_compared(service: Service) -> list[int]:
    if service.duplicates_across_group and service.group:
        return list(
            Service.objects.filter(
                jurisdiction_id=service.jurisdiction_id, group=service.group
            ).values_list("pk", flat=True)
        )
    return [service.pk]


def candidates(
    service: Service,
    lat: float | None,
    lon: float | None,
    *,
    now: datetime | None = None,
    exclude_pk: int | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """Open requests that may report the same problem, nearest first."""
    near = nearest_open(service, lat, lon, now=now, exclude_pk=exclude_pk, limit=limit)
    if not near:
        return []
    loaded = (
        ServiceRequest.objects.filter(pk__in=[pk for _, pk in near])
        .select_related("service")
        .only("pk", "public_id", "lat", "lon", "status", "requested_at", "service", "description")
        .in_bulk()
    )
    return [Candidate(loaded[pk], distance) for distance, pk in near if pk in loaded]


def nearest_open(
    service: Service,
    lat: float | None,
    lon: float | None,
    *,
    now: datetime | None = None,
    exclude_pk: int | None = None,
    limit: int = 5,
) -> list[tuple[float, int]]:
    """(distance in metres, primary key) of the nearest open requests within the radius.

    Submitting only needs the nearest key to flag a suspected duplicate, so it stops here
    and saves loading the requests themselves.
    """
    if lat is None or lon is None or not service.duplicate_radius_m:
        return []
    now = now or timezone.now()
    radius = float(service.duplicate_radius_m)
    since = now - timedelta(days=service.duplicate_window_days)
    rows = (
        ServiceRequest.objects.in_cells(cells_around(lat, lon, radius))
        .filter(service_id__in=services_compared(service), requested_at__gte=since)
        .order_by("-requested_at")
        .values_list("pk", "lat", "lon", "status")
    )
    # Status is checked here rather than in SQL: with it in the WHERE clause SQLite's
    # planner may prefer the (service, status, requested_at) index and read every open
    # request of the service city-wide; the cells already narrow the rows to a handful.
    near: list[tuple[float, int]] = []
    for pk, row_lat, row_lon, status in rows[:2000]:
        if pk == exclude_pk or status not in OPEN_STATUSES or row_lat is None or row_lon is None:
            continue
        distance = haversine_m(lat, lon, row_lat, row_lon)
        if distance <= radius:
            near.append((distance, pk))
    near.sort()
    return near[:limit]
