"""Map data for the portal's pages: district outlines, a small gazetteer, settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from townhall.accounts import ratelimit
from townhall.places.geometry import parse_geometry
from townhall.places.models import Area, Jurisdiction
from townhall.servicedesk.models import ServiceRequest

# About 5 m: invisible at street zoom, and it keeps the outlines a few kilobytes.
SIMPLIFY_DEGREES = 0.00005
COORD_DIGITS = 5


def map_config(pick: bool = False) -> dict[str, Any]:
    limits = settings.TOWNHALL
    return {
        "pick": pick,
        "tile_url": limits.get("MAP_TILE_URL") or "",
        "attribution": limits.get("MAP_ATTRIBUTION") or "",
    }


def _rounded(coords: Any) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), COORD_DIGITS)
    return [_rounded(c) for c in coords]


@require_GET
def areas_geojson(request: HttpRequest) -> JsonResponse:
    """The city's districts as GeoJSON, simplified; browsers cache it for an hour."""
    city = Jurisdiction.objects.default()
    features = []
    areas = Area.objects.in_jurisdiction(city).mapped() if city else Area.objects.none()
    for area in areas:
        if not area.geometry:
            continue
        shape = parse_geometry(area.geometry).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        geometry = shape.__geo_interface__
        features.append(
            {
                "type": "Feature",
                "properties": {"code": area.code, "name": area.name},
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": _rounded(geometry["coordinates"]),
                },
            }
        )
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    patch_cache_control(response, public=True, max_age=3600)
    return response


@require_GET
def places(request: HttpRequest) -> JsonResponse:
    """Streets and areas matching ``q``, for the report map's search box."""
    text = request.GET.get("q", "").strip()[:100]
    if len(text) < 2:
        return JsonResponse({"results": []})
    if ratelimit.exceeded(request, "search"):
        return JsonResponse({"results": [], "error": "rate_limited"}, status=429)
    city = Jurisdiction.objects.default()
    results: list[dict[str, Any]] = []
    if city is not None:
        for area in Area.objects.in_jurisdiction(city).mapped().filter(name__icontains=text)[:5]:
            centroid = area.centroid
            if centroid:
                results.append(
                    {"label": area.name, "lat": centroid[0], "lon": centroid[1], "kind": "area"}
                )
        for address, lat, lon in ServiceRequest.objects.in_jurisdiction(city).known_addresses(text):
            results.append(
                {
                    "label": address,
                    "lat": round(lat, 6),
                    "lon": round(lon, 6),
                    "kind": "address",
                }
            )
    return JsonResponse({"results": results[:10]})
