"""Reporting a problem through the portal, as a resident would, without JavaScript."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import make_request
from tests.servicedesk.test_media import GPS_IFD, photo_with_gps
from townhall.audit.models import AuditEvent
from townhall.servicedesk.models import Media, ServiceRequest

pytestmark = pytest.mark.django_db

DETAILS = "/report/POTHOLE/details/"
PIN = "?lat=40.02&lon=-75.18"


def answers(**extra):
    return {"attr_SIZE": "small", "description": "Deep hole by the bus stop", **extra}


def test_search_is_typo_tolerant_and_uses_synonyms(client, city):
    page = client.get("/report/", {"q": "pothol"}).content.decode()
    assert 'href="/report/POTHOLE/"' in page.split("All services")[0]
    page = client.get("/report/", {"q": "the road is broken"}).content.decode()
    assert 'href="/report/POTHOLE/"' in page.split("All services")[0]


def test_every_service_can_be_browsed_by_group(client, city):
    page = client.get("/report/").content.decode()
    assert "Streets" in page and "Social services" in page
    for code in ("POTHOLE", "STREETLIGHT", "HOMELESS_OUTREACH"):
        assert f'href="/report/{code}/"' in page


def test_the_place_step_needs_a_pin_or_words(client, city):
    page = client.get("/report/POTHOLE/", {"step": "location"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "There is a problem" in text
    assert 'href="#id_address"' in text  # the summary links to the field
    assert "Error:" in text.split("</title>")[0]


def test_an_address_alone_is_enough_without_javascript(client, city):
    page = client.get("/report/POTHOLE/", {"step": "location", "address": "12 Elm St"})
    assert page.status_code == 302
    assert page["Location"].startswith(DETAILS) and "address=12+Elm+St" in page["Location"]


def test_a_pin_outside_the_city_is_refused(client, city):
    page = client.get("/report/POTHOLE/", {"step": "location", "lat": "10", "lon": "10"})
    assert page.status_code == 200
    assert "outside Riverton" in page.content.decode()


def test_the_service_questions_are_real_form_fields(client, city):
    page = client.get(DETAILS + PIN).content.decode()
    assert 'type="radio" name="attr_SIZE"' in page
    assert 'type="checkbox" name="attr_LANES"' in page
    assert 'type="number" name="attr_DEPTH_CM"' in page
    assert 'type="datetime-local" name="attr_FIRST_SEEN"' in page
    assert 'name="attr_LANDMARK"' in page and '<textarea name="attr_DETAILS"' in page
    assert "Call 911 if dangerous" in page  # the informational attribute is shown, not asked
    assert "<legend" in page


def test_missing_and_wrong_answers_are_listed_at_the_top_and_next_to_fields(client, city):
    response = client.post(
        DETAILS + PIN, {"attr_DEPTH_CM": "deep", "attr_FIRST_SEEN": "yesterday", "email": "x@"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_attr_SIZE_0"' in summary
    assert 'href="#id_attr_DEPTH_CM"' in summary
    assert 'href="#id_attr_FIRST_SEEN"' in summary
    assert 'href="#id_email"' in summary
    assert 'aria-invalid="true"' in page
    assert 'id="id_attr_DEPTH_CM-error"' in page
    assert ServiceRequest.objects.count() == 0


def test_a_resident_sends_a_report_and_gets_the_number_and_an_email(
    client, city, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            DETAILS + PIN,
            answers(
                attr_LANES=["left", "right"],
                attr_DEPTH_CM="7.5",
                attr_FIRST_SEEN="2026-03-01T08:30",
                email="ana@example.com",
                first_name="Ana",
            ),
        )
    assert response.status_code == 302
    report = ServiceRequest.objects.get()
    assert response["Location"] == f"/report/sent/{report.public_id}/"
    assert report.attributes["SIZE"] == "small"
    assert report.attributes["LANES"] == ["left", "right"]
    assert report.attributes["DEPTH_CM"] == 7.5
    assert report.attributes["FIRST_SEEN"].startswith("2026-03-01T08:30:00")
    assert report.area.code == "north"
    assert report.contact.email == "ana@example.com"
    assert AuditEvent.objects.filter(action="request.submitted").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert report.public_id in page and "Report sent" in page
    assert len(mail.outbox) == 1
    assert f"/requests/{report.public_id}/" in mail.outbox[0].body
    assert "open311" not in mail.outbox[0].body


def test_the_confirmation_page_is_only_for_the_sender(client, city):
    report = make_request("POTHOLE", attributes={"SIZE": "small"})
    response = client.get(f"/report/sent/{report.public_id}/")
    assert response.status_code == 302 and response["Location"] == f"/requests/{report.public_id}/"


def test_a_report_described_in_words_keeps_the_area_chosen(client, city):
    response = client.post(DETAILS + "?address=Corner+of+Oak+and+5th&area=south", answers())
    assert response.status_code == 302
    report = ServiceRequest.objects.get()
    assert report.lat is None and report.address == "Corner of Oak and 5th, Southside"


def test_contact_details_are_required_where_the_service_needs_them(client, city):
    from townhall.servicedesk.models import Service

    Service.objects.filter(code="POTHOLE").update(allows_anonymous=False)
    response = client.post(DETAILS + PIN, answers())
    assert response.status_code == 200
    assert 'href="#id_email"' in response.content.decode()


def test_nearby_open_reports_are_offered_before_sending(client, city):
    near = make_request("POTHOLE", lat=40.0201, lon=-75.1801, attributes={"SIZE": "small"})
    far = make_request("POTHOLE", lat=40.04, lon=-75.16, attributes={"SIZE": "small"})
    other = make_request("STREETLIGHT", lat=40.0201, lon=-75.1801)
    page = client.get(DETAILS + PIN).content.decode()
    assert "Is it one of these?" in page
    assert near.public_id in page
    assert far.public_id not in page and other.public_id not in page


def test_sensitive_services_never_suggest_duplicates(client, city):
    make_request("HOMELESS_OUTREACH", lat=40.0201, lon=-75.1801)
    page = client.get("/report/HOMELESS_OUTREACH/details/" + PIN).content.decode()
    assert "Is it one of these?" not in page


def _jpeg_upload(name="pothole.jpg", content=None):
    return SimpleUploadedFile(name, content or photo_with_gps(), content_type="image/jpeg")


def test_photos_are_stored_without_gps_or_camera_details(client, city):
    response = client.post(
        DETAILS + PIN, {**answers(), "photos": [_jpeg_upload(), _jpeg_upload("b.png")]}
    )
    assert response.status_code == 302
    assert Media.objects.count() == 2
    for media in Media.objects.all():
        with media.file.open("rb") as stored:
            content = stored.read()
        image = Image.open(io.BytesIO(content))
        assert image.format == "JPEG"
        assert not image.getexif().get_ifd(GPS_IFD)
        assert not image.getexif()
        assert b"PhoneMaker" not in content
        assert "pothole" not in media.file.name  # the resident's file name is not kept


def test_a_file_that_is_not_a_photo_is_refused_next_to_the_field(client, city):
    fake = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not a jpeg", content_type="image/jpeg")
    response = client.post(DETAILS + PIN, {**answers(), "photos": [fake]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "virus.jpg: the file is not a readable image" in page
    assert 'href="#id_photos"' in page
    assert "choose your photos again" in page
    assert ServiceRequest.objects.count() == 0


def test_more_than_three_photos_are_refused(client, city):
    files = [_jpeg_upload(f"{i}.jpg") for i in range(4)]
    response = client.post(DETAILS + PIN, {**answers(), "photos": files})
    assert "Choose at most 3 photos." in response.content.decode()


def test_an_oversized_photo_is_refused_before_it_is_read(client, city, settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "MAX_UPLOAD_BYTES": 2000}
    response = client.post(DETAILS + PIN, {**answers(), "photos": [_jpeg_upload()]})
    assert "larger than" in response.content.decode()


def test_reports_are_rate_limited_with_a_friendly_page(client, city, settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "RATE_LIMITS": {"report": "2/h"}}
    for _ in range(2):
        assert client.post(DETAILS + PIN, answers()).status_code == 302
    response = client.post(DETAILS + PIN, answers())
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert ServiceRequest.objects.count() == 2


def test_a_client_over_its_limit_is_refused_before_its_photos_are_read(client, city, settings):
    """Photos are decoded while the form is checked: over the limit, that work is not done,
    so the answer is the limit page even for a form that would have failed."""
    settings.TOWNHALL = {**settings.TOWNHALL, "RATE_LIMITS": {"report": "1/h"}}
    assert client.post(DETAILS + PIN, answers()).status_code == 302
    broken = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(DETAILS + PIN, {**answers(), "photos": [broken]})
    assert response.status_code == 429
    assert ServiceRequest.objects.count() == 1


def test_forms_refuse_posts_without_the_csrf_token(city):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(DETAILS + PIN, answers())
    assert response.status_code == 403
    assert "The form timed out" in response.content.decode()
    assert ServiceRequest.objects.count() == 0
