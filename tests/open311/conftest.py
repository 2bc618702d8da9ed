from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import SYSTEM, make_request
from townhall.servicedesk.inputs import ContactInput
from townhall.servicedesk.models import Status
from townhall.servicedesk.services import change_status

RESIDENT = ContactInput(
    email="ada@example.org",
    first_name="Ada",
    last_name="Lovelace",
    phone="+1 555 0100",
    device_id="device-42",
    account_id="acct-7",
)


@pytest.fixture
def app_client() -> Client:
    """An Open311 app: no session, no CSRF token, just HTTP."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def pothole(city):
    """A pothole reported by a named resident, later fixed with a public note."""
    request = make_request(
        "POTHOLE",
        lat=40.01,
        lon=-75.13,
        description="Deep hole by the school",
        address="12 Main St",
        address_id="A-12",
        zipcode="19100",
        contact=RESIDENT,
        attributes={
            "SIZE": "large",
            "LANES": ["left", "right"],
            "DEPTH_CM": "12",
            "LANDMARK": "Blue door",
        },
    )
    change_status(SYSTEM, request, Status.IN_PROGRESS, "Crew scheduled")
    change_status(SYSTEM, request, Status.CLOSED, "Filled", public=True)
    change_status(SYSTEM, request, Status.CLOSED, "Internal: overtime billed", public=False)
    request.refresh_from_db()
    return request


@pytest.fixture
def outreach(city):
    """A sensitive request: its place and words could identify a person."""
    request = make_request(
        "HOMELESS_OUTREACH",
        lat=40.013,
        lon=-75.187,
        description="Jo sleeps by the 5th St bridge",
        address="5th St bridge",
        address_id="B-5",
        zipcode="19101",
        contact=RESIDENT,
    )
    change_status(SYSTEM, request, Status.ACKNOWLEDGED, "Team will visit Jo tonight")
    request.refresh_from_db()
    return request
