"""An independent reading of GeoReport v2 (http://wiki.open311.org/GeoReport_v2), checked
from the outside the way a conformance checker would: element names and order, types,
status codes, error bodies, and the rule that bad input writes nothing.

Each test names the rule of the spec (or of the issue) that it checks.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import SYSTEM, make_request
from tests.open311.api import (
    ATTRIBUTE_FIELDS,
    BASE,
    REQUEST_FIELDS,
    SERVICE_FIELDS,
    UPDATE_FIELDS,
    W3_DATETIME,
    error_descriptions,
    parse_xml,
    validate,
)
from townhall.audit.models import AuditEvent
from townhall.places.models import Jurisdiction
from townhall.servicedesk.models import (
    ReporterContact,
    RequestUpdate,
    Service,
    ServiceRequest,
    Status,
)
from townhall.servicedesk.services import add_note, change_status

FORMATS = ["json", "xml"]
GOOD = {"service_code": "POTHOLE", "lat": "40.01", "long": "-75.13", "attribute[SIZE]": "small"}


def written() -> dict[str, int]:
    return {
        "requests": ServiceRequest.objects.count(),
        "updates": RequestUpdate.objects.count(),
        "contacts": ReporterContact.objects.count(),
        "audit": AuditEvent.objects.filter(action="request.submitted").count(),
    }


def call(client: Any, method: str, path: str, fmt: str, **kwargs: Any) -> Any:
    return getattr(client, method)(f"{BASE}/{path}.{fmt}", **kwargs)


def errors_of(response: Any, status: int) -> list[str]:
    """The spec's error list with ``status`` (checked in either format)."""
    assert response.status_code == status, response.content
    return error_descriptions(response)


def body_of(response: Any, fmt: str) -> Any:
    assert response.status_code == 200, response.content
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content)
    return parse_xml(response)


def tags(element: Any) -> list[str]:
    return [child.tag for child in element]


