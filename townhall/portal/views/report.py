"""Report a problem: choose the service, place it, answer its questions, send."""

from __future__ import annotations

from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from townhall.accounts import ratelimit
from townhall.places.models import Area, Jurisdiction
from townhall.portal.access import actor_for, language_of
from townhall.portal.forms import LocationForm, ReportDetailsForm, ServiceSearchForm
from townhall.portal.views.errors import too_many_requests
from townhall.portal.views.maps import map_config
from townhall.servicedesk import duplicates
from townhall.servicedesk.catalogue import search_services
from townhall.servicedesk.inputs import InvalidInput, RequestInput
from townhall.servicedesk.models import Service, ServiceRequest
from townhall.servicedesk.services import submit_request

SESSION_SENT = "portal.reported"


def _city() -> Jurisdiction | None:
    return Jurisdiction.objects.default()


def _service(code: str) -> Service:
    city = _city()
    return get_object_or_404(
        Service.objects.active().select_related("jurisdiction"), jurisdiction=city, code=code
    )


def choose_service(request: HttpRequest) -> HttpResponse:
    city = _city()
    form = ServiceSearchForm(request.GET or None)
    services = list(Service.objects.active().in_jurisdiction(city)) if city else []
    query = form.cleaned_data["q"].strip() if form.is_bound and form.is_valid() else ""
    results = search_services(services, query) if query else None
    ordered = sorted(services, key=lambda s: (s.localized_group, s.order, s.localized_name))
    groups = [(name, list(items)) for name, items in groupby(ordered, lambda s: s.localized_group)]
    return render(
        request,
        "portal/report/service.html",
        {"form": form, "query": query, "results": results, "groups": groups},
    )


def _outside_city(form: LocationForm, service: Service) -> bool:
    lat, lon = form.cleaned_data.get("lat"), form.cleaned_data.get("lon")
    if lat is None or lon is None:
        return False
    areas = Area.objects.in_jurisdiction(service.jurisdiction)
    return areas.containing(lat, lon) is None and areas.mapped().exists()


def location(request: HttpRequest, code: str) -> HttpResponse:
    service = _service(code)
    bound = request.GET.get("step") == "location"
    form = LocationForm(request.GET if bound else None, jurisdiction=service.jurisdiction)
    if bound and form.is_valid():
        if not _outside_city(form, service):
            return redirect(_details_url(service, form))
        form.add_error(
            None,
            _("The pin is outside %(city)s. Move it inside the city boundary.")
            % {"city": service.jurisdiction.name},
        )
    elif not bound:
        # Coming back with "Change location": start from what was chosen.
        form = LocationForm(initial=request.GET.dict(), jurisdiction=service.jurisdiction)
    return render(
        request,
        "portal/report/location.html",
        {"service": service, "form": form, "map": map_config(pick=True)},
    )


def _location_params(form: LocationForm) -> dict[str, str]:
    data = form.cleaned_data
    params = {"address": data.get("address", "").strip(), "area": data.get("area") or ""}
    if data.get("lat") is not None and data.get("lon") is not None:
        params |= {"lat": f"{data['lat']:.6f}", "lon": f"{data['lon']:.6f}"}
    return {k: v for k, v in params.items() if v}


def _details_url(service: Service, form: LocationForm) -> str:
    url = reverse("portal:report_details", args=[service.code])
    return f"{url}?{urlencode(_location_params(form))}"


