"""Passwordless sign-in and "my requests"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import make_request
from townhall.accounts.models import Role, SignInToken, User
from townhall.servicedesk.inputs import ContactInput

pytestmark = pytest.mark.django_db


def ask_for_link(client, django_capture_on_commit_callbacks, email="ana@example.com"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/login/", {"email": email})
    assert response.status_code == 200
    return re.search(r"http://\S+(/login/\S+/)", mail.outbox[-1].body).group(1)


def test_a_resident_signs_in_by_email_link_and_sees_their_requests(
    client, city, django_capture_on_commit_callbacks
):
    mine = make_request(contact=ContactInput(email="Ana@Example.com"))
    theirs = make_request(contact=ContactInput(email="someone@example.com"))
    path = ask_for_link(client, django_capture_on_commit_callbacks)
    assert SignInToken.objects.get().digest not in path  # only a digest is stored
    assert client.get(path).status_code == 200  # confirm page; GET signs nobody in
    assert client.get("/my/requests/").status_code == 302
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/my/requests/"
    page = client.get("/my/requests/").content.decode()
    assert mine.public_id in page and theirs.public_id not in page
    user = User.objects.get(email="ana@example.com")
    assert user.role == Role.RESIDENT and not user.has_usable_password()


def test_a_sign_in_link_works_once(client, city, django_capture_on_commit_callbacks):
    path = ask_for_link(client, django_capture_on_commit_callbacks)
    client.post(path)
    client.post("/logout/")
    response = client.post(path)
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_an_old_sign_in_link_does_not_work(client, city, django_capture_on_commit_callbacks):
    path = ask_for_link(client, django_capture_on_commit_callbacks)
    SignInToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(path).status_code == 400


def test_a_staff_address_never_signs_in_to_the_staff_account_by_link(
    client, city, django_capture_on_commit_callbacks
):
    staff = User.objects.create_user(
        "boss", "boss@riverton.example", "pw-Long-enough-1", role=Role.SUPERVISOR, is_staff=True
    )
    path = ask_for_link(client, django_capture_on_commit_callbacks, "boss@riverton.example")
    client.post(path)
    signed_in = User.objects.get(pk=client.session["_auth_user_id"])
    assert signed_in != staff and signed_in.role == Role.RESIDENT


def test_asking_for_links_is_rate_limited(client, city, settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "RATE_LIMITS": {"sign_in": "1/h"}}
    client.post("/login/", {"email": "a@example.com"})
    assert client.post("/login/", {"email": "a@example.com"}).status_code == 429


def test_reports_made_while_signed_in_are_the_residents(
    client, city, django_capture_on_commit_callbacks
):
    client.post(ask_for_link(client, django_capture_on_commit_callbacks))
    page = client.get("/report/POTHOLE/details/?lat=40.02&lon=-75.18").content.decode()
    assert 'value="ana@example.com"' in page
    client.post(
        "/report/POTHOLE/details/?lat=40.02&lon=-75.18", {"attr_SIZE": "small", "email": ""}
    )
    page = client.get("/my/requests/").content.decode()
    assert "Pothole" in page
