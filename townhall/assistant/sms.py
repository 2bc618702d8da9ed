"""The assistant by text message: Twilio's inbound webhook format (any provider that speaks
it fits). One open conversation per phone number; replies go back as TwiML.

The webhook is signed: ``X-Twilio-Signature`` is base64(HMAC-SHA1(auth token, full URL +
each POST parameter's name and value, sorted by name)). When ``TWILIO_AUTH_TOKEN`` is set,
a request without a valid signature is refused before anything is written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable

from django.conf import settings

from townhall.assistant import services
from townhall.assistant.models import Conversation, ConversationStatus
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction

logger = logging.getLogger(__name__)


def auth_token() -> str:
    return str(settings.TOWNHALL.get("TWILIO_AUTH_TOKEN") or "")


def signature(url: str, params: Iterable[tuple[str, str]], token: str) -> str:
    """Twilio's request signature for ``url`` and the POST parameters ``params``."""
    payload = url + "".join(f"{key}{value}" for key, value in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_ok(url: str, params: Iterable[tuple[str, str]], given: str) -> bool:
    """True when no token is configured (development) or the signature matches."""
    token = auth_token()
    if not token:
        return True
    return hmac.compare_digest(signature(url, params, token), given or "")


def actor() -> Actor:
    return Actor(label="resident:sms", channel="assistant")


def conversation_for(phone: str, jurisdiction: Jurisdiction) -> Conversation:
    """The number's open conversation, or a new one."""
    found = (
        Conversation.objects.filter(channel="sms", phone=phone, jurisdiction=jurisdiction)
        .exclude(status=ConversationStatus.CLOSED)
        .order_by("-updated_at")
        .first()
    )
    if found is not None:
        return found
    return services.start_conversation(actor(), jurisdiction, channel="sms", phone=phone)


def handle_sms(phone: str, body: str, jurisdiction: Jurisdiction) -> str:
    """One inbound text: the assistant's answer (empty while a person is answering).

    Raises ``InvalidInput`` for an empty or too long message; nothing is stored then.
    """
    text = services.check_message(body)
    conversation = conversation_for(phone, jurisdiction)
    reply = services.handle_message(actor(), conversation, text)
    logger.info("sms turn conversation=%s from=%s", conversation.pk, services.mask_phone(phone))
    return reply.text
