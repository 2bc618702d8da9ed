"""Nobody learns from the API who reported what, or where a sensitive request is."""

from __future__ import annotations

import json

import pytest

from tests.factories import make_request
from tests.open311.api import BASE, get_json, get_xml
from townhall.servicedesk.models import Service, ServiceAttribute

CONTACT_VALUES = ["ada@example.org", "Ada", "Lovelace", "+1 555 0100", "device-42", "acct-7"]
CONTACT_FIELDS = ["email", "first_name", "last_name", "phone", "device_id", "account_id"]
READS = [
    "requests",
    "requests?extensions=true",
    "servicerequestupdates",
    "requests/{pothole}",
    "requests/{outreach}?extensions=true",
]


def every_read(client, pothole, outreach) -> list[bytes]:
    bodies = []
    for read in READS:
        path = read.format(pothole=pothole.public_id, outreach=outreach.public_id)
        resource, _, query = path.partition("?")
        for fmt in ("json", "xml"):
            response = client.get(f"{BASE}/{resource}.{fmt}?{query}")
            assert response.status_code == 200
            bodies.append(response.content)
    return bodies


def test_no_reporter_contact_data_in_any_read(client, pothole, outreach):
    for body in every_read(client, pothole, outreach):
        text = body.decode()
        for value in CONTACT_VALUES:
            assert value not in text
        for field in CONTACT_FIELDS:
            assert f'"{field}"' not in text and f"<{field}>" not in text


def test_a_sensitive_request_shows_only_its_area_not_its_place_or_words(client, outreach):
    [shown] = get_json(client, f"requests/{outreach.public_id}", extensions="true")
    assert shown["service_code"] == "HOMELESS_OUTREACH"
    assert shown["status"] == "open"
    for field in ("description", "address", "address_id", "zipcode", "media_url", "status_notes"):
        assert shown[field] is None, field
    # Snapped to the Northside district's representative point, not the report's point.
    assert (shown["lat"], shown["long"]) == (40.025, -75.175)
    assert (outreach.lat, outreach.lon) != (shown["lat"], shown["long"])
    assert all(note["description"] is None for note in shown["notes"])
    text = json.dumps(shown)
    for secret in ("Jo ", "bridge", "B-5", "19101", "40.013", "-75.187"):
        assert secret not in text


def test_a_sensitive_request_in_xml_has_empty_location_fields(client, outreach):
    [request] = get_xml(client, "requests")
    assert request.findtext("service_code") == "HOMELESS_OUTREACH"
    for field in ("description", "address", "address_id", "zipcode"):
        assert request.find(field).text is None
    assert request.findtext("lat") == "40.025"


def test_a_sensitive_request_without_a_mapped_area_has_no_coordinates(client, outreach):
    type(outreach).objects.filter(pk=outreach.pk).update(area=None)
    [shown] = get_json(client, f"requests/{outreach.public_id}")
    assert shown["lat"] is None
    assert shown["long"] is None


def test_sensitive_free_text_answers_are_left_out_of_extensions(client, city):
    service = Service.objects.get(code="HOMELESS_OUTREACH")
    ServiceAttribute.objects.create(
        service=service, code="WHO", datatype="string", description="Who needs help?"
    )
    ServiceAttribute.objects.create(
        service=service, code="PEOPLE", datatype="number", description="How many people?"
    )
    request = make_request("HOMELESS_OUTREACH", attributes={"WHO": "Jo Bloggs", "PEOPLE": "2"})
    [shown] = get_json(client, f"requests/{request.public_id}", extensions="true")
    assert shown["extended_attributes"]["attributes"] == [
        {"code": "PEOPLE", "description": "How many people?", "value": 2}
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_sensitive_updates_in_the_feed_carry_no_words(client, outreach, fmt):
    response = client.get(f"{BASE}/servicerequestupdates.{fmt}")
    assert b"Jo tonight" not in response.content
    assert outreach.public_id.encode() in response.content
