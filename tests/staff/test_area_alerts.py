"""Anyone can follow an area: an Atom feed and confirmed email alerts, nothing personal."""

from __future__ import annotations

import re

from django.core import mail
from django.core.management import call_command
from django.test import Client

from tests.factories import make_request
from townhall.servicedesk.inputs import ContactInput
from townhall.servicedesk.models import AreaFollow


def run_worker():
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


def test_the_area_feed_lists_new_requests_without_personal_data(city):
    make_request(
        description="Lamp flickers",
        address="5 Oak Ave",
        contact=ContactInput(email="ana@example.org", first_name="Ana"),
    )
    make_request("HOMELESS_OUTREACH", description="Person sleeping by the door", address="9 Elm St")
    response = Client().get("/areas/north/feed.atom")
    feed = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/atom+xml"
    )
    assert "Streetlight out" in feed and "5 Oak Ave" in feed
    assert "Homeless outreach" in feed
    assert "9 Elm St" not in feed and "sleeping" not in feed
    assert "ana@example.org" not in feed and "Ana" not in feed
    assert Client().get("/areas/nowhere/feed.atom").status_code == 404


def test_area_alerts_need_confirming_then_arrive_and_can_be_stopped(
    city, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/areas/north/follow/", {"email": "watcher@example.org"})
    run_worker()
    assert len(mail.outbox) == 1 and "Confirm" in mail.outbox[0].subject
    confirm = re.search(r"https?://\S+/confirm/", mail.outbox[0].body).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        make_request()  # not confirmed yet: no alert
    assert client.get(confirm.split("8000")[1]).status_code == 200
    client.post(confirm.split("8000")[1])
    assert AreaFollow.objects.get().confirmed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request(address="5 Oak Ave")
        make_request(lat=40.01, lon=-75.13)  # Southside: not followed
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()  # the alert task puts the messages in the outbox...
    run_worker()  # ... and they are sent
    alerts = [m for m in mail.outbox if "New in Northside" in m.subject]
    assert len(alerts) == 1 and request.public_id in alerts[0].subject
    stop = re.search(r"https?://\S+/stop/", alerts[0].body).group(0)
    client.post(stop.split("8000")[1])
    assert not AreaFollow.objects.exists()


def test_a_forged_link_does_nothing(city):
    assert Client().post("/areas/alerts/not-a-token/confirm/").status_code == 404


def test_area_alert_sign_ups_are_rate_limited_so_nobody_can_flood_a_mailbox(
    city, settings, django_capture_on_commit_callbacks
):
    """Each sign-up mails the address typed in; past the follow limit nothing more is sent."""
    settings.TOWNHALL = {**settings.TOWNHALL, "RATE_LIMITS": {"follow": "2/h"}}
    client = Client()
    codes = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            response = client.post("/areas/north/follow/", {"email": "victim@example.org"})
            codes.append(response.status_code)
    run_worker()
    assert codes == [200, 200, 429, 429]
    assert "Too many attempts" in response.content.decode()
    assert len(mail.outbox) == 2
