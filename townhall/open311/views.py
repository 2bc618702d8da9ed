"""Open311 GeoReport v2 endpoints: parse, authorise, call one service or query, render.

Every endpoint answers in the format of its suffix (``.xml`` or ``.json``); every
failure is the spec's error list with 400, 403, 404 or 405, in that format. An unknown
suffix has no format to answer in, so its 404 is JSON.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from townhall.accounts.models import ApiKey
from townhall.lib.actors import Actor
from townhall.open311 import queries
from townhall.open311.parsing import (
    ApiError,
    Params,
    RequestForm,
    bad_request,
    parse_flag,
    parse_page,
    parse_request_filter,
    parse_request_form,
    parse_update_window,
    reject_nul,
    reject_nul_in_path,
)
from townhall.open311.renderers import FORMATS, render, render_errors
from townhall.open311.serializers import (
    Clock,
    RequestContext,
    definition_data,
    discovery_data,
    request_data,
    service_data,
    update_data,
)
from townhall.servicedesk.inputs import InvalidInput
from townhall.servicedesk.models import Service, ServiceRequest, ServiceType
from townhall.servicedesk.services import submit_request
from townhall.servicedesk.validation import check_request

logger = logging.getLogger(__name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """Format suffix, allowed methods, NUL-free parameters, and errors in the spec's shape."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **path: str) -> HttpResponse:
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return render_errors(
                    [(404, f"format {fmt[:20]!r} is not supported: use .xml or .json")],
                    "json",
                    404,
                )
            if request.method not in allowed:
                response = render_errors(
                    [(405, f"method {request.method} is not allowed here")], fmt, 405
                )
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                reject_nul(request.GET)
                reject_nul_in_path(**path)
                return view(request, fmt, **path)
            except ApiError as error:
                return render_errors(error.problems, fmt, error.status)
            except (
                BadRequest,
                SuspiciousOperation,
                MultiPartParserError,
                UnreadablePostError,
            ) as exc:
                # Oversized or malformed bodies, too many fields: Django refuses to parse.
                return render_errors([(400, f"the request could not be read: {exc}")], fmt, 400)
            except Exception:
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return render_errors([(500, "internal error; please report it")], fmt, 500)

        return csrf_exempt(wrapper)

    return decorate


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(discovery_data(queries.default_jurisdiction()), fmt, "discovery")


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    jurisdiction = queries.resolve_jurisdiction(Params(request.GET).get("jurisdiction_id"))
    listed = [service_data(s, has) for s, has in queries.active_services(jurisdiction)]
    return render(listed, fmt, "services")


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    jurisdiction = queries.resolve_jurisdiction(Params(request.GET).get("jurisdiction_id"))
    service = queries.find_service(jurisdiction, service_code)
    return render(
        definition_data(service, list(service.attributes.all())), fmt, "service_definition"
    )


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    params = Params(request.GET)
    jurisdiction = queries.resolve_jurisdiction(params.get("jurisdiction_id"))
    extended = parse_flag("extensions", params.get("extensions"))
    where, page = parse_request_filter(params, timezone.now())
    rows, more = queries.find_requests(jurisdiction, where, page, extended)
    context = RequestContext.build(jurisdiction, rows, extended)
    response = render([request_data(row, context) for row in rows], fmt, "service_requests")
    if more:
        _link_next_page(request, response, page.number + 1)
    return response


@endpoint("GET")
def service_request(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    params = Params(request.GET)
    jurisdiction = queries.resolve_jurisdiction(params.get("jurisdiction_id"))
    extended = parse_flag("extensions", params.get("extensions"))
    row = queries.find_request(jurisdiction, service_request_id, extended)
    context = RequestContext.build(jurisdiction, [row], extended)
    return render([request_data(row, context)], fmt, "service_requests")


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    jurisdiction = queries.resolve_jurisdiction(Params(request.GET).get("jurisdiction_id"))
    value, public_id = queries.token_request(jurisdiction, token)
    # The spec's example lists service_request_id first; XML readers may rely on the order.
    return render([{"service_request_id": public_id, "token": value}], fmt, "service_requests")


@endpoint("GET")
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's extension that FixMyStreet polls: public timeline entries, oldest first."""
    params = Params(request.GET)
    jurisdiction = queries.resolve_jurisdiction(params.get("jurisdiction_id"))
    window = parse_update_window(params, timezone.now())
    page = parse_page(params)
    rows, more = queries.find_updates(jurisdiction, window, page)
    catalogue, clock = queries.Catalogue.of(jurisdiction), Clock(jurisdiction)
    response = render(
        [update_data(row, catalogue, clock) for row in rows], fmt, "service_request_updates"
    )
    if more:
        _link_next_page(request, response, page.number + 1)
    return response


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = "xml" if request.path.lower().endswith(".xml") else "json"
    return render_errors([(404, "no such Open311 resource; see /open311/discovery.json")], fmt, 404)


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.content_type not in FORM_TYPES:
        raise bad_request(
            "send the request as application/x-www-form-urlencoded "
            "(or multipart/form-data to upload media)"
        )
    body = request.POST
    reject_nul(body)
    params = Params(body, request.GET)
    key = _authorise(params.get("api_key"))
    jurisdiction = queries.resolve_jurisdiction(params.get("jurisdiction_id"))
    code = params.get("service_code")
    if not code:
        raise bad_request("service_code is required")
    service = queries.find_service(jurisdiction, code)
    uploads = request.FILES.getlist("media") + request.FILES.getlist("media[]")
    form = parse_request_form(params, body, uploads)
    if form.problems:
        raise ApiError(400, *form.problems, *_catalogue_problems(form, service))
    actor = Actor(label=f"api:{key.name}", api_key_id=key.pk, ip=_client_ip(request), channel="app")
    try:
        created = submit_request(actor, form.as_input(service))
    except InvalidInput as invalid:
        raise ApiError(400, problems=[(p.code, p.message) for p in invalid.problems]) from None
    return render([_receipt(created, form.contact.account_id)], fmt, "service_requests")


def _catalogue_problems(form: RequestForm, service: Service) -> list[str]:
    """What the service desk would also refuse in a form with wire-level problems: the
    answers to the service's questions, the description, the contact, and the location
    unless its coordinates could not even be read (that error is already listed)."""
    _cleaned, _area, problems = check_request(form.as_input(service))
    return [
        problem.message
        for problem in problems
        if not (form.location_unreadable and problem.field == "location")
        and problem.message not in form.problems
    ]


def _authorise(raw_key: str) -> ApiKey:
    if not raw_key:
        raise ApiError(403, "api_key is required to submit a request")
    key = ApiKey.objects.verify(raw_key)
    if key is None:
        raise ApiError(403, "api_key is not valid or has been revoked")
    return key


def _receipt(created: ServiceRequest, account_id: str) -> dict[str, Any]:
    """The spec's POST answer: an id for realtime services, a token for batch ones."""
    receipt: dict[str, Any] = {}
    if created.service.type == ServiceType.REALTIME:
        receipt["service_request_id"] = created.public_id
    elif created.service.type == ServiceType.BATCH:
        receipt["token"] = str(created.token)
    receipt["service_notice"] = created.service.service_notice or None
    receipt["account_id"] = account_id or None
    return receipt


def _client_ip(request: HttpRequest) -> str | None:
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _link_next_page(request: HttpRequest, response: HttpResponse, number: int) -> None:
    query = request.GET.copy()
    query["page"] = str(number)
    url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    response["Link"] = f'<{url}>; rel="next"'
