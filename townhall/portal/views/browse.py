"""Browse public requests on a map and in a list, near a place, filtered."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from townhall.places.models import Jurisdiction
from townhall.portal.forms import BrowseForm
from townhall.portal.views.maps import map_config
from townhall.servicedesk.models import ServiceRequest, ServiceRequestQuerySet

PAGE_SIZE = 20
NEAR_METRES = 1000


def _filtered(form: BrowseForm, city: Jurisdiction) -> ServiceRequestQuerySet:
    found = ServiceRequest.objects.in_jurisdiction(city).public().with_related()
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {"status": "open"}
    status = data.get("status") or "open"
    if status == "open":
        found = found.open()
    elif status == "closed":
        found = found.closed()
    if data.get("service"):
        found = found.filter(service__code=data["service"])
    if data.get("area"):
        found = found.filter(area__code=data["area"])
    if data.get("lat") is not None and data.get("lon") is not None:
        # Sensitive requests have no public position, so they never show up "near" one.
        return found.filter(service__is_sensitive=False).near(data["lat"], data["lon"], NEAR_METRES)
    return found.select_related("area").order_by("-requested_at")


def pins(requests: list[ServiceRequest]) -> list[dict[str, Any]]:
    """Map markers: never for a sensitive service, whose exact place is not published."""
    return [
        {
            "lat": round(r.lat, 5),
            "lon": round(r.lon, 5),
            "label": f"{r.public_id}: {r.service.localized_name}",
            "url": reverse("portal:request", args=[r.public_id]),
            "open": r.is_open,
        }
        for r in requests
        if r.lat is not None and r.lon is not None and not r.service.is_sensitive
    ]


def browse(request: HttpRequest) -> HttpResponse:
    city = Jurisdiction.objects.default()
    form = BrowseForm(request.GET or None, jurisdiction=city)
    if form.is_bound:
        form.is_valid()
    page = None
    if city is not None:
        page = Paginator(_filtered(form, city), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    near = form.is_bound and form.is_valid() and form.cleaned_data.get("lat") is not None
    return render(
        request,
        "portal/browse.html",
        {
            "form": form,
            "page": page,
            "pins": pins(list(page.object_list)) if page else [],
            "query": query.urlencode(),
            "near": near,
            "map": map_config(),
        },
    )