# --- Discovery ------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/open311", BASE])
def test_discovery_fields_and_xml_shape(client, city, prefix):
    """Service_Discovery: changeset, contact, key_service, endpoints/endpoint/formats/format."""
    data = json.loads(client.get(f"{prefix}/discovery.json").content)
    validate("discovery", data)
    assert W3_DATETIME.match(data["changeset"])
    root = parse_xml(client.get(f"{prefix}/discovery.xml"))
    assert root.tag == "discovery"
    assert tags(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert tags(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"


# --- GET Service List / Service Definition -----------------------------------------------


def test_service_list_xml_elements_follow_the_spec(client, city):
    """GET Service List: services/service with the seven fields, booleans as true/false."""
    root = body_of(call(client, "get", "services", "xml"), "xml")
    assert root.tag == "services"
    for service in root:
        assert service.tag == "service"
        assert tags(service) == SERVICE_FIELDS
        assert service.findtext("metadata") in {"true", "false"}
        assert service.findtext("type") in {"realtime", "batch", "blackbox"}
    data = body_of(call(client, "get", "services", "json"), "json")
    validate("services", data)
    assert [list(s) for s in data] == [SERVICE_FIELDS] * len(data)


def test_service_definition_xml_elements_follow_the_spec(client, city):
    """GET Service Definition: service_definition/attributes/attribute/values/value/key,name."""
    root = body_of(call(client, "get", "services/POTHOLE", "xml"), "xml")
    assert root.tag == "service_definition"
    assert tags(root) == ["service_code", "attributes"]
    orders = []
    for attribute in root.find("attributes"):
        assert attribute.tag == "attribute"
        assert tags(attribute) == ATTRIBUTE_FIELDS
        orders.append(int(attribute.findtext("order")))
        for value in attribute.find("values"):
            assert value.tag == "value"
            assert tags(value) == ["key", "name"]
    assert orders == sorted(orders) and orders[0] == 1
    data = body_of(call(client, "get", "services/POTHOLE", "json"), "json")
    validate("service-definition", data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_code_with_dots_and_unicode_is_found(client, city, fmt):
    """service_code is an opaque string in the URL path: dots and non-ASCII are part of it."""
    Service.objects.create(jurisdiction=city, code="v1.2-ÑOÑO", name="Odd code")
    response = client.get(f"{BASE}/services/v1.2-%C3%91O%C3%91O.{fmt}")
    body = body_of(response, fmt)
    code = body["service_code"] if fmt == "json" else body.findtext("service_code")
    assert code == "v1.2-ÑOÑO"


# --- POST Service Request -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("realtime", ["service_request_id", "service_notice", "account_id"]),
        ("batch", ["token", "service_notice", "account_id"]),
        ("blackbox", ["service_notice", "account_id"]),
    ],
)
def test_post_answer_carries_an_id_or_a_token_by_service_type(app_client, api_key, kind, fields):
    """POST Service Request response: service_request_id xor token; account_id echoed."""
    Service.objects.filter(code="STREETLIGHT").update(type=kind, service_notice="Within 2 days")
    form = {"api_key": api_key, "service_code": "STREETLIGHT", "address_string": "Elm St"}
    root = body_of(call(app_client, "post", "requests", "xml", data=form), "xml")
    assert root.tag == "service_requests"
    assert [r.tag for r in root] == ["request"]
    assert tags(root[0]) == fields
    assert root[0].findtext("service_notice") == "Within 2 days"
    data = body_of(
        call(app_client, "post", "requests", "json", data={**form, "account_id": "7"}), "json"
    )
    validate("post-response", data)
    assert list(data[0]) == fields
    assert data[0]["account_id"] == "7"


def test_post_form_encoded_with_charset_and_unicode(app_client, api_key):
    """POST is application/x-www-form-urlencoded; charset=utf-8; UTF-8 is required everywhere."""
    from urllib.parse import urlencode

    body = urlencode(
        {
            "api_key": api_key,
            **GOOD,
            "attribute[LANES][]": "left",
            "description": "Bache enorme 🕳️ — ça ne va pas",
        }
    )
    response = app_client.post(
        f"{BASE}/requests.json",
        body,
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )
    receipt = body_of(response, "json")
    created = ServiceRequest.objects.get(public_id=receipt[0]["service_request_id"])
    assert created.description == "Bache enorme 🕳️ — ça ne va pas"
    assert created.attributes["LANES"] == ["left"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"api_key": ""}, 403),
        ({"api_key": "th_nope"}, 403),
        ({"service_code": ""}, 400),
        ({"service_code": "NOPE"}, 404),
        ({"lat": "", "long": ""}, 400),
        ({"long": ""}, 400),
        ({"lat": "91"}, 400),
        ({"long": "-181"}, 400),
        ({"lat": "NaN"}, 400),
        ({"lat": "inf"}, 400),
        ({"lat": "1e999"}, 400),
        ({"lat": "-1e999"}, 400),
        ({"lat": "40,01"}, 400),
        ({"lat": "forty"}, 400),
        ({"lat": "0x28"}, 400),
        ({"lat": "0", "long": "0"}, 400),
        ({"attribute[SIZE]": ""}, 400),
        ({"attribute[SIZE]": "enormous"}, 400),
        ({"attribute[LANES][]": ["left", "middle"]}, 400),
        ({"attribute[DEPTH_CM]": "deep"}, 400),
        ({"attribute[DEPTH_CM]": "NaN"}, 400),
        ({"attribute[FIRST_SEEN]": "yesterday"}, 400),
        ({"attribute[FIRST_SEEN]": "2026-01-01T10:00:00"}, 400),
        ({"attribute[UNKNOWN]": "x"}, 400),
        ({"attribute[SIZE][extra]": "x"}, 400),
        ({"description": "x" * 4001}, 400),
        ({"email": "not an email"}, 400),
        ({"media_url": "javascript:alert(1)"}, 400),
        ({"jurisdiction_id": "gotham.example"}, 404),
    ],
)
def test_bad_posts_get_the_right_code_and_write_nothing(app_client, api_key, fmt, change, status):
    """Errors: 403 for the api_key, 404 for what does not exist, 400 for the rest; nothing kept."""
    before = written()
    form = {"api_key": api_key, **GOOD, **change}
    response = call(app_client, "post", "requests", fmt, data=form)
    assert errors_of(response, status)
    assert written() == before


