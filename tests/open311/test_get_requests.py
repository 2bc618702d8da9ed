"""Reading requests back: filters, dates, pages, extensions, in both formats."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import SYSTEM, make_request
from tests.open311.api import (
    BASE,
    REQUEST_FIELDS,
    children,
    error_descriptions,
    get_json,
    get_xml,
    validate,
)
from townhall.servicedesk.models import ServiceRequest, Status
from townhall.servicedesk.services import change_status


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def ids(body) -> list[str]:
    return [r["service_request_id"] for r in body]


def test_a_request_reads_back_with_every_spec_field(client, pothole):
    [shown] = get_json(client, f"requests/{pothole.public_id}")
    validate("requests", [shown])
    assert set(shown) == set(REQUEST_FIELDS)
    assert shown["service_request_id"] == pothole.public_id
    assert shown["status"] == "closed"
    assert shown["status_notes"] == "Filled"
    assert shown["service_code"] == "POTHOLE"
    assert shown["service_name"] == "Pothole"
    assert shown["description"] == "Deep hole by the school"
    assert shown["agency_responsible"] == "Public Works"
    assert (shown["address"], shown["address_id"], shown["zipcode"]) == (
        "12 Main St",
        "A-12",
        "19100",
    )
    assert (shown["lat"], shown["long"]) == (40.01, -75.13)
    assert shown["media_url"] is None
    assert shown["expected_datetime"] is None


def test_times_are_local_to_the_city_with_their_offset(client, pothole):
    [shown] = get_json(client, f"requests/{pothole.public_id}")
    local = pothole.requested_at.astimezone(timezone.get_default_timezone())
    assert shown["requested_datetime"] == local.replace(microsecond=0).isoformat()
    assert shown["requested_datetime"][-6:] in {"-05:00", "-04:00"}  # America/New_York


def test_the_xml_request_has_the_same_fields(client, pothole):
    root = get_xml(client, f"requests/{pothole.public_id}")
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request"
    fields = children(request)
    assert set(fields) == set(REQUEST_FIELDS)
    assert fields["lat"].text == "40.01"
    assert fields["status"].text == "closed"
    assert fields["media_url"].text is None


def test_an_unknown_request_id_is_404(client, city):
    response = client.get(f"{BASE}/requests/SR-1999-000001.xml")
    assert response.status_code == 404
    assert error_descriptions(response) == ["service_request_id 'SR-1999-000001' was not found"]


def test_the_list_is_newest_first_and_matches_the_schema(client, city):
    old = make_request(requested_at=days_ago(3))
    new = make_request(requested_at=days_ago(1))
    body = get_json(client, "requests")
    validate("requests", body)
    assert ids(body) == [new.public_id, old.public_id]
    root = get_xml(client, "requests")
    assert [r.findtext("service_request_id") for r in root] == [new.public_id, old.public_id]


def test_by_default_only_the_last_90_days_are_listed(client, city):
    make_request(requested_at=days_ago(91))
    recent = make_request(requested_at=days_ago(89))
    assert ids(get_json(client, "requests")) == [recent.public_id]


def test_dates_select_by_requested_time_and_accept_z_or_offsets(client, city):
    a = make_request(requested_at=days_ago(200))
    b = make_request(requested_at=days_ago(150))
    start = (days_ago(201)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (days_ago(149)).astimezone(timezone.get_default_timezone()).isoformat()
    assert ids(get_json(client, "requests", start_date=start, end_date=end)) == [
        b.public_id,
        a.public_id,
    ]
    # With start_date alone the span is the 90 days that follow it.
    assert ids(get_json(client, "requests", start_date=start)) == [b.public_id, a.public_id]
    # With end_date alone it is the 90 days before it.
    assert ids(get_json(client, "requests", end_date=(days_ago(190)).isoformat())) == [a.public_id]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"start_date": "yesterday"},
            "start_date must be an ISO 8601 date and time, like 2026-01-31T00:00:00Z",
        ),
        (
            {"end_date": "2026-02-30T00:00:00Z"},
            "end_date must be an ISO 8601 date and time, like 2026-01-31T00:00:00Z",
        ),
        (
            {"start_date": "2026-01-01T00:00:00"},
            "start_date must include a time zone: Z or an offset like 2026-01-31T00:00:00-05:00",
        ),
        (
            {"start_date": "2026-01-01"},
            "start_date must include a time zone: Z or an offset like 2026-01-31T00:00:00-05:00",
        ),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "start_date to end_date may not span more than 90 days",
        ),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "end_date is earlier than start_date",
        ),
        ({"start_date": "9999-12-31T23:59:59-12:00"}, "start_date must be between 1970 and 2100"),
        ({"status": "pending"}, "status must be open, closed, or both separated by a comma"),
        ({"service_code": "NOPE"}, "service_code 'NOPE' was not found"),
        ({"page": "0"}, "page must be a whole number from 1 to 100000"),
        ({"page": "-1"}, "page must be a whole number from 1 to 100000"),
        ({"page": "two"}, "page must be a whole number from 1 to 100000"),
        ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1000"),
        ({"page_size": "1.5"}, "page_size must be a whole number from 1 to 1000"),
        ({"extensions": "maybe"}, "extensions must be true or false"),
        (
            {"updated_after": "2026-01-01T00:00:00Z", "updated_before": "2026-12-01T00:00:00Z"},
            "updated_after to updated_before may not span more than 90 days",
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_are_400_with_a_clear_reason(client, city, params, message, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", params)
    assert response.status_code == 400
    assert error_descriptions(response) == [message]


def test_status_filter_maps_workflow_statuses_to_open_and_closed(client, city):
    new = make_request()
    working = make_request()
    change_status(SYSTEM, working, Status.IN_PROGRESS)
    done = make_request()
    change_status(SYSTEM, done, Status.NO_FURTHER_ACTION)
    assert set(ids(get_json(client, "requests", status="open"))) == {
        new.public_id,
        working.public_id,
    }
    assert ids(get_json(client, "requests", status="closed")) == [done.public_id]
    assert len(get_json(client, "requests", status="open,closed")) == 3
    response = client.get(f"{BASE}/requests.json?status=open&status=closed")
    assert len(json.loads(response.content)) == 3


def test_service_code_filter_takes_a_comma_list(client, city):
    light = make_request("STREETLIGHT")
    hole = make_request("POTHOLE", attributes={"SIZE": "small"})
    make_request("HOMELESS_OUTREACH")
    assert ids(get_json(client, "requests", service_code="STREETLIGHT")) == [light.public_id]
    assert ids(get_json(client, "requests", service_code="POTHOLE,STREETLIGHT")) == [
        hole.public_id,
        light.public_id,
    ]


def test_service_request_id_list_overrides_every_other_filter(client, city):
    old = make_request(requested_at=days_ago(400))
    other = make_request("STREETLIGHT")
    make_request()
    body = get_json(
        client,
        "requests",
        service_request_id=f"{old.public_id},{other.public_id}",
        status="closed",
        service_code="POTHOLE",
        start_date="garbage",
    )
    assert ids(body) == [other.public_id, old.public_id]
    assert get_json(client, "requests", service_request_id="SR-1999-000001") == []


def test_pages_walk_the_list_and_link_to_the_next(client, city):
    made = [make_request(requested_at=days_ago(n)).public_id for n in range(5)]
    response = client.get(f"{BASE}/requests.json", {"page_size": 2})
    assert ids(json.loads(response.content)) == made[:2]
    assert 'rel="next"' in response["Link"]
    assert "page=2" in response["Link"]
    assert ids(get_json(client, "requests", page_size=2, page=2)) == made[2:4]
    last = client.get(f"{BASE}/requests.json", {"page_size": 2, "page": 3})
    assert ids(json.loads(last.content)) == made[4:]
    assert "Link" not in last
    assert get_json(client, "requests", page_size=2, page=50) == []


def test_at_most_the_configured_number_of_requests_come_back(client, city, settings):
    settings.TOWNHALL = {
        **settings.TOWNHALL,
        "OPEN311_MAX_RESULTS": 3,
        "OPEN311_DEFAULT_PAGE_SIZE": 3,
    }
    for n in range(4):
        make_request(requested_at=days_ago(n))
    assert len(get_json(client, "requests")) == 3
    get_json(client, "requests", expect=400, page_size=4)


def test_updated_after_finds_old_requests_that_changed_recently(client, city):
    old = make_request(requested_at=days_ago(300))
    make_request(requested_at=days_ago(2))
    ServiceRequest.objects.exclude(pk=old.pk).update(updated_at=days_ago(2))
    change_status(SYSTEM, old, Status.CLOSED, "Done at last")
    since = days_ago(1).isoformat()
    assert ids(get_json(client, "requests", updated_after=since)) == [old.public_id]
    before = days_ago(1).isoformat()
    assert old.public_id not in ids(get_json(client, "requests", updated_before=before))


def test_extensions_add_answers_and_the_public_timeline(client, pothole):
    [shown] = get_json(client, f"requests/{pothole.public_id}", extensions="true")
    validate("requests", [shown])
    extra = shown["extended_attributes"]
    assert extra["channel"] == "web"
    assert extra["area"] == "Southside"
    assert extra["duplicate"] is False
    answers = {a["code"]: a for a in extra["attributes"]}
    assert answers["SIZE"]["values"] == [{"key": "large", "name": "Larger than a plate"}]
    assert [v["key"] for v in answers["LANES"]["values"]] == ["left", "right"]
    assert answers["DEPTH_CM"]["value"] == 12
    assert answers["LANDMARK"] == {
        "code": "LANDMARK",
        "description": "Nearby landmark",
        "value": "Blue door",
    }
    notes = shown["notes"]
    assert [n["type"] for n in notes] == ["opened", "activity", "closed"]
    assert [n["description"] for n in notes] == ["Request received", "Crew scheduled", "Filled"]
    assert all("overtime" not in json.dumps(n) for n in notes)
    assert notes[1]["summary"] == "In progress"


def test_extensions_in_xml_nest_answers_and_notes(client, pothole):
    root = get_xml(client, "requests", extensions="true")
    [request] = root
    extra = request.find("extended_attributes")
    assert extra.findtext("channel") == "web"
    answers = extra.find("attributes")
    assert {a.tag for a in answers} == {"attribute"}
    lanes = next(a for a in answers if a.findtext("code") == "LANES")
    assert [v.findtext("key") for v in lanes.find("values")] == ["left", "right"]
    notes = request.find("notes")
    assert [n.tag for n in notes] == ["note"] * 3
    assert notes[2].findtext("type") == "closed"


def test_without_extensions_there_are_only_spec_fields(client, pothole):
    [shown] = get_json(client, "requests", extensions="false")
    assert set(shown) == set(REQUEST_FIELDS)


def test_a_duplicate_names_its_parent_in_extensions(client, city):
    parent = make_request()
    child = make_request()
    ServiceRequest.objects.filter(pk=child.pk).update(parent=parent, status=Status.DUPLICATE)
    [shown] = get_json(client, f"requests/{child.public_id}", extensions="true")
    assert shown["status"] == "closed"
    assert shown["extended_attributes"]["duplicate"] is True
    assert shown["extended_attributes"]["parent_service_request_id"] == parent.public_id


def test_listing_costs_the_same_number_of_queries_for_more_rows(client, city):
    def queries_for_listing() -> int:
        with CaptureQueriesContext(connection) as captured:
            get_json(client, "requests", extensions="true")
        return len(captured)

    def add(count: int) -> None:
        for n in range(count):
            make_request(
                "POTHOLE" if n % 3 else "HOMELESS_OUTREACH",
                requested_at=days_ago(n),
                attributes={"SIZE": "small"} if n % 3 else {},
            )

    add(5)
    few = queries_for_listing()
    add(25)
    # The second listing skips the catalogue (memoised per worker: jurisdiction, services
    # with their questions, departments) and may skip the area polygon query.
    assert queries_for_listing() <= few - 3 and few <= 10


def test_open_requests_of_a_service_come_from_the_partial_index_without_a_sort(client, city):
    if connection.vendor != "sqlite":
        pytest.skip("the plan is checked on SQLite, whose planner needs the literal condition")
    make_request("POTHOLE", attributes={"SIZE": "small"})
    executed: list[tuple[str, object]] = []

    def remember(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(remember):
        get_json(client, "requests", service_code="POTHOLE", status="open")
    # The statement as sent, with its bound parameters (not the logged text, which has
    # the parameters written in and so always looks literal).
    sql, params = next((s, p) for s, p in reversed(executed) if "ORDER BY" in s)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [str(row[3]) for row in cursor.fetchall()]
    assert any("request_open_by_service" in step for step in plan), plan
    # The only sort left is the photo subquery's (a few rows per request).
    assert sum("TEMP B-TREE" in step for step in plan) <= 1, plan
