"""GET tokens/{token}: every request has a token, even though we file synchronously."""

from __future__ import annotations

from tests.factories import make_request
from tests.open311.api import BASE, error_descriptions, get_json, get_xml, validate


def test_a_token_leads_to_its_request_in_both_formats(client, city):
    request = make_request()
    body = get_json(client, f"tokens/{request.token}")
    validate("token", body)
    assert body == [{"token": str(request.token), "service_request_id": request.public_id}]
    root = get_xml(client, f"tokens/{request.token}")
    assert root.tag == "service_requests"
    assert root.find("request").findtext("service_request_id") == request.public_id
    assert root.find("request").findtext("token") == str(request.token)


def test_an_unknown_or_malformed_token_is_404(client, city):
    for token in ["123456", "00000000-0000-0000-0000-000000000000"]:
        response = client.get(f"{BASE}/tokens/{token}.xml")
        assert response.status_code == 404
        assert error_descriptions(response) == ["token provided was not found"]
