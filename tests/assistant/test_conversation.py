"""Conversations as a resident has them: filing, asking, checking, being handed over."""

from __future__ import annotations

import pytest

from tests.assistant.conftest import SYSTEM
from townhall.assistant import services
from townhall.assistant.models import (
    ConversationStatus,
    Handover,
    HandoverReason,
    Message,
    Sender,
)
from townhall.lib.actors import Actor
from townhall.servicedesk.inputs import InvalidInput, RequestInput
from townhall.servicedesk.models import Service, ServiceRequest, Status
from townhall.servicedesk.services import change_status, submit_request

RESIDENT = Actor(label="resident:web", channel="assistant")


def chat(conversation, *messages):
    return [services.handle_message(RESIDENT, conversation, m) for m in messages]


@pytest.fixture
def conversation(riverton):
    return services.start_conversation(RESIDENT, riverton, channel="sms")


def test_a_resident_reports_a_pothole_and_gets_the_request_number(conversation):
    first, size, contact, confirm = chat(
        conversation,
        "there's a huge pothole outside 1412 Walnut St, nearly lost a wheel",
        "3",
        "jo@example.org",
        "yes",
    )
    assert "Pothole" in first.text and "How big is it?" in first.text  # location already given
    assert "jo@example.org" in confirm.text or "Shall I send it" in contact.text
    request = ServiceRequest.objects.get(public_id=confirm.public_id)
    assert confirm.public_id in confirm.text
    assert request.service.code == "POTHOLE"
    assert request.channel == "assistant"
    assert request.address == "1412 Walnut St"
    assert request.attributes == {"SIZE": "large"}
    assert request.contact.email == "jo@example.org"
    assert "huge pothole" in request.description
    assert conversation.messages.filter(sender=Sender.RESIDENT).count() == 4


def test_the_assistant_asks_for_the_place_when_the_message_has_none(conversation):
    first, place, kind, contact, confirm = chat(
        conversation,
        "the streetlight on my block is out",
        "Elm St and 5th St",
        "1",
        "skip",
        "yes",
    )
    assert "Where is it?" in first.text
    assert "What is wrong with the light?" in place.text
    request = ServiceRequest.objects.get(public_id=confirm.public_id)
    assert (request.address, request.attributes) == ("Elm St and 5th St", {"PROBLEM": "out"})
    assert not hasattr(request, "contact") or not request.contact.email


def test_a_request_number_is_not_taken_for_a_phone_number(conversation):
    *_rest, contact = chat(
        conversation, "dead cat on the sidewalk at 14 Pine St", "5", "2", "SR-2026-000001"
    )
    assert "doesn't look like an email address" in contact.text
    assert "contact" not in conversation.__class__.objects.get(pk=conversation.pk).state


def test_a_spanish_conversation_stays_in_spanish(conversation):
    first, *_rest, confirm = chat(
        conversation,
        "hay un bache enorme en la calle Pine",
        "Pine St y 4th St",
        "1",
        "omitir",
        "sí",
    )
    assert "Bache" in first.text and "¿Dónde está?" in first.text
    assert "Su número de solicitud es" in confirm.text
    assert ServiceRequest.objects.get(public_id=confirm.public_id).service.code == "POTHOLE"


def test_saying_no_lets_the_resident_change_the_place(conversation):
    *_asked, summary, change, place, again, sent = chat(
        conversation,
        "graffiti on the wall at 20 Market St",
        "2",  # private building
        "no",  # not offensive
        "skip",
        "no",
        "place",
        "22 Market St",
        "yes",
    )
    assert "20 Market St" in summary.text and "Shall I send it?" in summary.text
    assert "What would you like to change?" in change.text
    assert "Where is it?" in place.text
    assert "22 Market St" in again.text
    request = ServiceRequest.objects.get(public_id=sent.public_id)
    assert request.address == "22 Market St"
    assert request.attributes == {"SURFACE": "private_building", "OFFENSIVE": "no"}


def test_a_question_in_the_middle_of_a_report_is_answered_and_the_report_goes_on(conversation):
    first, answer, size = chat(
        conversation,
        "big pothole outside 88 Lombard St",
        "what time does city hall open?",
        "2",
    )
    assert "How big is it?" in first.text
    assert "8 am to 5 pm" in answer.text
    assert "Back to your report: How big is it?" in answer.text
    assert "How should we tell you about progress?" in size.text
    assert conversation.__class__.objects.get(pk=conversation.pk).state["attributes"] == {
        "SIZE": "medium"
    }