def details(request: HttpRequest, code: str) -> HttpResponse:
    service = _service(code)
    place = LocationForm(request.GET, jurisdiction=service.jurisdiction)
    if not place.is_valid() or _outside_city(place, service):
        back = reverse("portal:report_location", args=[service.code])
        return HttpResponseRedirect(f"{back}?step=location&{request.GET.urlencode()}")
    if request.method == "POST":
        if ratelimit.reached(request, "report"):
            return too_many_requests(request)  # before any photo is decoded
        form = ReportDetailsForm(request.POST, request.FILES, service=service)
        if form.is_valid():
            if ratelimit.exceeded(request, "report"):
                return too_many_requests(request)
            try:
                sent = submit_request(actor_for(request), _request_input(request, form, place))
            except InvalidInput as exc:
                _show_problems(form, exc)
            else:
                request.session[SESSION_SENT] = [
                    *request.session.get(SESSION_SENT, [])[-9:],
                    sent.public_id,
                ]
                return redirect("portal:report_sent", sent.public_id)
    else:
        form = ReportDetailsForm(service=service, initial=_contact_initial(request))
    return render(
        request,
        "portal/report/details.html",
        {
            "service": service,
            "form": form,
            "place": _place_summary(place),
            "location_query": urlencode(_location_params(place)),
            "duplicates": _duplicates(service, place),
            "photos_lost": request.method == "POST" and bool(request.FILES),
        },
    )


def _contact_initial(request: HttpRequest) -> dict[str, str]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"email": user.email, "first_name": user.first_name, "last_name": user.last_name}


def _place_summary(place: LocationForm) -> dict[str, Any]:
    data = place.cleaned_data
    has_pin = data.get("lat") is not None
    area = place.chosen_area()
    if has_pin and area is None and place.jurisdiction is not None:
        area = Area.objects.in_jurisdiction(place.jurisdiction).containing(data["lat"], data["lon"])
    return {"has_pin": has_pin, "address": data.get("address", ""), "area": area}


def _duplicates(service: Service, place: LocationForm) -> list[ServiceRequest]:
    """Open requests for the same thing close by: shown before sending, never for
    sensitive services (that would publish where a person was reported)."""
    if service.is_sensitive:
        return []
    data = place.cleaned_data
    if data.get("lat") is not None:
        found = duplicates.candidates(service, data["lat"], data["lon"])
        return [c.request for c in found]
    area = place.chosen_area()
    if area is None:
        return []
    # Described in words only: the same service's open requests in the chosen area.
    return list(
        ServiceRequest.objects.open_in(area)
        .filter(service=service)
        .recent(service.duplicate_window_days)
        .with_related()
        .order_by("-requested_at")[:5]
    )


def _request_input(
    request: HttpRequest, form: ReportDetailsForm, place: LocationForm
) -> RequestInput:
    data = place.cleaned_data
    address = data.get("address", "").strip()
    area = place.chosen_area()
    if data.get("lat") is None and area is not None:
        address = f"{address}, {area.name}" if address else area.name
    contact = form.contact()
    if request.user.is_authenticated:
        contact = type(contact)(**{**vars(contact), "account_id": str(request.user.pk)})
    return RequestInput(
        service=form.service,
        lat=data.get("lat"),
        lon=data.get("lon"),
        address=address,
        description=form.cleaned_data.get("description", ""),
        attributes=form.attribute_values(),
        contact=contact,
        photos=form.cleaned_data.get("photos") or (),
        language=language_of(request),
    )


FIELD_MESSAGES = {
    "email": lambda: _("Enter an email address in the correct format, like name@example.com."),
    "description": lambda: _("The description is too long."),
}


def _show_problems(form: ReportDetailsForm, exc: InvalidInput) -> None:
    """Problems the form could not see (the catalogue's own checks), next to their field."""
    for problem in exc.problems:
        name = problem.field
        if name.startswith("attribute[") and name.endswith("]"):
            name = f"attr_{name[10:-1]}"
        if name in form.fields:
            message = FIELD_MESSAGES.get(name, lambda: _("Check this answer."))()
            form.add_error(name, forms.ValidationError(message))
        else:
            form.add_error(None, _("Check the place of the problem and try again."))


def sent(request: HttpRequest, public_id: str) -> HttpResponse:
    """The confirmation page, for the person who just sent the report."""
    if public_id not in request.session.get(SESSION_SENT, []):
        return redirect("portal:request", public_id)
    report = get_object_or_404(ServiceRequest.objects.with_related(), public_id=public_id)
    contact = getattr(report, "contact", None)
    return render(
        request,
        "portal/report/sent.html",
        {"report": report, "emailed": bool(contact and contact.email)},
    )