def test_each_problem_is_its_own_error_entry(app_client, api_key):
    """Errors: 'Multiple errors codes and descriptions can be returned' — one per problem."""
    form = {
        "api_key": api_key,
        "service_code": "POTHOLE",
        "lat": "91",
        "long": "0",
        "attribute[SIZE]": "enormous",
        "description": "x" * 4001,
    }
    descriptions = errors_of(call(app_client, "post", "requests", "json", data=form), 400)
    assert len(descriptions) == 3


def test_description_of_exactly_4000_characters_is_accepted(app_client, api_key):
    """POST: description is 'free form text limited to 4,000 characters'."""
    form = {"api_key": api_key, **GOOD, "description": "é" * 4000}
    receipt = body_of(call(app_client, "post", "requests", "json", data=form), "json")
    created = ServiceRequest.objects.get(public_id=receipt[0]["service_request_id"])
    assert len(created.description) == 4000


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"service_code": "POTHOLE"}'),
        ("text/plain", "service_code=POTHOLE"),
        ("application/xml", "<request/>"),
        ("", ""),
    ],
)
def test_a_post_that_is_not_a_form_is_400(app_client, api_key, content_type, body):
    """POST Service Request: 'Format sent: Content-Type: application/x-www-form-urlencoded'."""
    before = written()
    response = app_client.post(
        f"{BASE}/requests.xml?api_key={api_key}", body, content_type=content_type
    )
    assert errors_of(response, 400)
    assert written() == before


@pytest.mark.parametrize("name", ["media", "media[]"])
def test_media_sent_as_text_instead_of_a_file_is_400(app_client, api_key, name):
    """GeoReport v2.1 draft: media is a file upload; text in its place is bad input, not a
    request filed without its photo."""
    before = written()
    form = {"api_key": api_key, **GOOD, name: "IMG_0001.jpg"}
    assert errors_of(call(app_client, "post", "requests", "xml", data=form), 400) == [
        "media must be a file sent in a multipart/form-data body"
    ]
    assert written() == before


def test_api_key_is_only_needed_to_post(client, city):
    """'Requires API Key: No' for every GET."""
    request = make_request()
    for path in ["services", "services/POTHOLE", "requests", f"requests/{request.public_id}"]:
        body_of(call(client, "get", path, "json"), "json")
    body_of(call(client, "get", f"tokens/{request.token}", "json"), "json")


# --- GET service_request_id from a token ------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_answer_lists_service_request_id_then_token(client, city, fmt):
    """GET service_request_id from a token: request has service_request_id, then token."""
    request = make_request()
    body = body_of(call(client, "get", f"tokens/{request.token}", fmt), fmt)
    if fmt == "json":
        validate("token", body)
        assert list(body[0]) == ["service_request_id", "token"]
    else:
        assert body.tag == "service_requests"
        assert tags(body[0]) == ["service_request_id", "token"]


