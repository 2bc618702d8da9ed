import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests.factories import make_request
from townhall.audit.models import AuditEvent
from townhall.servicedesk.inputs import ContactInput, InvalidInput
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


def test_reporter_with_email_gets_an_acknowledgement_from_the_worker(
    city, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request(contact=ContactInput(email="ana@example.org", first_name="Ana"))
    assert mailoutbox == []  # queued for the worker, not sent while the resident waits
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert len(mailoutbox) == 1
    assert request.public_id in mailoutbox[0].subject
    assert mailoutbox[0].to == ["ana@example.org"]


def test_the_acknowledgement_is_queued_with_the_request_and_rolls_back_with_it(city):
    """The task row is part of the submission's transaction: both land or neither does."""
    with pytest.raises(RuntimeError), transaction.atomic():
        make_request(contact=ContactInput(email="ana@example.org"))
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError("the caller's next write fails")
    assert not ServiceRequest.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_anonymous_report_sends_no_mail(city, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_request()
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert mailoutbox == []
