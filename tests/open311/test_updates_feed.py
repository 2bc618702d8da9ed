"""servicerequestupdates: the feed FixMyStreet polls to copy the city's progress back."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.factories import SYSTEM, make_request
from tests.open311.api import BASE, UPDATE_FIELDS, error_descriptions, get_json, get_xml, validate
from townhall.servicedesk.models import RequestUpdate, Status
from townhall.servicedesk.services import change_status


def test_public_updates_come_oldest_first_with_fixmystreet_fields(client, pothole):
    body = get_json(client, "servicerequestupdates")
    validate("service-request-updates", body)
    assert all(set(u) == set(UPDATE_FIELDS) for u in body)
    assert [u["description"] for u in body] == ["Request received", "Crew scheduled", "Filled"]
    assert [u["status"] for u in body] == ["open", "in_progress", "closed"]
    assert {u["service_request_id"] for u in body} == {pothole.public_id}
    assert [u["update_id"] for u in body] == sorted((u["update_id"] for u in body), key=int)
    assert all(u["media_url"] == "" for u in body)


def test_the_xml_feed_has_the_root_fixmystreet_reads(client, pothole):
    root = get_xml(client, "servicerequestupdates")
    assert root.tag == "service_request_updates"
    assert {el.tag for el in root} == {"request_update"}
    last = root[-1]
    assert {c.tag for c in last} == set(UPDATE_FIELDS)
    assert last.findtext("status") == "closed"
    assert last.findtext("service_request_id") == pothole.public_id


def test_statuses_use_the_extended_vocabulary(client, city):
    request = make_request()
    for status in (
        Status.ACKNOWLEDGED,
        Status.ACTION_SCHEDULED,
        Status.NOT_RESPONSIBLE,
        Status.REOPENED,
        Status.NO_FURTHER_ACTION,
    ):
        change_status(SYSTEM, request, status, status.label)
    statuses = [u["status"] for u in get_json(client, "servicerequestupdates")]
    assert statuses == [
        "open",
        "investigating",
        "action_scheduled",
        "not_councils_responsibility",
        "open",
        "no_further_action",
    ]


def test_start_and_end_date_select_by_update_time(client, pothole):
    updates = list(RequestUpdate.objects.filter(is_public=True).order_by("at"))
    base = timezone.now() - timedelta(days=10)
    for n, update in enumerate(updates):
        RequestUpdate.objects.filter(pk=update.pk).update(at=base + timedelta(hours=n))
    start = (base + timedelta(minutes=30)).isoformat()
    end = (base + timedelta(hours=1, minutes=30)).isoformat()
    body = get_json(client, "servicerequestupdates", start_date=start, end_date=end)
    assert [u["description"] for u in body] == ["Crew scheduled"]
    # Only start_date, as FixMyStreet's adapter tests send it.
    assert len(get_json(client, "servicerequestupdates", start_date=start)) == 2


def test_bad_dates_are_400_in_the_feed(client, city):
    response = client.get(
        f"{BASE}/servicerequestupdates.xml",
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-12-01T00:00:00Z"},
    )
    assert response.status_code == 400
    assert error_descriptions(response) == ["start_date to end_date may not span more than 90 days"]


def test_an_api_key_on_a_read_is_ignored(client, pothole):
    assert get_json(client, "servicerequestupdates", api_key="whatever")
