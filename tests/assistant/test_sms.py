"""The SMS adapter: Twilio's inbound webhook, signed, answered in TwiML."""

from __future__ import annotations

import logging
from xml.etree import ElementTree

import pytest
from django.test import Client

from townhall.assistant import services, sms
from townhall.assistant.models import Conversation, Message
from townhall.lib.actors import Actor
from townhall.servicedesk.models import ServiceRequest

TOKEN = "test-auth-token"
URL = "http://testserver/assistant/sms/"
PHONE = "+12155550142"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "TWILIO_AUTH_TOKEN": TOKEN}


def text(client: Client, body: str, phone: str = PHONE, signature: str | None = None):
    params = {"From": phone, "To": "+12155550100", "Body": body, "MessageSid": "SM" + "0" * 32}
    if signature is None:
        signature = sms.signature(URL, params.items(), TOKEN)
    return client.post("/assistant/sms/", params, HTTP_X_TWILIO_SIGNATURE=signature)


def said(response) -> str:
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"
    return " ".join(m.text or "" for m in root.findall("Message"))


def test_twilios_documented_example_signature():
    # The example from Twilio's security documentation.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert sms.signature(url, params.items(), "12345") == "GvWf1cFY/Q7PnoempGyD5oXAezc="


def test_a_resident_files_a_request_by_text_message(client, riverton, caplog):
    caplog.set_level(logging.INFO)
    first = text(client, "graffiti on the wall at 20 Market St")
    assert first.status_code == 200 and said(first)
    text(client, "2")  # a private building
    text(client, "no")  # not offensive
    text(client, "text me at 215-555-0142")
    done = said(text(client, "yes"))
    request = ServiceRequest.objects.get()
    assert request.public_id in done and request.channel == "assistant"
    conversation = Conversation.objects.get()  # one conversation for the number
    assert conversation.channel == "sms" and conversation.phone == PHONE
    # A status question in the same conversation gets the real status.
    assert request.public_id in said(text(client, f"what's happening with {request.public_id}?"))
    assert Conversation.objects.count() == 1
    # Another number is another conversation.
    text(client, "hello", phone="+12155550199")
    assert Conversation.objects.count() == 2
    assert "5550142" not in caplog.text and "2155550199" not in caplog.text


def test_a_bad_signature_is_refused_and_nothing_is_written(client, riverton):
    response = text(client, "pothole on Elm St", signature="bm90IHRoZSBzaWduYXR1cmU=")
    assert response.status_code == 403
    assert not Conversation.objects.exists() and not Message.objects.exists()
    unsigned = client.post("/assistant/sms/", {"From": PHONE, "Body": "hi"})
    assert unsigned.status_code == 403 and not Conversation.objects.exists()


def test_without_a_token_the_webhook_is_open_for_development(client, riverton, settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "TWILIO_AUTH_TOKEN": ""}
    assert said(text(client, "what time does city hall open?", signature=""))


@pytest.mark.parametrize("body", ["", "   ", "x" * 1001])
def test_an_empty_or_oversized_message_gets_a_friendly_answer(client, riverton, body):
    response = text(client, body)
    assert response.status_code == 200
    assert "up to 1000 characters" in said(response)
    assert not Message.objects.exists()


def test_the_webhook_only_accepts_posts(client, riverton):
    assert client.get("/assistant/sms/").status_code == 405


def test_an_agents_reply_to_a_text_conversation_goes_out_by_sms(
    client, riverton, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TOWNHALL = {
        **settings.TOWNHALL,
        "SMS_BACKEND": "townhall.servicedesk.sms.FileSender",
        "SMS_FILE_PATH": str(tmp_path / "sms"),
    }
    text(client, "talk to a human")
    conversation = Conversation.objects.get()
    assert conversation.status == "handed_over"
    with django_capture_on_commit_callbacks(execute=True):
        services.agent_reply(Actor.system("tests"), conversation, "Hello from 311")
    (sent,) = (tmp_path / "sms").iterdir()
    assert f"To: {PHONE}" in sent.read_text() and "Hello from 311" in sent.read_text()
