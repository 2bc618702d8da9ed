"""Residents' pages. Issue 4 grows this into the full report-and-track portal."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from townhall.places.models import Jurisdiction
from townhall.servicedesk.models import Service, ServiceRequest


def home(request: HttpRequest) -> HttpResponse:
    jurisdiction = Jurisdiction.objects.default()
    services = Service.objects.active().filter(jurisdiction=jurisdiction) if jurisdiction else []
    recent = (
        ServiceRequest.objects.in_jurisdiction(jurisdiction)
        .with_related()
        .filter(service__is_sensitive=False)
        .order_by("-requested_at")[:10]
        if jurisdiction
        else []
    )
    return render(
        request,
        "portal/home.html",
        {"jurisdiction": jurisdiction, "services": services, "recent": recent},
    )


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers only when the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
