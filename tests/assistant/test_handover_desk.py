"""The live handover queue in the back office, through the real pages: a resident asks for a
person in the web chat, an agent finds the conversation in the queue, answers, and the answer
shows in the resident's chat."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.staff.conftest import make_person, signed_in
from townhall.accounts.models import Role
from townhall.assistant.models import Conversation, Handover


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_agents_reply_reaches_the_residents_chat(riverton):
    resident = Client()
    page = resident.post("/assistant/", {"message": "talk to a human"}, follow=True)
    assert "A person at 311 will answer in this chat" in page.content.decode()
    handover = Handover.objects.get()

    agent = signed_in(make_person("ana", Role.AGENT, []))
    queue = agent.get("/staff/assistant/").content.decode()
    assert f"/staff/assistant/{handover.pk}/" in queue and "Asked for a person" in queue
    conversation = agent.get(f"/staff/assistant/{handover.pk}/").content.decode()
    assert "talk to a human" in conversation and '<label for="id_text"' in conversation

    claimed = agent.post(f"/staff/assistant/{handover.pk}/claim/", follow=True)
    assert "You are answering this conversation" in claimed.content.decode()
    answer = "Hi, this is Ana from 311. How can I help?"
    sent = agent.post(f"/staff/assistant/{handover.pk}/reply/", {"text": answer}, follow=True)
    assert "Your reply was sent" in sent.content.decode()

    chat = resident.get("/assistant/").content.decode()
    assert answer in chat and "311 agent" in chat

    # An empty reply is refused on the page; nothing is sent.
    empty = agent.post(f"/staff/assistant/{handover.pk}/reply/", {"text": " "})
    assert empty.status_code == 400 and chat.count(answer) == 1

    agent.post(f"/staff/assistant/{handover.pk}/resolve/", {})
    handover.refresh_from_db()
    assert handover.status == "resolved"
    assert Conversation.objects.get().status == "active"
    assert "Nobody is waiting" in agent.get("/staff/assistant/").content.decode()


def test_emergencies_are_listed_first(riverton):
    calm, worried = Client(), Client()
    calm.post("/assistant/", {"message": "talk to a human"})
    worried.post("/assistant/", {"message": "there is smoke pouring out of my neighbour's window"})
    queue = signed_in(make_person("sam", Role.SUPERVISOR, [])).get("/staff/assistant/")
    page = queue.content.decode()
    assert page.index("Emergency or distress") < page.index("Asked for a person")


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STAFF, Role.ANALYST])
def test_people_without_the_role_are_turned_away(riverton, role):
    Client().post("/assistant/", {"message": "talk to a human"})
    handover = Handover.objects.get()
    client = signed_in(make_person("someone", role, []))
    assert client.get("/staff/assistant/").status_code == 403
    assert client.get(f"/staff/assistant/{handover.pk}/").status_code == 403
    reply = client.post(f"/staff/assistant/{handover.pk}/reply/", {"text": "hello"})
    assert reply.status_code == 403
    assert client.post(f"/staff/assistant/{handover.pk}/resolve/", {}).status_code == 403
    anonymous = Client().get(f"/staff/assistant/{handover.pk}/")
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    handover.refresh_from_db()
    assert handover.status == "waiting" and handover.conversation.messages.count() == 2
