from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import SYSTEM, make_request
from townhall.servicedesk import duplicates
from townhall.servicedesk.inputs import ContactInput
from townhall.servicedesk.models import Notification, Service, ServiceRequest, Status
from townhall.servicedesk.services import change_status, merge_duplicate

# About 111 m per 0.001° of latitude.
HERE = (40.0200, -75.1800)


def test_the_grid_covers_the_whole_radius_in_a_few_cells():
    cells = duplicates.cells_around(*HERE, 250)
    assert 4 <= len(cells) <= 16
    for dlat, dlon in [(0.00224, 0), (-0.00224, 0), (0, 0.00292), (0, -0.00292)]:
        assert duplicates.cell_of(HERE[0] + dlat, HERE[1] + dlon) in cells  # ~249 m away


def test_candidates_are_open_same_service_within_radius_and_window_nearest_first(city):
    far = make_request(lat=HERE[0] + 0.0040, lon=HERE[1])  # ~445 m
    near = make_request(lat=HERE[0] + 0.0010, lon=HERE[1])  # ~111 m
    nearer = make_request(lat=HERE[0] + 0.0005, lon=HERE[1])  # ~56 m
    closed = make_request(lat=HERE[0], lon=HERE[1] + 0.0001)
    change_status(SYSTEM, closed, Status.CLOSED, "Fixed")
    make_request("POTHOLE", lat=HERE[0], lon=HERE[1], attributes={"SIZE": "small"})
    old = make_request(lat=HERE[0], lon=HERE[1] + 0.0002)
    ServiceRequest.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - timedelta(days=40)
    )
    found = duplicates.candidates(Service.objects.get(code="STREETLIGHT"), *HERE)
    assert [c.request for c in found] == [nearer, near]
    assert 50 < found[0].distance_m < 60
    assert far not in [c.request for c in found]


def test_a_new_report_next_to_an_open_one_is_flagged_as_a_possible_duplicate(city):
    first = make_request(lat=HERE[0], lon=HERE[1])
    second = make_request(lat=HERE[0] + 0.0003, lon=HERE[1])
    assert second.suspected_duplicate == first
    assert first.suspected_duplicate is None


def test_the_search_uses_the_grid_index_not_a_table_scan(city):
    make_request(lat=HERE[0], lon=HERE[1])
    with CaptureQueriesContext(connection) as queries:
        duplicates.candidates(Service.objects.get(code="STREETLIGHT"), *HERE)
    cell_queries = [q["sql"] for q in queries.captured_queries if '"geocell" IN' in q["sql"]]
    assert len(cell_queries) == 1
    sql = cell_queries[0]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%s", "?"))
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "servicedesk_geocell" in plan and "SCAN servicedesk_servicerequest" not in plan


def test_group_wide_duplicates_when_the_service_asks(city):
    Service.objects.filter(code="STREETLIGHT").update(duplicates_across_group=True)
    pothole = make_request("POTHOLE", lat=HERE[0], lon=HERE[1], attributes={"SIZE": "small"})
    found = duplicates.candidates(Service.objects.get(code="STREETLIGHT"), *HERE)
    assert [c.request for c in found] == [pothole]


def test_merging_closes_the_child_with_its_parent_and_every_reporter_hears_of_the_fix(
    city, django_capture_on_commit_callbacks
):
    parent = make_request(contact=ContactInput(email="first@example.org"))
    child = make_request(
        contact=ContactInput(phone="+15550001", updates_by_email=False, updates_by_sms=True)
    )
    merge_duplicate(SYSTEM, child, parent)
    child.refresh_from_db()
    assert (child.status, child.parent) == (Status.DUPLICATE, parent)
    assert not child.is_open
    Notification.objects.all().delete()
    change_status(SYSTEM, parent, Status.CLOSED, "Replaced the lamp")
    sent = set(Notification.objects.values_list("kind", "channel", "recipient"))
    assert sent == {
        ("update", "email", "first@example.org"),
        ("duplicate_resolved", "sms", "+15550001"),
    }
    resolved = child.updates.filter(is_public=True).last()
    assert parent.public_id in resolved.description and "Replaced the lamp" in resolved.description


def test_a_duplicate_cannot_be_set_without_its_original(city):
    import pytest

    from townhall.servicedesk.workflow import TransitionNotAllowed

    with pytest.raises(TransitionNotAllowed, match="merge"):
        change_status(SYSTEM, make_request(), Status.DUPLICATE)
