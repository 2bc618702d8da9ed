"""Errors are the spec's list, in the format asked for, with the right HTTP status."""

from __future__ import annotations

import json

import pytest

from tests.open311.api import BASE, error_descriptions

PATHS = [
    "services",
    "services/POTHOLE",
    "requests",
    "requests/SR-2026-000001",
    "tokens/abc",
    "servicerequestupdates",
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("suffix", ["yaml", "XMLX", "", "html"])
def test_an_unknown_format_suffix_is_a_404_with_a_json_body(client, city, path, suffix):
    response = client.get(f"{BASE}/{path}.{suffix}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert error_descriptions(response)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_resources_are_404_in_the_spec_shape(client, city, fmt):
    for path in [
        f"{BASE}/nothing.{fmt}",
        f"{BASE}/services/POTHOLE/extra.{fmt}",
        f"/open311/v3/services.{fmt}",
        f"{BASE}/services",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert error_descriptions(response)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "requests"),
        ("delete", "requests"),
        ("patch", "requests/SR-2026-000001"),
        ("post", "services"),
        ("post", "services/POTHOLE"),
        ("post", "tokens/abc"),
        ("post", "servicerequestupdates"),
        ("delete", "services"),
    ],
)
def test_wrong_methods_get_405_with_an_error_body(client, city, fmt, method, path):
    response = getattr(client, method)(f"{BASE}/{path}.{fmt}")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert error_descriptions(response) == [f"method {method.upper()} is not allowed here"]


def test_post_to_discovery_is_405(client, city):
    response = client.post("/open311/discovery.xml")
    assert response.status_code == 405
    assert error_descriptions(response)


def test_a_nul_byte_in_a_parameter_is_a_400(client, city):
    response = client.get(f"{BASE}/requests.json", QUERY_STRING="status=open%00")
    assert response.status_code == 400
    assert "NUL" in error_descriptions(response)[0]
    response = client.get(f"{BASE}/services/PO%00T.xml")
    assert response.status_code == 400


def test_json_errors_are_bare_arrays(client, city):
    response = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert response.status_code == 400
    body = json.loads(response.content)
    assert isinstance(body, list)
    assert body[0]["code"] == 400


def test_posting_to_an_unknown_resource_is_404_not_a_csrf_page(app_client, city):
    for path in [f"{BASE}/requests", f"{BASE}/request.xml", "/open311/v2/"]:
        response = app_client.post(path, {"service_code": "POTHOLE"})
        assert response.status_code == 404, path
        assert error_descriptions(response)
