"""jurisdiction_id: optional for one city, required for several, 404 when unknown."""

from __future__ import annotations

import pytest

from tests.factories import make_api_key, make_request
from tests.open311.api import BASE, error_descriptions, get_json
from townhall.places.models import Jurisdiction
from townhall.servicedesk.models import Service, ServiceRequest

GET_PATHS = ["services", "services/POTHOLE", "requests", "servicerequestupdates"]


@pytest.mark.parametrize("path", GET_PATHS)
def test_one_city_needs_no_jurisdiction_id_and_an_empty_one_is_absent(client, city, path):
    get_json(client, path)
    get_json(client, path, jurisdiction_id="")
    get_json(client, path, jurisdiction_id="riverton.example")


@pytest.mark.parametrize("path", GET_PATHS)
def test_an_unknown_jurisdiction_is_404(client, city, path):
    response = client.get(f"{BASE}/{path}.xml", {"jurisdiction_id": "gotham.example"})
    assert response.status_code == 404
    assert error_descriptions(response) == ["jurisdiction_id provided was not found"]


@pytest.fixture
def two_cities(city):
    other = Jurisdiction.objects.create(slug="lakeside.example", name="Lakeside")
    Service.objects.create(jurisdiction=other, code="POTHOLE", name="Lakeside pothole")
    return city, other


@pytest.mark.parametrize("path", GET_PATHS)
def test_several_cities_require_jurisdiction_id(client, two_cities, path):
    response = client.get(f"{BASE}/{path}.json", {"jurisdiction_id": ""})
    assert response.status_code == 400
    assert error_descriptions(response) == ["jurisdiction_id is required"]


def test_each_city_sees_only_its_own_services_and_requests(client, two_cities):
    riverton, lakeside = two_cities
    mine = make_request()
    names = {
        s["service_name"] for s in get_json(client, "services", jurisdiction_id="lakeside.example")
    }
    assert names == {"Lakeside pothole"}
    assert get_json(client, "requests", jurisdiction_id="lakeside.example") == []
    assert get_json(
        client, f"requests/{mine.public_id}", expect=404, jurisdiction_id="lakeside.example"
    )
    ids = [
        r["service_request_id"]
        for r in get_json(client, "requests", jurisdiction_id="riverton.example")
    ]
    assert ids == [mine.public_id]


def test_posting_to_several_cities_needs_the_jurisdiction(client, two_cities):
    key = make_api_key()
    data = {
        "api_key": key,
        "service_code": "POTHOLE",
        "lat": "40.01",
        "long": "-75.13",
        "attribute[SIZE]": "small",
    }
    response = client.post(f"{BASE}/requests.json", data)
    assert response.status_code == 400
    assert error_descriptions(response) == ["jurisdiction_id is required"]
    response = client.post(f"{BASE}/requests.json", {**data, "jurisdiction_id": "nowhere"})
    assert response.status_code == 404
    response = client.post(f"{BASE}/requests.json", {**data, "jurisdiction_id": "riverton.example"})
    assert response.status_code == 200
    assert ServiceRequest.objects.get().jurisdiction.slug == "riverton.example"
