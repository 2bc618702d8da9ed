import pytest

from tests.factories import make_request
from townhall.audit.models import AuditEvent
from townhall.servicedesk.inputs import InvalidInput
from townhall.servicedesk.models import ServiceRequest


def test_request_lands_in_its_district_with_a_public_id_and_an_audit_event(city):
    request = make_request(lat=40.01, lon=-75.13)
    assert request.area.code == "south"
    assert request.public_id.startswith(f"SR-{request.requested_at.year}-")
    assert AuditEvent.objects.about(request).filter(action="request.submitted").exists()


def test_public_ids_count_up_within_a_year(city):
    first, second = make_request(), make_request()
    assert int(second.public_id[-6:]) == int(first.public_id[-6:]) + 1


def test_a_point_outside_the_city_is_refused_and_nothing_is_written(city):
    with pytest.raises(InvalidInput, match="outside"):
        make_request(lat=41.5, lon=-75.18)
    assert not ServiceRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="request.submitted").exists()


def test_required_attribute_and_bad_values_are_all_reported_at_once(city):
    with pytest.raises(InvalidInput) as caught:
        make_request("POTHOLE", attributes={"LANES": ["middle"], "DEPTH_CM": "deep"})
    fields = {p.field for p in caught.value.problems}
    assert fields == {"attribute[SIZE]", "attribute[LANES]", "attribute[DEPTH_CM]"}