# --- GET Service Requests / GET Service Request -----------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_have_the_spec_fields_in_order(client, pothole, fmt):
    """GET Service Requests: service_requests/request with the spec's 17 fields, in order."""
    for path in ["requests", f"requests/{pothole.public_id}"]:
        body = body_of(call(client, "get", path, fmt), fmt)
        if fmt == "json":
            validate("requests", body)
            assert [list(r) for r in body] == [REQUEST_FIELDS]
        else:
            assert body.tag == "service_requests"
            assert [tags(r) for r in body] == [REQUEST_FIELDS]
            request = body[0]
            for name in ("requested_datetime", "updated_datetime"):
                assert W3_DATETIME.match(request.findtext(name))
            assert float(request.findtext("lat")) == pytest.approx(40.01)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-01-31"},
        {"start_date": "2026-01-31T00:00:00"},
        {"start_date": "31/01/2026"},
        {"start_date": "2026-02-30T00:00:00Z"},
        {"end_date": "2026-01-01T00:00:00+25:00"},
        {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"},
        {"updated_after": "soon"},
        {"status": "pending"},
        {"status": "open,"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1.5"},
        {"page_size": "1001"},
        {"page_size": "ten"},
        {"extensions": "maybe"},
        {"service_code": "NOPE"},
    ],
)
def test_bad_query_parameters_are_400(client, city, fmt, params):
    """Errors: '400 for any other error where the request can not be fulfilled as expected'."""
    response = call(client, "get", "requests", fmt, data=params)
    if params == {"status": "open,"}:
        # A trailing comma is an empty item, which the spec's optional-argument rule ignores.
        body_of(response, fmt)
        return
    assert errors_of(response, 400)


