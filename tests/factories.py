"""Small factories for a believable test city. Tests say what a person would notice."""

from __future__ import annotations

from typing import Any

from townhall.accounts.services import create_api_key
from townhall.lib.actors import Actor
from townhall.places.models import Area, Jurisdiction
from townhall.servicedesk.inputs import ContactInput, RequestInput
from townhall.servicedesk.models import Department, Service, ServiceAttribute, ServiceRequest
from townhall.servicedesk.services import submit_request

SYSTEM = Actor.system("tests")


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_city(slug: str = "riverton.example", name: str = "Riverton") -> Jurisdiction:
    """Two districts side by side, each 0.05° square, south-west corner at (-75.20, 40.00)."""
    city = Jurisdiction.objects.create(slug=slug, name=name, is_default=True)
    Area.objects.create(
        jurisdiction=city,
        code="north",
        name="Northside",
        geometry=square(-75.20, 40.00, 0.05),
        population=40000,
    )
    Area.objects.create(
        jurisdiction=city,
        code="south",
        name="Southside",
        geometry=square(-75.15, 40.00, 0.05),
        population=25000,
    )
    streets = Department.objects.create(jurisdiction=city, code="DPW", name="Public Works")
    outreach = Department.objects.create(jurisdiction=city, code="HS", name="Human Services")
    pothole = Service.objects.create(
        jurisdiction=city,
        code="POTHOLE",
        name="Pothole",
        group="Streets",
        description="A hole in the road surface",
        keywords="pothole,hole,road",
        department=streets,
        translations={"es": {"name": "Bache"}},
    )
    ServiceAttribute.objects.create(
        service=pothole,
        code="SIZE",
        order=1,
        datatype="singlevaluelist",
        required=True,
        description="How big is it?",
        values=[
            {"key": "small", "name": "Smaller than a plate"},
            {"key": "large", "name": "Larger than a plate"},
        ],
    )
    ServiceAttribute.objects.create(
        service=pothole,
        code="LANES",
        order=2,
        datatype="multivaluelist",
        description="Which lanes?",
        values=[{"key": "left", "name": "Left"}, {"key": "right", "name": "Right"}],
    )
    ServiceAttribute.objects.create(
        service=pothole, code="DEPTH_CM", order=3, datatype="number", description="Depth in cm"
    )
    ServiceAttribute.objects.create(
        service=pothole,
        code="FIRST_SEEN",
        order=4,
        datatype="datetime",
        description="When did you first see it?",
    )
    ServiceAttribute.objects.create(
        service=pothole, code="LANDMARK", order=5, datatype="string", description="Nearby landmark"
    )
    ServiceAttribute.objects.create(
        service=pothole, code="DETAILS", order=6, datatype="text", description="Anything else?"
    )
    ServiceAttribute.objects.create(
        service=pothole,
        code="NOTICE",
        order=7,
        variable=False,
        datatype="string",
        description="Call 911 if dangerous",
    )
    Service.objects.create(
        jurisdiction=city,
        code="STREETLIGHT",
        name="Streetlight out",
        group="Streets",
        department=streets,
    )
    Service.objects.create(
        jurisdiction=city,
        code="HOMELESS_OUTREACH",
        name="Homeless outreach",
        group="Social services",
        department=outreach,
        is_sensitive=True,
    )
    return city


def make_api_key(name: str = "Test client") -> str:
    _key, raw = create_api_key(SYSTEM, name)
    return raw


def make_request(
    service_code: str = "STREETLIGHT", lat: float = 40.02, lon: float = -75.18, **extra: Any
) -> ServiceRequest:
    service = Service.objects.get(code=service_code)
    contact = extra.pop("contact", ContactInput())
    return submit_request(
        SYSTEM, RequestInput(service=service, lat=lat, lon=lon, contact=contact, **extra)
    )
