"""Filing requests from an Open311 app: what is stored, what comes back, what is refused."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import SYSTEM
from tests.open311.api import (
    BASE,
    error_descriptions,
    jpeg_with_gps,
    parse_xml,
    post,
    post_json,
    validate,
)
from townhall.accounts.models import ApiKey
from townhall.accounts.services import revoke_api_key
from townhall.audit.models import AuditEvent
from townhall.servicedesk.models import (
    Media,
    ReporterContact,
    RequestUpdate,
    Service,
    ServiceRequest,
)

GOOD = {"service_code": "POTHOLE", "lat": "40.01", "long": "-75.13", "attribute[SIZE]": "small"}


def counts() -> dict[str, int]:
    return {
        "requests": ServiceRequest.objects.count(),
        "updates": RequestUpdate.objects.count(),
        "contacts": ReporterContact.objects.count(),
        "media": Media.objects.count(),
        "submitted": AuditEvent.objects.filter(action="request.submitted").count(),
    }


@pytest.fixture
def nothing_written(city, settings):
    before = counts()
    yield
    assert counts() == before
    media_root = settings.MEDIA_ROOT
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_app_files_a_request_and_gets_its_public_id(app_client, api_key):
    body = post_json(
        app_client,
        api_key=api_key,
        **GOOD,
        description="Big hole",
        email="ada@example.org",
        first_name="Ada",
        last_name="L",
        phone="555",
        device_id="dev-1",
        account_id="acct-9",
        **{"attribute[LANES][]": ["left", "right"], "attribute[DEPTH_CM]": "7.5"},
    )
    validate("post-response", body)
    created = ServiceRequest.objects.get()
    assert body == [
        {"service_request_id": created.public_id, "service_notice": None, "account_id": "acct-9"}
    ]
    assert created.channel == "app"
    assert created.area.code == "south"
    assert created.description == "Big hole"
    assert created.attributes == {"SIZE": "small", "LANES": ["left", "right"], "DEPTH_CM": 7.5}
    assert created.contact.email == "ada@example.org"
    assert created.contact.device_id == "dev-1"
    event = AuditEvent.objects.get(action="request.submitted")
    assert event.actor_label == "api:Test client"
    assert event.ip == "127.0.0.1"


def test_xml_answer_is_a_service_requests_list_with_one_request(app_client, api_key):
    Service.objects.filter(code="POTHOLE").update(service_notice="Crews visit within 2 days")
    response = post(app_client, "xml", api_key=api_key, **GOOD)
    assert response.status_code == 200
    root = parse_xml(response)
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request"
    assert request.findtext("service_request_id") == ServiceRequest.objects.get().public_id
    assert request.findtext("service_notice") == "Crews visit within 2 days"
    assert request.find("account_id") is not None
    assert request.find("token") is None


def test_location_may_be_an_address_string_or_address_id(app_client, api_key, city):
    post_json(
        app_client,
        api_key=api_key,
        service_code="STREETLIGHT",
        address_string="12 Main St, Riverton",
    )
    post_json(app_client, api_key=api_key, service_code="STREETLIGHT", address_id="A-77")
    assert sorted(ServiceRequest.objects.values_list("address", "address_id")) == [
        ("", "A-77"),
        ("12 Main St, Riverton", ""),
    ]


def test_a_batch_service_answers_with_a_token_that_leads_to_the_request(app_client, api_key):
    Service.objects.filter(code="STREETLIGHT").update(type="batch")
    body = post_json(
        app_client, api_key=api_key, service_code="STREETLIGHT", address_string="Elm St"
    )
    validate("post-response", body)
    assert "service_request_id" not in body[0]
    token = body[0]["token"]
    response = app_client.get(f"{BASE}/tokens/{token}.json")
    tokens = json.loads(response.content)
    validate("token", tokens)
    assert tokens == [
        {"token": token, "service_request_id": ServiceRequest.objects.get().public_id}
    ]


def test_an_uploaded_photo_is_stored_without_exif_and_returned_as_media_url(
    app_client, api_key, settings
):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # has GPS
    photo = SimpleUploadedFile("IMG_0001 Ada's street.jpg", original, content_type="image/jpeg")
    response = app_client.post(
        f"{BASE}/requests.json", {"api_key": api_key, **GOOD, "media": photo}
    )
    assert response.status_code == 200, response.content
    media = Media.objects.get()
    assert "Ada" not in media.file.name
    stored = Image.open(media.file.path)
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert "exif" not in stored.info
    public_id = json.loads(response.content)[0]["service_request_id"]
    [shown] = json.loads(app_client.get(f"{BASE}/requests/{public_id}.json").content)
    base = settings.TOWNHALL["PUBLIC_BASE_URL"]
    assert shown["media_url"] == f"{base}/photos/{media.pk}"
    # ... and that URL serves the cleaned photo to anyone.
    served = app_client.get(f"/photos/{media.pk}")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"


def test_several_photos_may_be_sent_as_media_array(app_client, api_key):
    photos = [
        SimpleUploadedFile(f"{n}.jpg", jpeg_with_gps(), content_type="image/jpeg") for n in range(2)
    ]
    response = app_client.post(
        f"{BASE}/requests.json", {"api_key": api_key, **GOOD, "media[]": photos}
    )
    assert response.status_code == 200, response.content
    assert Media.objects.count() == 2


def test_the_post_needs_no_csrf_token(app_client, api_key):
    assert post(app_client, api_key=api_key, **GOOD).status_code == 200


# --- refusals: each writes nothing --------------------------------------------------


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_api_key_is_403(app_client, city, fmt):
    response = post(app_client, fmt, **GOOD)
    assert response.status_code == 403
    assert error_descriptions(response) == ["api_key is required to submit a request"]


@pytest.mark.usefixtures("nothing_written")
def test_a_wrong_or_revoked_api_key_is_403(app_client, api_key):
    assert post(app_client, api_key="th_not-a-key", **GOOD).status_code == 403
    revoke_api_key(SYSTEM, ApiKey.objects.get())
    response = post(app_client, "xml", api_key=api_key, **GOOD)
    assert response.status_code == 403
    assert error_descriptions(response) == ["api_key is not valid or has been revoked"]


@pytest.mark.usefixtures("nothing_written")
def test_an_unknown_or_missing_service_code(app_client, api_key):
    response = post(app_client, api_key=api_key, **{**GOOD, "service_code": "NOPE"})
    assert response.status_code == 404
    assert error_descriptions(response) == ["service_code 'NOPE' was not found"]
    response = post(app_client, api_key=api_key, **{**GOOD, "service_code": ""})
    assert response.status_code == 400
    assert error_descriptions(response) == ["service_code is required"]


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({}, "a location is required: lat and long, address_string or address_id"),
        ({"lat": "40.01"}, "lat and long must be given together"),
        ({"lat": "north", "long": "-75.13"}, "lat must be a decimal number"),
        ({"lat": "NaN", "long": "-75.13"}, "lat must be a decimal number"),
        ({"lat": "95", "long": "-75.13"}, "lat must be within -90..90 and long within -180..180"),
        ({"lat": "41.5", "long": "-75.13"}, "the location is outside the jurisdiction's area"),
        ({"address_string": "x" * 501}, "address_string is longer than 500 characters"),
    ],
)
def test_a_missing_or_bad_location_is_400(app_client, api_key, location, message):
    data = {k: v for k, v in GOOD.items() if k not in ("lat", "long")}
    response = post(app_client, api_key=api_key, **data, **location)
    assert response.status_code == 400
    assert error_descriptions(response) == [message]


@pytest.mark.usefixtures("nothing_written")
def test_every_attribute_problem_is_its_own_error(app_client, api_key):
    response = post(
        app_client,
        "xml",
        api_key=api_key,
        service_code="POTHOLE",
        lat="40.01",
        long="-75.13",
        **{
            "attribute[LANES][]": ["middle"],
            "attribute[DEPTH_CM]": "deep",
            "attribute[FIRST_SEEN]": "2026-01-01T10:00:00",
            "attribute[COLOUR]": "red",
        },
    )
    assert response.status_code == 400
    assert sorted(error_descriptions(response)) == sorted(
        [
            "attribute COLOUR is not defined for POTHOLE",
            "attribute SIZE is required",
            "attribute LANES: middle is not one of the allowed values",
            "attribute DEPTH_CM: 'deep' is not a number",
            "attribute FIRST_SEEN: '2026-01-01T10:00:00' needs a time zone offset, like "
            "2026-05-01T09:30:00-04:00",
        ]
    )


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unreadable_and_invalid_parts_are_reported_in_one_answer(app_client, api_key, fmt):
    """One entry per problem, all at once: a client should not fix its request in rounds."""
    response = post(
        app_client,
        fmt,
        api_key=api_key,
        service_code="POTHOLE",
        lat="abc",
        long="-75.13",
        description="x" * 4001,
        email="not-an-email",
        **{"attribute[DEPTH_CM]": "deep", "attribute[COLOUR]": "red"},
    )
    assert response.status_code == 400
    problems = error_descriptions(response)
    assert problems[0] == "lat must be a decimal number"
    assert set(problems[1:]) >= {
        "description is longer than 4000 characters",
        "attribute SIZE is required",
        "attribute DEPTH_CM: 'deep' is not a number",
        "attribute COLOUR is not defined for POTHOLE",
    }
    assert any("email" in p for p in problems)
    assert not any("location" in p or "together" in p for p in problems)
    assert len(problems) == len(set(problems))


@pytest.mark.usefixtures("nothing_written")
def test_a_string_answer_with_a_line_break_is_400(app_client, api_key):
    """GeoReport v2: a string is "a string of characters without line breaks"."""
    response = post(
        app_client, api_key=api_key, **GOOD, **{"attribute[LANDMARK]": "Blue door\nby the school"}
    )
    assert response.status_code == 400
    assert error_descriptions(response) == ["attribute LANDMARK: must be a single line"]


@pytest.mark.usefixtures("nothing_written")
def test_a_malformed_attribute_parameter_is_400(app_client, api_key):
    response = post(app_client, api_key=api_key, **GOOD, **{"attribute[SIZE][x]": "small"})
    assert response.status_code == 400
    assert "malformed" in error_descriptions(response)[0]


@pytest.mark.usefixtures("nothing_written")
def test_description_over_4000_characters_is_400(app_client, api_key):
    response = post(app_client, api_key=api_key, **GOOD, description="x" * 4001)
    assert response.status_code == 400
    assert error_descriptions(response) == ["description is longer than 4000 characters"]


@pytest.mark.usefixtures("nothing_written")
def test_bad_contact_details_are_400(app_client, api_key):
    response = post(app_client, api_key=api_key, **GOOD, email="not-an-email", phone="5" * 41)
    assert response.status_code == 400
    assert sorted(error_descriptions(response)) == [
        "email is not a valid address",
        "phone is longer than 40 characters",
    ]


@pytest.mark.usefixtures("nothing_written")
def test_a_bad_media_url_is_400(app_client, api_key):
    response = post(app_client, api_key=api_key, **GOOD, media_url="javascript:alert(1)")
    assert response.status_code == 400
    assert error_descriptions(response) == ["media_url must be an http or https URL"]


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/xml"])
def test_bodies_other_than_forms_are_400(app_client, api_key, content_type):
    body = json.dumps({"api_key": api_key, **GOOD})
    response = app_client.post(f"{BASE}/requests.json", body, content_type=content_type)
    assert response.status_code == 400
    assert "application/x-www-form-urlencoded" in error_descriptions(response)[0]


@pytest.mark.usefixtures("nothing_written")
def test_a_file_that_is_not_a_photo_is_400(app_client, api_key):
    upload = SimpleUploadedFile("a.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = app_client.post(
        f"{BASE}/requests.xml", {"api_key": api_key, **GOOD, "media": upload}
    )
    assert response.status_code == 400
    assert error_descriptions(response) == ["media: the file is not a readable image"]


@pytest.mark.usefixtures("nothing_written")
def test_an_oversized_photo_is_400(app_client, api_key, settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "MAX_UPLOAD_BYTES": 1024}
    upload = SimpleUploadedFile(
        "a.jpg", jpeg_with_gps(400, 400) + b"\0" * 2048, content_type="image/jpeg"
    )
    response = app_client.post(
        f"{BASE}/requests.json", {"api_key": api_key, **GOOD, "media": upload}
    )
    assert response.status_code == 400
    assert error_descriptions(response) == ["media: the photo is larger than 1,024 bytes"]


@pytest.mark.usefixtures("nothing_written")
def test_an_oversized_form_body_is_400(app_client, api_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post(app_client, api_key=api_key, **GOOD, description="x" * 20_000)
    assert response.status_code == 400
    assert error_descriptions(response)


@pytest.mark.usefixtures("nothing_written")
def test_a_malformed_multipart_body_is_400(app_client, api_key):
    response = app_client.post(
        f"{BASE}/requests.json",
        b'--boundary\r\nContent-Disposition: form-data; name="x"',
        content_type="multipart/form-data; boundary=boundary",
    )
    assert response.status_code in (400, 403)
    assert error_descriptions(response)


@pytest.mark.usefixtures("nothing_written")
def test_too_many_photos_are_400(app_client, api_key, settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "MAX_PHOTOS": 2}
    photos = [
        SimpleUploadedFile(f"{n}.jpg", jpeg_with_gps(), content_type="image/jpeg") for n in range(3)
    ]
    response = app_client.post(
        f"{BASE}/requests.json", {"api_key": api_key, **GOOD, "media": photos}
    )
    assert response.status_code == 400
    assert error_descriptions(response) == ["at most 2 media files may be uploaded with a request"]


def test_a_clients_own_media_url_is_stored_and_returned(api_key, client):
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "service_code": "STREETLIGHT",
            "lat": "40.02",
            "long": "-75.18",
            "media_url": "https://photos.example.org/p/123.jpg",
        },
    )
    assert response.status_code == 200, response.content
    public_id = response.json()[0]["service_request_id"]
    got = client.get(f"/open311/v2/requests/{public_id}.json").json()[0]
    assert got["media_url"] == "https://photos.example.org/p/123.jpg"
