"""Email and SMS updates through the outbox, the worker, retries and a real HTTP adapter."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command

from tests.factories import SYSTEM, make_request
from townhall.servicedesk.inputs import ContactInput
from townhall.servicedesk.models import Notification, NotificationStatus, Status
from townhall.servicedesk.services import change_status, retry_notification
from townhall.servicedesk.sms import SmsError, TwilioSender


def run_worker():
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


class FakeTwilio(BaseHTTPRequestHandler):
    """Twilio's Messages endpoint as far as we use it, on 127.0.0.1."""

    received: list[dict] = []
    fail_next = 0

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        type(self).received.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), **form}
        )
        if type(self).fail_next:
            type(self).fail_next -= 1
            self._answer(503, {"code": 20503, "message": "Service unavailable"})
        else:
            self._answer(201, {"sid": "SM123", "status": "queued"})

    def _answer(self, code, payload):
        body = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio(settings):
    FakeTwilio.received, FakeTwilio.fail_next = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TOWNHALL = {
        **settings.TOWNHALL,
        "SMS_BACKEND": "townhall.servicedesk.sms.TwilioSender",
        "TWILIO_API_BASE": f"http://127.0.0.1:{server.server_port}",
        "TWILIO_ACCOUNT_SID": "AC123",
        "TWILIO_AUTH_TOKEN": "secret",
        "TWILIO_FROM": "+15550000",
    }
    yield FakeTwilio
    server.shutdown()
    server.server_close()


def test_reporter_who_chose_sms_gets_texts_through_the_provider(
    city, twilio, django_capture_on_commit_callbacks, mailoutbox
):
    contact = ContactInput(phone="+15551234", updates_by_email=False, updates_by_sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request(contact=contact)
        change_status(SYSTEM, request, Status.IN_PROGRESS, "Crew on the way")
    run_worker()
    assert [m["To"] for m in twilio.received] == ["+15551234", "+15551234"]
    assert twilio.received[0]["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert twilio.received[0]["auth"].startswith("Basic ")
    assert request.public_id in twilio.received[0]["Body"]
    assert "Crew on the way" in twilio.received[1]["Body"]
    assert mailoutbox == []
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_email_and_sms_when_the_reporter_wants_both(
    city, django_capture_on_commit_callbacks, mailoutbox, settings, tmp_path
):
    settings.TOWNHALL = {**settings.TOWNHALL, "SMS_FILE_PATH": str(tmp_path / "sms")}
    contact = ContactInput(email="b@example.org", phone="+1555", updates_by_sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request(contact=contact)
        change_status(SYSTEM, request, Status.CLOSED, "Fixed")
    run_worker()
    subjects = [m.subject for m in mailoutbox]
    assert any("received" in s for s in subjects) and any("Update" in s for s in subjects)
    texts = sorted(p.read_text() for p in (tmp_path / "sms").iterdir())
    assert len(texts) == 2 and all("To: +1555" in t for t in texts)


def test_a_failing_provider_is_retried_then_shown_as_failed_and_can_be_resent(
    city, twilio, settings, django_capture_on_commit_callbacks
):
    settings.TOWNHALL = {**settings.TOWNHALL, "NOTIFY_MAX_ATTEMPTS": 2}
    twilio.fail_next = 5
    contact = ContactInput(phone="+15551234", updates_by_email=False, updates_by_sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_request(contact=contact)
    run_worker()
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == (NotificationStatus.PENDING, 1)
    assert "503" in notification.last_error
    # The retry waits (back-off); run it now, as the worker would later.
    from townhall.servicedesk.tasks import send_notification

    send_notification.call(notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert Notification.objects.failed().count() == 1
    twilio.fail_next = 0
    with django_capture_on_commit_callbacks(execute=True):
        retry_notification(SYSTEM, notification)
    run_worker()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT


def test_the_adapter_refuses_plain_http_to_other_hosts(settings):
    settings.TOWNHALL = {
        **settings.TOWNHALL,
        "TWILIO_API_BASE": "http://sms.example.org",
        "TWILIO_ACCOUNT_SID": "a",
        "TWILIO_AUTH_TOKEN": "b",
        "TWILIO_FROM": "c",
    }
    with pytest.raises(SmsError):
        TwilioSender()
