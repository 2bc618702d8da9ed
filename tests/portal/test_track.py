"""Checking a request and following it by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.factories import SYSTEM, make_request
from townhall.servicedesk.models import Follow, Status
from townhall.servicedesk.services import change_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_request_is_found_by_its_number_typed_loosely(client, city):
    report = make_request()
    response = client.get("/track/", {"id": " " + report.public_id.lower() + " "})
    assert response.status_code == 302 and response["Location"] == f"/requests/{report.public_id}/"


def test_a_wrong_number_says_what_to_type(client, city):
    page = client.get("/track/", {"id": "12345"}).content.decode()
    assert "Enter a request number like SR-2026-000123." in page
    page = client.get("/track/", {"id": "SR-2026-999999"}).content.decode()
    assert "We could not find request SR-2026-999999" in page


def test_the_public_timeline_shows_public_updates_only(client, city):
    report = make_request("POTHOLE", attributes={"SIZE": "large"}, description="Huge one")
    change_status(SYSTEM, report, Status.ACKNOWLEDGED, "Crew booked for Tuesday")
    change_status(SYSTEM, report, Status.IN_PROGRESS, "Internal: call the contractor", public=False)
    page = client.get(f"/requests/{report.public_id}/").content.decode()
    assert "Request received" in page and "Crew booked for Tuesday" in page
    assert "call the contractor" not in page
    assert "Huge one" in page and "Larger than a plate" in page


def test_sensitive_requests_never_show_place_description_or_photos(client, city):
    report = make_request(
        "HOMELESS_OUTREACH", description="Man sleeping at 12 Elm St door", address="12 Elm St"
    )
    page = client.get(f"/requests/{report.public_id}/").content.decode()
    assert "12 Elm St" not in page and "sleeping" not in page
    assert "Northside" in page  # the area is enough to show the city is working on it


def test_staff_notes_on_sensitive_requests_stay_off_the_public_page(client, city):
    """As in the Open311 API: a public note can still name or place a person."""
    report = make_request("HOMELESS_OUTREACH", description="Person in the park")
    change_status(SYSTEM, report, Status.ACKNOWLEDGED, "Met Jo by the east gate")
    page = client.get(f"/requests/{report.public_id}/").content.decode()
    assert "east gate" not in page
    assert "Request received" in page  # the standard notes are not anyone's words


def test_following_by_email_needs_confirmation_then_sends_updates(
    client, city, immediate_tasks, django_capture_on_commit_callbacks
):
    report = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/requests/{report.public_id}/follow/", {"email": "neighbour@example.com"}
        )
    assert response.status_code == 302
    follow = Follow.objects.get()
    assert follow.confirmed_at is None
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/follow/confirm/\S+/", mail.outbox[0].body).group(0)
    path = link.split("8000", 1)[1]
    assert client.get(path).status_code == 200  # a page with a button: scanners confirm nothing
    assert Follow.objects.get().confirmed_at is None
    client.post(path)
    assert Follow.objects.get().confirmed_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        change_status(SYSTEM, report, Status.IN_PROGRESS, "On our way")
        change_status(SYSTEM, report, Status.IN_PROGRESS, "Internal only", public=False)
    assert len(mail.outbox) == 2
    update = mail.outbox[1]
    assert "On our way" in update.body and "Internal only" not in update.body
    stop = re.search(r"http://\S+/follow/stop/\S+/", update.body).group(0).split("8000", 1)[1]
    client.post(stop)
    assert not Follow.objects.exists()


def test_a_bad_email_to_follow_is_explained(client, city):
    report = make_request()
    response = client.post(f"/requests/{report.public_id}/follow/", {"email": "nope"})
    assert response.status_code == 400
    assert 'href="#id_email"' in response.content.decode()
    assert not Follow.objects.exists()


def test_a_forged_follow_link_does_nothing(client, city):
    assert client.get("/follow/confirm/not-a-token/").status_code == 404
    assert client.post("/follow/stop/not-a-token/").status_code == 404


def test_emails_follow_the_residents_language(
    client, city, immediate_tasks, django_capture_on_commit_callbacks
):
    report = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/requests/{report.public_id}/follow/",
            {"email": "vecina@example.com"},
            HTTP_ACCEPT_LANGUAGE="es",
        )
    assert "Confirme" in mail.outbox[0].subject


def test_photos_are_served_except_for_sensitive_services(client, city):
    from tests.servicedesk.test_media import photo_with_gps
    from townhall.servicedesk.media import clean_photo

    shown = make_request(photos=(clean_photo(photo_with_gps()),))
    hidden = make_request("HOMELESS_OUTREACH", photos=(clean_photo(photo_with_gps()),))
    page = client.get(f"/requests/{shown.public_id}/").content.decode()
    url = f"/photos/{shown.media.get().pk}"
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.get(f"/photos/{hidden.media.get().pk}").status_code == 404
