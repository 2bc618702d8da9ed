"""The web chat as a resident uses it: a plain form, no JavaScript needed."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from townhall.assistant.models import Handover
from townhall.servicedesk.models import ServiceRequest

pytestmark = pytest.mark.urls("tests.assistant.urls")


def send(client, text, **extra):
    return client.post("/assistant/", {"message": text, **extra}, follow=True)


def test_a_resident_files_a_report_through_the_chat_page(client, riverton):
    page = client.get("/assistant/").content.decode()
    assert 'role="log"' in page and "<label" in page and "call 911" in page
    send(client, "graffiti on the wall at 20 Market St")
    send(client, "2")  # a private building
    page = send(client, "no").content.decode()  # not offensive
    assert "Photo (optional)" in page  # the web chat asks for a photo
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, format="JPEG")
    image.seek(0)
    image.name = "wall.jpg"
    client.post("/assistant/", {"message": "", "photo": image}, follow=True)
    send(client, "skip")
    page = send(client, "yes").content.decode()
    request = ServiceRequest.objects.get()
    assert request.public_id in page
    assert request.channel == "assistant" and request.media.count() == 1


def test_an_empty_message_gets_a_clear_error(client, riverton):
    response = client.post("/assistant/", {"message": "  "})
    assert response.status_code == 400
    assert "Write a message" in response.content.decode()


def test_an_emergency_in_the_chat_shows_911_and_waits_for_a_person(client, riverton):
    page = send(client, "there is smoke pouring out of my neighbour's window").content.decode()
    assert "call 911 now" in page
    assert "A person at 311 will answer in this chat" in page
    assert Handover.objects.get().reason == "emergency"


def test_the_answer_links_to_the_article_page_in_the_residents_language(client, riverton):
    page = send(client, "¿a qué hora abre el ayuntamiento?").content.decode()
    assert "/help/city-hall-hours/?lang=es" in page
    article = client.get("/help/city-hall-hours/?lang=es").content.decode()
    assert "100 Market St" in article and 'lang="es"' in article and "Read in English" in article
    assert client.get("/help/no-such-thing/").status_code == 404


def test_starting_over_forgets_the_conversation(client, riverton):
    send(client, "hello")
    client.post("/assistant/restart/")
    page = client.get("/assistant/").content.decode()
    assert "What can I do for you?" in page and "You:" not in page