def test_a_question_is_answered_from_the_article_and_links_it(conversation):
    (reply,) = chat(conversation, "what time does city hall open?")
    assert "Monday to Friday, 8 am to 5 pm" in reply.text
    assert reply.links and reply.links[0][1].endswith("/help/city-hall-hours/?lang=en")
    assert not Handover.objects.exists()


def test_a_status_question_gets_the_real_status_and_public_timeline(conversation, riverton):
    service = Service.objects.get(code="STREETLIGHT")
    request = submit_request(
        SYSTEM,
        RequestInput(service=service, address="220 Chestnut St", attributes={"PROBLEM": "out"}),
    )
    change_status(SYSTEM, request, Status.IN_PROGRESS, "Crew scheduled for Thursday")
    change_status(SYSTEM, request, Status.ACTION_SCHEDULED, "internal: ladder truck", public=False)
    (reply,) = chat(conversation, f"what's happening with {request.public_id.lower()}?")
    assert request.public_id in reply.text
    assert "Action scheduled" in reply.text  # the real, current status
    assert "Crew scheduled for Thursday" in reply.text
    assert "ladder truck" not in reply.text  # internal notes stay internal
    assert "220 Chestnut St" in reply.text


def test_status_of_a_sensitive_request_never_shows_where(conversation):
    service = Service.objects.get(code="HOMELESS_OUTREACH")
    request = submit_request(
        SYSTEM,
        RequestInput(service=service, address="10 Front St", attributes={"CONCERN": "shelter"}),
    )
    first, second = chat(conversation, "any update on my report?", request.public_id)
    assert "request number" in first.text
    assert request.public_id in second.text and "Front St" not in second.text


def test_an_unknown_request_number_is_said_plainly(conversation):
    (reply,) = chat(conversation, "status of SR-2026-999999")
    assert "can't find" in reply.text


def test_an_emergency_shows_the_emergency_number_first_and_reaches_the_queue(conversation):
    (reply,) = chat(conversation, "I smell gas in my apartment")
    assert reply.text.startswith("If anyone is in danger, call 911")
    assert reply.emergency and reply.handed_over
    handover = Handover.objects.queue().get()
    assert handover.reason == HandoverReason.EMERGENCY
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.HANDED_OVER


def test_handover_on_request_and_the_agent_reply_reaches_the_resident(conversation):
    first, later = chat(conversation, "can I talk to a real person?", "it's about my water bill")
    assert first.handed_over and "person at 311" in first.text
    assert "person at 311 who will answer" in later.text
    handover = Handover.objects.queue().get()
    assert handover.reason == HandoverReason.ASKED
    agent = Actor(label="agent:maria")
    services.agent_reply(agent, conversation, "Hi, this is Maria from 311. How can I help?")
    transcript = services.transcript(conversation)
    assert transcript[-1].sender == Sender.AGENT
    assert transcript[-1].text.startswith("Hi, this is Maria")
    handover.refresh_from_db()
    assert handover.status == "claimed"
    services.resolve_handover(agent, handover)
    (back,) = chat(conversation, "when is trash day?")
    assert "collected once a week" in back.text


def test_emergencies_go_first_in_the_queue(riverton):
    calm = services.start_conversation(RESIDENT, riverton)
    urgent = services.start_conversation(RESIDENT, riverton)
    chat(calm, "talk to a human")
    chat(urgent, "my neighbour's house is on fire")
    assert [h.conversation for h in Handover.objects.queue()] == [urgent, calm]


def test_an_unclear_message_offers_choices_then_goes_to_a_person(conversation):
    first, second = chat(conversation, "it is broken again", "still the thing from before")
    assert "Is it one of these?" in first.text or first.handed_over
    assert second.handed_over or first.handed_over
    assert Handover.objects.filter(reason=HandoverReason.UNCLEAR).exists()


def test_a_question_without_an_article_is_not_guessed(conversation):
    (reply,) = chat(conversation, "how do I renew my passport?")
    assert reply.handed_over and "don't want to guess" in reply.text


def test_cancel_drops_the_report(conversation):
    chat(conversation, "dead raccoon in the road")
    (reply,) = chat(conversation, "cancel")
    assert "dropped" in reply.text
    assert ServiceRequest.objects.count() == 0


def test_empty_and_overlong_messages_are_refused(conversation):
    with pytest.raises(InvalidInput):
        services.handle_message(RESIDENT, conversation, "   ")
    with pytest.raises(InvalidInput, match="longer than"):
        services.handle_message(RESIDENT, conversation, "x" * 5000)
    assert not Message.objects.exists()


def test_old_transcripts_are_purged(conversation):
    chat(conversation, "hello")
    assert services.purge_transcripts(SYSTEM, days=0) == 1
    assert not Message.objects.exists()
