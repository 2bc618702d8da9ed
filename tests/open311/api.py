"""Talking to the Open311 API the way a third-party app does, and checking what comes back."""

from __future__ import annotations

import io
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import jsonschema
from defusedxml.ElementTree import fromstring
from django.test import Client
from PIL import ExifTags, Image
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

BASE = "/open311/v2"
SCHEMAS = Path(__file__).parent / "schemas"
# The spec's w3 datetime: to the second, with Z or an HH:MM offset.
W3_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(schema, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def validate(schema_name: str, data: Any) -> None:
    """Raise unless ``data`` matches tests/open311/schemas/<schema_name>.json."""
    schema = _registry().contents(f"{schema_name}.json")
    jsonschema.Draft7Validator(
        schema, registry=_registry(), format_checker=jsonschema.FormatChecker()
    ).validate(data)
    _check_datetimes(data)


def _check_datetimes(data: Any) -> None:
    if isinstance(data, list):
        for item in data:
            _check_datetimes(item)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key.endswith("datetime") and value is not None:
                assert W3_DATETIME.match(value), f"{key}={value!r} is not a w3 datetime"
            _check_datetimes(value)


def get_json(client: Client, path: str, expect: int = 200, **params: Any) -> Any:
    response = client.get(f"{BASE}/{path}.json", params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def get_xml(client: Client, path: str, expect: int = 200, **params: Any) -> Element:
    response = client.get(f"{BASE}/{path}.xml", params)
    assert response.status_code == expect, response.content
    return parse_xml(response)


def parse_xml(response: Any) -> Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return fromstring(response.content)


def post(client: Client, fmt: str = "json", **data: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data)


def post_json(client: Client, expect: int = 200, **data: Any) -> Any:
    response = post(client, "json", **data)
    assert response.status_code == expect, response.content
    return json.loads(response.content)


def error_descriptions(response: Any) -> list[str]:
    """Descriptions from an error body in either format, after checking its shape."""
    if response["Content-Type"].startswith("text/xml"):
        root = parse_xml(response)
        assert root.tag == "errors"
        errors = [{child.tag: child.text for child in error} for error in root]
        assert all(e.keys() == {"code", "description"} for e in errors)
        assert all(int(e["code"]) == response.status_code for e in errors)
        return [e["description"] for e in errors]
    body = json.loads(response.content)
    validate("errors", body)
    return [e["description"] for e in body]


def children(element: Element) -> dict[str, Element]:
    return {child.tag: child for child in element}


def jpeg_with_gps(width: int = 64, height: int = 48) -> bytes:
    """A small photo that carries a GPS position in its EXIF block, as phones write them."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (40.0, 1.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (75.0, 10.0, 48.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# The spec's element order, from its XML examples.
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
ATTRIBUTE_FIELDS = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
# mySociety's servicerequestupdates, in the order its adapter writes them.
UPDATE_FIELDS = [
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
]