def test_a_date_span_of_exactly_90_days_is_allowed(client, city):
    """start_date..end_date 'may not span more than 90 days' (90 itself is fine)."""
    response = call(
        client,
        "get",
        "requests",
        "json",
        data={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"},
    )
    assert body_of(response, "json") == []


def test_end_date_alone_reaches_back_90_days(client, city):
    """When only end_date is given the window is the 90 days before it."""
    old = make_request()
    ServiceRequest.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - timedelta(days=200)
    )
    end = (timezone.now() - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = body_of(call(client, "get", "requests", "json", data={"end_date": end}), "json")
    assert [r["service_request_id"] for r in found] == [old.public_id]


def test_an_offset_with_an_unencoded_plus_is_read_as_plus(client, city):
    """w3 datetimes carry '+HH:MM'; a client that forgets to encode '+' sends a space."""
    request = make_request()
    start = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    response = client.get(f"{BASE}/requests.json?start_date={start}+00:00")
    ids = [r["service_request_id"] for r in body_of(response, "json")]
    assert ids == [request.public_id]


def test_repeated_and_comma_separated_parameters_are_the_same(client, city):
    """status and service_code 'can be declared multiple times, comma delimited'."""
    make_request("STREETLIGHT")
    make_request("POTHOLE", lat=40.01, lon=-75.13, attributes={"SIZE": "small"})
    one = client.get(f"{BASE}/requests.json?service_code=POTHOLE,STREETLIGHT&status=open,closed")
    two = client.get(
        f"{BASE}/requests.json?service_code=POTHOLE&service_code=STREETLIGHT"
        "&status=open&status=closed"
    )
    assert len(body_of(one, "json")) == 2
    assert body_of(one, "json") == body_of(two, "json")


def test_service_request_id_overrides_even_bad_filters(client, city):
    """service_request_id: 'This overrides all other arguments.'"""
    request = make_request()
    response = call(
        client,
        "get",
        "requests",
        "xml",
        data={
            "service_request_id": f"{request.public_id},SR-1999-000001",
            "start_date": "garbage",
            "status": "nonsense",
        },
    )
    root = body_of(response, "xml")
    assert [r.findtext("service_request_id") for r in root] == [request.public_id]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_404(client, city, fmt):
    """Errors: 'HTTP error codes should always be 404 for resources that don't exist'."""
    assert errors_of(call(client, "get", "requests/SR-1999-000001", fmt), 404)
    assert errors_of(call(client, "get", "services/NOPE", fmt), 404)
    assert errors_of(call(client, "get", "tokens/not-a-token", fmt), 404)


# --- Optional arguments, jurisdiction_id ------------------------------------------------


@pytest.mark.parametrize(
    "path", ["services", "services/POTHOLE", "requests", "servicerequestupdates"]
)
def test_empty_optional_parameters_are_the_same_as_absent_ones(client, city, path):
    """'Optional' means the response should be the same whether a parameter is empty or absent."""
    make_request()
    names = ["jurisdiction_id", "service_code", "service_request_id", "start_date", "end_date"]
    names += ["status", "page", "page_size", "updated_after", "updated_before", "extensions"]
    empty = dict.fromkeys(names, "")
    plain = call(client, "get", path, "json")
    with_empty = call(client, "get", path, "json", data=empty)
    assert body_of(with_empty, "json") == body_of(plain, "json")


def test_post_with_several_cities_needs_jurisdiction_id(app_client, api_key, city):
    """jurisdiction_id is required when the endpoint serves several jurisdictions."""
    Jurisdiction.objects.create(slug="lakeside.example", name="Lakeside")
    before = written()
    form = {"api_key": api_key, **GOOD}
    assert errors_of(call(app_client, "post", "requests", "xml", data=form), 400) == [
        "jurisdiction_id is required"
    ]
    assert written() == before
    form["jurisdiction_id"] = "riverton.example"
    body_of(call(app_client, "post", "requests", "xml", data=form), "xml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_read_needs_jurisdiction_id_once_there_are_several(client, city, fmt):
    """jurisdiction_id 'is only required if the endpoint serves multiple jurisdictions'."""
    request = make_request()
    Jurisdiction.objects.create(slug="lakeside.example", name="Lakeside")
    paths = [f"requests/{request.public_id}", f"tokens/{request.token}"]
    for path in paths:
        assert errors_of(call(client, "get", path, fmt), 400) == ["jurisdiction_id is required"]
        found = call(client, "get", path, fmt, data={"jurisdiction_id": "riverton.example"})
        body_of(found, fmt)


def test_api_key_may_come_in_the_query_string(app_client, api_key):
    """The spec's own schema (schema-validation swagger.json) puts api_key 'in: query'."""
    response = app_client.post(f"{BASE}/requests.json?api_key={api_key}", GOOD)
    validate("post-response", body_of(response, "json"))


# --- HTTP details ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_head_answers_like_get_without_a_body(client, city, fmt):
    """HEAD is GET without the body (RFC 9110); apps probe endpoints with it."""
    request = make_request()
    for path in ["services", "services/POTHOLE", "requests", f"requests/{request.public_id}"]:
        response = client.head(f"{BASE}/{path}.{fmt}")
        assert response.status_code == 200
        assert response.content == b""
        expected = "application/json" if fmt == "json" else "text/xml"
        assert response["Content-Type"].startswith(expected)


@pytest.mark.parametrize("method", ["options", "put", "delete", "patch"])
def test_other_methods_get_an_error_list_and_allow(client, city, method):
    """Every failure is the spec's error list; a method the resource lacks names the ones it has."""
    response = getattr(client, method)(f"{BASE}/requests.xml")
    assert errors_of(response, 405)
    assert response["Allow"] == "GET, HEAD, POST"


@pytest.mark.parametrize("suffix", ["JSON", "Xml"])
def test_format_suffix_case_is_ignored(client, city, suffix):
    """The format name appended to the resource; its case carries no meaning."""
    response = client.get(f"{BASE}/services.{suffix}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/json" if suffix.lower() == "json" else "text/xml"
    )


@pytest.mark.parametrize("path", ["services.json/", "services/", "requests.json/extra"])
def test_paths_outside_the_spec_are_404_in_its_error_shape(client, city, path):
    """Errors: 404 for resources that don't exist, in the spec's error list."""
    assert errors_of(client.get(f"{BASE}/{path}"), 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_very_long_and_nul_parameters_are_400_not_500(client, city, fmt):
    """'NO input makes it answer 500': hostile values get a 400 in the spec's shape."""
    assert errors_of(
        call(client, "get", "requests", fmt, data={"start_date": "2026-01-01T00:00:00Z" * 500}),
        400,
    )
    assert errors_of(client.get(f"{BASE}/requests.{fmt}", QUERY_STRING="status=op%00en"), 400)
    response = call(client, "get", "requests", fmt, data={"service_request_id": "x" * 10_000})
    assert body_of(response, fmt) is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_utf8_in_the_query_is_not_a_500(client, city, fmt):
    """UTF-8 is required everywhere; bytes that are not UTF-8 are refused or ignored, never 500."""
    response = client.get(f"{BASE}/requests.{fmt}", QUERY_STRING="service_code=%ff%fe")
    assert response.status_code in {200, 400}
    if response.status_code == 400:
        assert error_descriptions(response)


# --- servicerequestupdates -------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_feed_shape(client, pothole, fmt):
    """mySociety's servicerequestupdates: service_request_updates/request_update, all fields."""
    body = body_of(call(client, "get", "servicerequestupdates", fmt), fmt)
    fields = UPDATE_FIELDS
    if fmt == "json":
        validate("service-request-updates", body)
        assert body and all(sorted(u) == sorted(fields) for u in body)
    else:
        assert body.tag == "service_request_updates"
        assert body and all(u.tag == "request_update" for u in body)
        assert all(sorted(tags(u)) == sorted(fields) for u in body)


# --- Regressions found by this review ----------------------------------------------------


@pytest.mark.parametrize(
    "start", ["{day}t00:00:00z", "{day}T00:00:00 00:00", "{day}T00:00 0000", "{day}T00:00:00+00"]
)
def test_w3_datetimes_tolerate_lowercase_and_an_unencoded_plus(client, city, start):
    """Date/time format: ISO 8601 with Z or an offset; RFC 3339 allows 't'/'z', and a '+'
    sent unencoded arrives as a space."""
    request = make_request()
    day = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    response = client.get(f"{BASE}/requests.json", {"start_date": start.format(day=day)})
    assert [r["service_request_id"] for r in body_of(response, "json")] == [request.public_id]


@pytest.mark.parametrize("fmt", FORMATS)
def test_errors_do_not_echo_huge_inputs(client, app_client, api_key, fmt):
    """Errors are 'meant to be seen by the user': a 10,000-character id is not repeated."""
    huge = "X" * 10_000
    for response in [
        call(client, "get", f"requests/{huge}", fmt),
        call(client, "get", f"services/{huge}", fmt),
        call(client, "get", "requests", fmt, data={"service_code": huge}),
        call(app_client, "post", "requests", fmt, data={"api_key": api_key, "service_code": huge}),
    ]:
        assert response.status_code in {400, 404}
        assert all(len(d) < 200 for d in error_descriptions(response))


def test_xml_coordinates_are_plain_decimals_near_greenwich(client, city):
    """lat/long are WGS84 decimals; XML readers parse them as decimals, without exponents."""
    request = make_request()
    ServiceRequest.objects.filter(pk=request.pk).update(lat=0.00001, lon=-0.00005)
    root = body_of(call(client, "get", f"requests/{request.public_id}", "xml"), "xml")
    assert root[0].findtext("lat") == "0.00001"
    assert root[0].findtext("long") == "-0.00005"
    assert float(root[0].findtext("long")) == -0.00005


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_closed_requests_updated_datetime_is_when_it_was_closed(client, city, fmt):
    """updated_datetime: 'For requests with status=closed, this will be the date the request
    was closed' — an internal note added later does not move it."""
    request = make_request()
    change_status(SYSTEM, request, Status.CLOSED, "Fixed")
    request.refresh_from_db()
    closed_at = request.closed_at
    later = closed_at + timedelta(hours=5)
    add_note(SYSTEM, request, "Invoice filed", public=False)
    ServiceRequest.objects.filter(pk=request.pk).update(updated_at=later)
    body = body_of(call(client, "get", f"requests/{request.public_id}", fmt), fmt)
    shown = body[0]["updated_datetime"] if fmt == "json" else body[0].findtext("updated_datetime")
    assert datetime.fromisoformat(shown) == closed_at.replace(microsecond=0)
