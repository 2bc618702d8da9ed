"""Browsing public requests: filters, the map's pins, and what is never published."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import SYSTEM, make_request
from townhall.servicedesk.models import Status
from townhall.servicedesk.services import change_status

pytestmark = pytest.mark.django_db


def pins(page: str) -> list[dict]:
    data = re.search(r'<script id="map-pins" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(data.group(1))


def test_open_requests_are_listed_with_pins(client, city):
    light = make_request("STREETLIGHT")
    page = client.get("/requests/").content.decode()
    assert light.public_id in page
    assert [p["url"] for p in pins(page)] == [f"/requests/{light.public_id}/"]


def test_sensitive_requests_are_listed_by_area_but_never_pinned(client, city):
    person = make_request("HOMELESS_OUTREACH", description="Person at the door of 12 Elm")
    page = client.get("/requests/").content.decode()
    assert person.public_id in page
    assert pins(page) == []
    assert "12 Elm" not in page


def test_filters_by_service_status_and_area(client, city):
    north = make_request("STREETLIGHT", lat=40.02, lon=-75.18)
    south = make_request("STREETLIGHT", lat=40.02, lon=-75.12)
    pothole = make_request("POTHOLE", lat=40.02, lon=-75.18, attributes={"SIZE": "small"})
    closed = make_request("STREETLIGHT", lat=40.02, lon=-75.18)
    change_status(SYSTEM, closed, Status.CLOSED, "Fixed")
    page = client.get("/requests/", {"service": "STREETLIGHT", "area": "north"}).content.decode()
    assert north.public_id in page
    assert south.public_id not in page and pothole.public_id not in page
    assert closed.public_id not in page
    page = client.get("/requests/", {"status": "closed"}).content.decode()
    assert closed.public_id in page and north.public_id not in page


def test_near_a_place_lists_the_nearest_first_within_a_kilometre(client, city):
    far = make_request("STREETLIGHT", lat=40.03, lon=-75.17)
    near = make_request("STREETLIGHT", lat=40.0201, lon=-75.1801)
    page = client.get("/requests/", {"lat": "40.02", "lon": "-75.18"}).content.decode()
    assert near.public_id in page and far.public_id not in page
    assert "m away" in page


def test_the_near_query_measures_great_circle_distance(city):
    from townhall.servicedesk.models import ServiceRequest

    make_request("STREETLIGHT", lat=40.01, lon=-75.19 + 0.0029)  # about 247 m east
    make_request("STREETLIGHT", lat=40.01, lon=-75.19 + 0.0031)  # about 264 m east
    found = list(ServiceRequest.objects.near(40.01, -75.19, 250))
    assert len(found) == 1 and 240 < found[0].distance_m < 250


def test_a_bad_page_number_shows_the_last_page(client, city):
    make_request()
    assert client.get("/requests/", {"page": "999"}).status_code == 200
