"""Discovery, the service list and service definitions, as an app first reads them."""

from __future__ import annotations

import json

from tests.open311.api import BASE, SERVICE_FIELDS, children, get_json, get_xml, parse_xml, validate
from townhall.servicedesk.models import Service


def test_discovery_points_apps_at_the_v2_endpoint_in_both_formats(client, city):
    response = client.get("/open311/discovery.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    validate("discovery", data)
    [endpoint] = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] == "production"
    assert endpoint["url"].endswith("/open311/v2/")
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}

    root = parse_xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    [xml_endpoint] = root.find("endpoints")
    assert xml_endpoint.tag == "endpoint"
    assert [f.text for f in xml_endpoint.find("formats")] == endpoint["formats"]
    assert xml_endpoint.findtext("url") == endpoint["url"]


def test_discovery_uses_the_citys_contact_and_key_service(client, city):
    city.contact = "311@riverton.example"
    city.key_service = "Ask 311 for a key"
    city.save()
    data = json.loads(client.get("/open311/discovery.json").content)
    assert data["contact"] == "311@riverton.example"
    assert data["key_service"] == "Ask 311 for a key"


def test_service_list_matches_the_open311_schema_and_uses_booleans(client, city):
    services = get_json(client, "services")
    validate("services", services)
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) == {"POTHOLE", "STREETLIGHT", "HOMELESS_OUTREACH"}
    assert by_code["POTHOLE"]["metadata"] is True
    assert by_code["STREETLIGHT"]["metadata"] is False
    assert by_code["POTHOLE"]["keywords"] == "pothole, hole, road"
    assert by_code["POTHOLE"]["group"] == "Streets"
    assert by_code["POTHOLE"]["type"] == "realtime"


def test_service_list_in_xml_has_one_service_element_per_service(client, city):
    root = get_xml(client, "services")
    assert root.tag == "services"
    assert {el.tag for el in root} == {"service"}
    pothole = next(el for el in root if el.findtext("service_code") == "POTHOLE")
    fields = children(pothole)
    assert set(fields) == set(SERVICE_FIELDS)
    assert fields["metadata"].text == "true"
    assert fields["service_name"].text == "Pothole"


def test_inactive_services_are_not_offered(client, city):
    Service.objects.filter(code="STREETLIGHT").update(is_active=False)
    codes = {s["service_code"] for s in get_json(client, "services")}
    assert "STREETLIGHT" not in codes
    get_json(client, "services/STREETLIGHT", expect=404)


def test_service_names_follow_the_apps_language(client, city):
    response = client.get(f"{BASE}/services.json", headers={"accept-language": "es"})
    names = {s["service_code"]: s["service_name"] for s in json.loads(response.content)}
    assert names["POTHOLE"] == "Bache"


def test_service_definition_lists_questions_with_typed_values(client, city):
    definition = get_json(client, "services/POTHOLE")
    validate("service-definition", definition)
    assert definition["service_code"] == "POTHOLE"
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert [a["order"] for a in definition["attributes"]] == list(range(1, 8))
    assert attributes["SIZE"]["required"] is True
    assert attributes["SIZE"]["variable"] is True
    assert attributes["NOTICE"]["variable"] is False
    assert attributes["LANES"]["datatype"] == "multivaluelist"
    assert attributes["SIZE"]["values"] == [
        {"key": "small", "name": "Smaller than a plate"},
        {"key": "large", "name": "Larger than a plate"},
    ]


def test_service_definition_in_xml_nests_attributes_and_values(client, city):
    root = get_xml(client, "services/POTHOLE")
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "POTHOLE"
    attributes = root.find("attributes")
    assert {el.tag for el in attributes} == {"attribute"}
    size = next(a for a in attributes if a.findtext("code") == "SIZE")
    assert size.findtext("required") == "true"
    assert size.findtext("order") == "1"
    values = size.find("values")
    assert [v.tag for v in values] == ["value", "value"]
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("small", "Smaller than a plate"),
        ("large", "Larger than a plate"),
    ]


def test_a_service_without_questions_has_an_empty_definition(client, city):
    definition = get_json(client, "services/STREETLIGHT")
    assert definition == {"service_code": "STREETLIGHT", "attributes": []}


def test_an_unknown_service_code_is_a_404_in_the_asked_format(client, city):
    body = get_json(client, "services/NOPE", expect=404)
    assert body == [{"code": 404, "description": "service_code 'NOPE' was not found"}]
    root = get_xml(client, "services/NOPE", expect=404)
    assert root.tag == "errors"
    assert root.find("error").findtext("code") == "404"
