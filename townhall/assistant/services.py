"""The assistant's reads and writes: the engine built from the database, conversations,
handovers and the knowledge base.

A conversation turn (:func:`handle_message`) understands the message with the engine,
moves the conversation's small state machine on, and writes the resident's message and
the reply in one transaction. Reports are filed through
``servicedesk.services.submit_request`` with ``channel="assistant"``, exactly like the
web form. The assistant only says what the knowledge base, the catalogue or the request
itself says: answers quote an article paragraph and link it; status replies read the
request's public timeline.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone, translation

from townhall.assistant import conf
from townhall.assistant.engine import (
    ArticleEntry,
    Engine,
    ServiceEntry,
    Understanding,
    load_embedder,
)
from townhall.assistant.engine import text as textlib
from townhall.assistant.engine.content import (
    ARTICLES_DIR,
    PHRASES_FILE,
    read_articles,
    read_phrases,
)
from townhall.assistant.models import (
    Conversation,
    ConversationStatus,
    Handover,
    HandoverReason,
    HandoverStatus,
    KnowledgeArticle,
    Message,
    Sender,
    ServicePhrase,
)
from townhall.assistant.replies import is_word, say
from townhall.audit import record
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction
from townhall.servicedesk.inputs import (
    ContactInput,
    InvalidInput,
    PhotoInput,
    Problem,
    RequestInput,
)
from townhall.servicedesk.models import (
    Channel,
    Datatype,
    Service,
    ServiceAttribute,
    ServiceRequest,
    Status,
)
from townhall.servicedesk.services import submit_request
from townhall.servicedesk.sms import SmsError, get_sender
from townhall.servicedesk.validation import clean_value

logger = logging.getLogger("townhall.assistant")

# Choice names too vague to describe a service on their own.
GENERIC_CHOICES = frozenset(
    {
        "other",
        "yes",
        "no",
        "don't know",
        "something else",
        "otro",
        "otra",
        "sí",
        "no sé",
        "otra cosa",
    }
)
PHOTO_CHANNELS = frozenset({"web"})
# Steps of a report being put together (a side question does not interrupt them).
REPORT_STEPS = frozenset({"location", "attribute", "photo", "contact", "confirm", "change"})

# --- the engine, built from the database -----------------------------------------------


def service_entries(jurisdiction: Jurisdiction) -> list[ServiceEntry]:
    """What the engine knows about each active service: every text that describes it."""
    services = list(
        Service.objects.active()
        .in_jurisdiction(jurisdiction)
        .prefetch_related("attributes")
        .order_by("order", "code")
    )
    phrases: dict[int, list[tuple[str, str]]] = {}
    for service_id, language, text in ServicePhrase.objects.filter(
        service__in=services
    ).values_list("service_id", "language", "text"):
        phrases.setdefault(service_id, []).append((language, text))
    entries = []
    for service in services:
        texts: list[tuple[str, str]] = [("en", service.name)]
        if service.description:
            texts.append(("en", service.description))
        texts += [("en", k) for k in service.keyword_list]
        names = {"en": service.name}
        for language, translated in (service.translations or {}).items():
            if not isinstance(translated, dict):
                continue
            for key in ("name", "description"):
                if translated.get(key):
                    texts.append((language, str(translated[key])))
            if translated.get("name"):
                names[language] = str(translated["name"])
            keywords = str(translated.get("keywords") or "")
            texts += [(language, k.strip()) for k in keywords.split(",") if k.strip()]
        for attribute in service.attributes.all():
            if not attribute.variable:
                continue
            es_values = (attribute.translations or {}).get("es", {}).get("values") or {}
            for value in attribute.values:
                name = str(value.get("name", ""))
                if name and name.lower() not in GENERIC_CHOICES:
                    texts.append(("en", name))
                    translated_name = str(es_values.get(str(value.get("key")), ""))
                    if translated_name and translated_name.lower() not in GENERIC_CHOICES:
                        texts.append(("es", translated_name))
        texts += phrases.get(service.pk, [])
        entries.append(
            ServiceEntry(
                code=service.code,
                names=names,
                texts=tuple(dict.fromkeys(texts)),
                sensitive=service.is_sensitive,
            )
        )
    return entries


def article_entries(jurisdiction: Jurisdiction) -> list[ArticleEntry]:
    return [
        ArticleEntry(
            slug=a.slug,
            language=a.language,
            title=a.title,
            body=a.body,
            tags=tuple(a.tag_list),
            service_code=a.service.code if a.service else "",
        )
        for a in KnowledgeArticle.objects.published()
        .in_jurisdiction(jurisdiction)
        .select_related("service")
    ]


@dataclass
class _Cached:
    fingerprint: str
    engine: Engine
    checked_at: float


_ENGINES: dict[int, _Cached] = {}
_BUILDING = threading.Lock()


def _fingerprint(services: list[ServiceEntry], articles: list[ArticleEntry]) -> str:
    digest = hashlib.sha256()
    for service in services:
        digest.update(repr((service.code, service.texts, service.sensitive)).encode())
    for article in sorted(articles, key=lambda a: (a.slug, a.language)):
        digest.update(repr(article).encode())
    return digest.hexdigest()


def default_jurisdiction() -> Jurisdiction:
    jurisdiction = Jurisdiction.objects.default()
    if jurisdiction is None:
        raise LookupError("there is no jurisdiction yet: build the demo or import a catalogue")
    return jurisdiction


def get_engine(jurisdiction: Jurisdiction | None = None) -> Engine:
    """The engine for a jurisdiction, rebuilt when its services or articles change.

    A process checks for changes at most every ``ASSISTANT_RELOAD_SECONDS``; embeddings of
    texts seen before are cached, so a rebuild after one edited article is quick.
    """
    jurisdiction = jurisdiction or default_jurisdiction()
    cached = _ENGINES.get(jurisdiction.pk)
    now = time.monotonic()
    if cached and now - cached.checked_at < float(conf.get("ASSISTANT_RELOAD_SECONDS")):
        return cached.engine
    services, articles = service_entries(jurisdiction), article_entries(jurisdiction)
    fingerprint = _fingerprint(services, articles)
    with _BUILDING:
        cached = _ENGINES.get(jurisdiction.pk)
        if cached is None or cached.fingerprint != fingerprint:
            embedder = load_embedder(str(conf.get("ASSISTANT_MODEL")))
            cache = _embedding_cache(embedder)
            if cache is not None:
                cache[0].load_cache(cache[1])
            engine = Engine(services, articles, embedder)
            if cache is not None:
                try:
                    cache[0].save_cache(cache[1])
                except OSError:
                    logger.warning("could not save the assistant's embedding cache")
            cached = _Cached(fingerprint, engine, now)
            _ENGINES[jurisdiction.pk] = cached
        cached.checked_at = now
    return cached.engine


def _embedding_cache(embedder: Any) -> tuple[Any, Path] | None:
    """The embedder and its cache file under VAR_DIR, when the model keeps one."""
    if embedder is None or not hasattr(embedder, "save_cache"):
        return None
    directory = Path(getattr(settings, "VAR_DIR", Path("var")))
    return embedder, directory / "assistant" / f"embeddings-{embedder.name}.npz"


def reset_engines() -> None:
    """Forget built engines (after the catalogue or the knowledge base changed)."""
    _ENGINES.clear()


def classify(texts: Iterable[str], jurisdiction: Jurisdiction | None = None) -> list[Understanding]:
    engine = get_engine(jurisdiction)
    return [engine.understand(text) for text in texts]


# --- the knowledge base ----------------------------------------------------------------


@dataclass
class ContentReport:
    articles_created: int = 0
    articles_updated: int = 0
    phrases_added: int = 0
    unknown_services: list[str] = field(default_factory=list)


def load_content(
    actor: Actor,
    jurisdiction: Jurisdiction,
    articles_dir: Path = ARTICLES_DIR,
    phrases_file: Path | None = PHRASES_FILE,
) -> ContentReport:
    """Create or update articles (by slug and language) and add example phrases from files.

    The demo ships Riverton's; another city points this at its own folder. Files are all
    read and checked before anything is written.
    """
    files = read_articles(articles_dir)
    phrases = read_phrases(phrases_file) if phrases_file else {}
    services = {s.code: s for s in Service.objects.in_jurisdiction(jurisdiction)}
    report = ContentReport()
    wanted = {f.service_code for f in files if f.service_code} | set(phrases)
    report.unknown_services = sorted(wanted - set(services))
    with transaction.atomic():
        existing = {
            (a.slug, a.language): a for a in KnowledgeArticle.objects.in_jurisdiction(jurisdiction)
        }
        now = timezone.now()
        new: list[KnowledgeArticle] = []
        changed: list[KnowledgeArticle] = []
        for item in files:
            article = existing.get((item.slug, item.language)) or KnowledgeArticle(
                jurisdiction=jurisdiction, slug=item.slug, language=item.language
            )
            article.title, article.body = item.title, item.body
            article.tags = ", ".join(item.tags)
            article.service = services.get(item.service_code)
            article.updated_at = now
            article.full_clean(exclude=["jurisdiction", "service"], validate_unique=False)
            (changed if article.pk else new).append(article)
        KnowledgeArticle.objects.bulk_create(new)
        KnowledgeArticle.objects.bulk_update(
            changed, ["title", "body", "tags", "service", "updated_at"]
        )
        report.articles_created, report.articles_updated = len(new), len(changed)
        known = set(
            ServicePhrase.objects.filter(service__jurisdiction=jurisdiction).values_list(
                "service__code", "language", "text"
            )
        )
        fresh = {
            (code, language, text[:300])
            for code, by_language in phrases.items()
            if code in services
            for language, texts in by_language.items()
            for text in texts
        } - known
        ServicePhrase.objects.bulk_create(
            [
                ServicePhrase(service=services[c], language=lang, text=t)
                for c, lang, t in sorted(fresh)
            ]
        )
        report.phrases_added = len(fresh)
        record(
            actor,
            "assistant.content_loaded",
            jurisdiction,
            source=str(articles_dir),
            articles_created=report.articles_created,
            articles_updated=report.articles_updated,
            phrases_added=report.phrases_added,
        )
    reset_engines()
    return report


# --- conversations ---------------------------------------------------------------------


@dataclass
class Reply:
    """What the assistant answers to one message."""

    text: str
    understanding: Understanding | None = None
    emergency: bool = False
    handed_over: bool = False
    public_id: str | None = None
    # True when this turn filed a request (``public_id`` is then the new request's).
    filed: bool = False
    links: list[tuple[str, str]] = field(default_factory=list)


def start_conversation(
    actor: Actor,
    jurisdiction: Jurisdiction | None = None,
    channel: str = "web",
    language: str = "",
    phone: str = "",
) -> Conversation:
    jurisdiction = jurisdiction or default_jurisdiction()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            jurisdiction=jurisdiction,
            channel=channel[:20],
            phone=phone[:32],
            language=language if language in {"en", "es"} else "en",
            resident=actor.user if getattr(actor.user, "is_authenticated", False) else None,
            state={"step": "idle"},
        )
        record(actor, "assistant.conversation_started", conversation, channel=channel[:20])
    return conversation


def check_message(text: str) -> str:
    """The message, stripped, or InvalidInput: empty or longer than the limit."""
    limit = int(conf.get("ASSISTANT_MAX_MESSAGE_CHARS"))
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput([Problem("text", "the message is empty")])
    if len(cleaned) > limit:
        raise InvalidInput([Problem("text", f"the message is longer than {limit} characters")])
    return cleaned


def handle_message(
    actor: Actor,
    conversation: Conversation,
    text: str,
    photo: PhotoInput | None = None,
) -> Reply:
    """One resident turn: store the message, think, store and return the reply."""
    cleaned = check_message(text) if text or photo is None else text.strip()
    engine = get_engine(conversation.jurisdiction)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        turn = _Turn(actor, conversation, engine)
        reply = turn.run(cleaned, photo)
        understanding = turn.understanding
        at = timezone.now()
        Message.objects.create(
            conversation=conversation,
            at=at,
            sender=Sender.RESIDENT,
            text=cleaned or "[photo]",
            intent=understanding.intent if understanding else "",
            service_code=(understanding.service_code or "") if understanding else "",
            article_slug=(understanding.article or "") if understanding else "",
            confidence=understanding.confidence if understanding else None,
        )
        if reply.text:
            Message.objects.create(
                conversation=conversation, at=at, sender=Sender.ASSISTANT, text=reply.text
            )
        conversation.updated_at = at
        conversation.save(update_fields=["state", "status", "language", "updated_at"])
        # What happened, never what was said: the transcript holds the words.
        record(
            actor,
            "assistant.message",
            conversation,
            step=conversation.state.get("step"),
            intent=understanding.intent if understanding else "",
            handed_over=reply.handed_over,
            filed=reply.public_id if reply.filed else None,
        )
    logger.info(
        "assistant turn conversation=%s step=%s intent=%s service=%s article=%s "
        "confidence=%.2f handover=%s text=%r",
        conversation.pk,
        conversation.state.get("step"),
        understanding.intent if understanding else "-",
        understanding.service_code if understanding else "-",
        understanding.article if understanding else "-",
        understanding.confidence if understanding else 0.0,
        reply.handed_over,
        textlib.redact(cleaned),
    )
    return reply


def transcript(conversation: Conversation) -> list[Message]:
    return list(conversation.messages.select_related("author"))


def agent_reply(actor: Actor, conversation: Conversation, text: str) -> Message:
    """A person in the back office answers in the same chat (and claims the handover)."""
    cleaned = check_message(text)
    with transaction.atomic():
        now = timezone.now()
        message = Message.objects.create(
            conversation=conversation,
            at=now,
            sender=Sender.AGENT,
            text=cleaned,
            author=actor.user if getattr(actor.user, "is_authenticated", False) else None,
        )
        conversation.handovers.filter(status=HandoverStatus.WAITING).update(
            status=HandoverStatus.CLAIMED, claimed_by=message.author, claimed_at=now
        )
        Conversation.objects.filter(pk=conversation.pk).update(updated_at=now)
        record(actor, "assistant.agent_replied", conversation, message_id=message.pk)
        if conversation.channel == "sms" and conversation.phone:
            transaction.on_commit(lambda: _send_sms(conversation, cleaned))
    return message


def _send_sms(conversation: Conversation, text: str) -> None:
    """An agent's answer to a conversation by text message goes out as a text."""
    try:
        get_sender().send(conversation.phone, text)
    except SmsError:
        logger.warning(
            "agent reply not sent by sms conversation=%s to=%s",
            conversation.pk,
            mask_phone(conversation.phone),
        )


def mask_phone(phone: str) -> str:
    """A number for logs: only the last two digits are kept."""
    digits = [c for c in phone if c.isdigit()]
    return "*" * max(len(digits) - 2, 0) + "".join(digits[-2:])


def claim_handover(actor: Actor, handover: Handover) -> Handover:
    with transaction.atomic():
        handover.status = HandoverStatus.CLAIMED
        handover.claimed_by = actor.user
        handover.claimed_at = timezone.now()
        handover.save(update_fields=["status", "claimed_by", "claimed_at"])
        record(actor, "assistant.handover_claimed", handover.conversation, handover=handover.pk)
    return handover


def resolve_handover(actor: Actor, handover: Handover, back_to_assistant: bool = True) -> Handover:
    """The agent is done; the resident talks to the assistant again (or the chat closes)."""
    with transaction.atomic():
        handover.status = HandoverStatus.RESOLVED
        handover.resolved_at = timezone.now()
        handover.save(update_fields=["status", "resolved_at"])
        conversation = handover.conversation
        conversation.status = (
            ConversationStatus.ACTIVE if back_to_assistant else ConversationStatus.CLOSED
        )
        conversation.state = {"step": "idle"}
        conversation.save(update_fields=["status", "state"])
        record(actor, "assistant.handover_resolved", conversation, handover=handover.pk)
    return handover


def purge_transcripts(actor: Actor, days: int | None = None) -> int:
    """Delete conversations idle for longer than the retention period; returns how many."""
    keep = int(days if days is not None else conf.get("ASSISTANT_TRANSCRIPT_DAYS"))
    cutoff = timezone.now() - timedelta(days=keep)
    with transaction.atomic():
        old = Conversation.objects.idle_since(cutoff).exclude(
            handovers__status__in=[HandoverStatus.WAITING, HandoverStatus.CLAIMED]
        )
        tokens = [str(t) for t in old.values_list("token", flat=True)]
        count, _ = old.delete()
        for token in tokens:
            _delete_pending_photos(token)
        record(actor, "assistant.transcripts_purged", None, days=keep, conversations=len(tokens))
    return len(tokens)


# --- one turn --------------------------------------------------------------------------

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE_RE = re.compile(r"(\+?\d[\d\s().-]{7,}\d)")
STREET = r"(?:st|street|ave|avenue|rd|road|blvd|boulevard|ln|lane|dr|drive|way|pl|place|ct|pike)"
ADDRESS_RE = re.compile(rf"\b\d{{1,5}}\s+(?:[a-z0-9'.]+\s+){{0,3}}?{STREET}\b\.?", re.IGNORECASE)
CORNER_RE = re.compile(
    rf"\b((?:\d+(?:st|nd|rd|th)|[a-z][a-z'.]+)(?:\s+[a-z][a-z'.]+)?\s+{STREET})\.?\s*"
    rf"(?:and|&|y|at|con|/)\s*((?:\d+(?:st|nd|rd|th)|[a-z][a-z'.]+)(?:\s+[a-z][a-z'.]+)?"
    rf"(?:\s+{STREET})?)\b",
    re.IGNORECASE,
)


def find_location(text: str) -> str | None:
    """A street address or a corner a resident wrote, as written, or None."""
    match = ADDRESS_RE.search(text) or CORNER_RE.search(text)
    return match.group(0).strip(" .,") if match else None


class _Turn:
    def __init__(self, actor: Actor, conversation: Conversation, engine: Engine):
        self.actor = actor
        self.conversation = conversation
        self.engine = engine
        self.state: dict[str, Any] = dict(conversation.state or {"step": "idle"})
        self.understanding: Understanding | None = None
        self.language = conversation.language or "en"
        self._services: dict[str, Service | None] = {}

    # Everything the turn says goes through here, in the conversation's language.
    def say(self, key: str, **fields: Any) -> str:
        return say(key, self.language, **fields)

    def run(self, text: str, photo: PhotoInput | None) -> Reply:
        try:
            return self._run(text, photo)
        finally:
            self.conversation.state = self.state

    def _run(self, text: str, photo: PhotoInput | None) -> Reply:
        step = self.state.get("step", "idle")
        if text:
            self.understanding = self.engine.understand(text)
            # Short answers ("1", "yes", an address) say nothing about the language.
            if step == "idle":
                self.language = self.understanding.language
                self.conversation.language = self.language
        u = self.understanding
        # Emergencies and requests for a person win at every step.
        if u is not None and u.emergency:
            return self._hand_over(HandoverReason.EMERGENCY, emergency=True)
        if u is not None and u.asked_human:
            return self._hand_over(HandoverReason.ASKED)
        if self.conversation.status == ConversationStatus.HANDED_OVER:
            return Reply(self.say("waiting_for_person"), u, handed_over=True)
        if step != "idle" and is_word("cancel", text, self.language):
            self._reset()
            return Reply(self.say("cancelled"), u)
        if step in REPORT_STEPS and self._is_side_question(text):
            return self._side_question()
        handler = getattr(self, f"_step_{step}", self._step_idle)
        return handler(text, photo)

    def _is_side_question(self, text: str) -> bool:
        """A clear question or status check in the middle of a report, not an answer."""
        u = self.understanding
        if u is None or u.handover:
            return False
        if u.intent == "status" and u.public_id:
            return self.state.get("step") != "contact" or not PHONE_RE.search(text)
        return u.intent == "question" and ("?" in text or "¿" in text) and bool(u.article)

    def _side_question(self) -> Reply:
        """Answer it, keep the report where it was, and ask again for what it needs."""
        u = self.understanding
        assert u is not None
        saved = dict(self.state)
        reply = (
            self._status(u.public_id) if u.intent == "status" and u.public_id else self._answer(u)
        )
        self.state = saved
        prompt = self._prompt()
        reply.text = f"{reply.text}\n\n{self.say('back_to_report')} {prompt}"
        return reply

    def _prompt(self) -> str:
        """The question the current step of a report is waiting on."""
        step = self.state.get("step")
        service = self._service(self.state["service"])
        assert service is not None
        if step == "attribute":
            pending = [a for a in self._required(service) if a.code == self.state.get("pending")]
            if pending:
                return self._ask(pending[0])
        if step == "photo":
            return self.say("ask_photo")
        if step == "contact":
            return self.say("ask_contact" if service.allows_anonymous else "ask_contact_required")
        if step == "confirm":
            return self.say("confirm", summary=self._summary(service))
        if step == "change":
            return self.say("change_what")
        return self.say("ask_location")

    # -- idle: a new message -------------------------------------------------------------
    def _step_idle(self, text: str, photo: PhotoInput | None) -> Reply:
        u = self.understanding
        if u is None:
            return Reply(self.say("greeting"))
        if u.intent == "status":
            if u.public_id:
                return self._status(u.public_id)
            self.state["step"] = "status_id"
            return Reply(self.say("ask_public_id"), u)
        if u.small_talk:
            thanks = re.search(r"thank|gracias|thx|cheers", textlib.fold(text))
            return Reply(self.say("thanks" if thanks else "greeting"), u)
        if u.intent == "question":
            if u.handover or not u.article:
                return self._hand_over(HandoverReason.NO_ANSWER, key="handover_no_answer")
            return self._answer(u)
        if u.intent == "report" and not u.handover and u.service_code:
            return self._begin_report(u.service_code, text)
        return self._clarify(u)

    def _clarify(self, u: Understanding) -> Reply:
        self.state["unclear"] = int(self.state.get("unclear", 0)) + 1
        if self.state["unclear"] >= int(conf.get("ASSISTANT_MAX_UNCLEAR")) or not u.services:
            return self._hand_over(HandoverReason.UNCLEAR)
        codes = [code for code, _p in u.services[:3]]
        self.state.update(step="choose_service", choices=codes, description=u.text)
        names = [self._service_name(code) for code in codes]
        listing = "\n".join(f"{i}. {name}" for i, name in enumerate(names, start=1))
        return Reply(self.say("clarify", choices=listing), u)

    def _step_choose_service(self, text: str, photo: PhotoInput | None) -> Reply:
        choices: list[str] = self.state.get("choices", [])
        number = _number(text)
        if number is not None and 1 <= number <= len(choices):
            description = str(self.state.get("description", ""))
            return self._begin_report(choices[int(number) - 1], description)
        self.state["step"] = "idle"
        return self._step_idle(text, photo)

    # -- answers and status ------------------------------------------------------------
    def _answer(self, u: Understanding) -> Reply:
        assert u.article is not None
        language = u.article_language or self.language
        article = (
            KnowledgeArticle.objects.published()
            .filter(jurisdiction=self.conversation.jurisdiction, slug=u.article)
            .order_by(models_language_order(language))
            .first()
        )
        if article is None:
            return self._hand_over(HandoverReason.NO_ANSWER, key="handover_no_answer")
        quote = self.engine.best_paragraph(article.slug, article.language, u.text)
        url = _absolute(article.get_absolute_url())
        text = self.say("answer", quote=_plain(quote), title=article.title, url=url)
        self.state.update(step="idle", unclear=0)
        return Reply(text, u, links=[(article.title, url)])

    def _step_status_id(self, text: str, photo: PhotoInput | None) -> Reply:
        public_id = textlib.find_public_id(text)
        if public_id:
            return self._status(public_id)
        self.state["step"] = "idle"
        return self._step_idle(text, photo)

    def _status(self, public_id: str) -> Reply:
        self.state.update(step="idle", unclear=0)
        request = (
            ServiceRequest.objects.filter(
                public_id=public_id, jurisdiction=self.conversation.jurisdiction
            )
            .select_related("service")
            .first()
        )
        if request is None:
            return Reply(self.say("status_unknown", public_id=public_id), self.understanding)
        return Reply(status_text(request, self.language), self.understanding, public_id=public_id)

    # -- filing a report ---------------------------------------------------------------
    def _begin_report(self, code: str, description: str) -> Reply:
        service = self._service(code)
        if service is None:
            return self._hand_over(HandoverReason.UNCLEAR)
        self.state = {
            "step": "location",
            "service": code,
            "description": description[:2000],
            "attributes": {},
            "unclear": 0,
        }
        location = find_location(description)
        opening = [self.say("report_start", service=service.localized("name", self.language))]
        notice = service.localized("service_notice", self.language)
        if notice:
            opening.append(self.say("notice", notice=notice))
        if location:
            self._set_location(location)
        return self._next(opening)

    def _next(self, before: list[str] | None = None) -> Reply:
        """Ask for the next missing thing, or for confirmation."""
        parts = list(before or [])
        service = self._service(self.state["service"])
        assert service is not None
        if not self.state.get("address"):
            self.state["step"] = "location"
            parts.append(self.say("ask_location"))
            return Reply("\n".join(parts), self.understanding)
        for attribute in self._required(service):
            if attribute.code not in self.state["attributes"]:
                self.state.update(step="attribute", pending=attribute.code)
                parts.append(self._ask(attribute))
                return Reply("\n".join(parts), self.understanding)
        if self.conversation.channel in PHOTO_CHANNELS and "photo_asked" not in self.state:
            self.state.update(step="photo", photo_asked=True)
            parts.append(self.say("ask_photo"))
            return Reply("\n".join(parts), self.understanding)
        if "contact" not in self.state:
            self.state["step"] = "contact"
            key = "ask_contact" if service.allows_anonymous else "ask_contact_required"
            parts.append(self.say(key))
            return Reply("\n".join(parts), self.understanding)
        self.state["step"] = "confirm"
        parts.append(self.say("confirm", summary=self._summary(service)))
        return Reply("\n".join(parts), self.understanding)

    def _step_location(self, text: str, photo: PhotoInput | None) -> Reply:
        location = find_location(text) or (text.strip() if _looks_like_place(text) else None)
        if not location:
            return Reply(self.say("location_unclear"), self.understanding)
        self._set_location(location)
        return self._next()

    def _set_location(self, location: str) -> None:
        self.state["address"] = location[:500]
        self.state.pop("lat", None)
        self.state.pop("lon", None)
        # A place someone reported before gives a point on the map (and so a district).
        known = ServiceRequest.objects.filter(
            jurisdiction=self.conversation.jurisdiction
        ).known_addresses(location, limit=3)
        exact = [k for k in known if k[0].lower() == location.lower()]
        if exact:
            _address, lat, lon = exact[0]
            self.state.update(lat=lat, lon=lon)

    def _step_attribute(self, text: str, photo: PhotoInput | None) -> Reply:
        service = self._service(self.state["service"])
        assert service is not None
        attribute = next(
            (a for a in self._required(service) if a.code == self.state.get("pending")), None
        )
        if attribute is None:
            return self._next()
        try:
            value = _parse_answer(attribute, text, self.language)
            clean_value(attribute, value)
        except ValueError as exc:
            again = self._ask(attribute)
            return Reply(
                self.say("answer_invalid", problem=str(exc)) + "\n" + again, self.understanding
            )
        self.state["attributes"][attribute.code] = value
        return self._next()

    def _step_photo(self, text: str, photo: PhotoInput | None) -> Reply:
        if photo is not None:
            name = default_storage.save(
                f"assistant/{self.conversation.token}/{uuid.uuid4().hex}.{photo.extension}",
                ContentFile(photo.content),
            )
            self.state.setdefault("photos", []).append(
                {
                    "name": name,
                    "content_type": photo.content_type,
                    "extension": photo.extension,
                    "width": photo.width,
                    "height": photo.height,
                }
            )
        return self._next()

    def _step_contact(self, text: str, photo: PhotoInput | None) -> Reply:
        service = self._service(self.state["service"])
        assert service is not None
        email = EMAIL_RE.search(text)
        # A request number is not a phone number.
        phone = PHONE_RE.search(textlib.without_public_ids(text))
        if email or phone:
            self.state["contact"] = {
                "email": email.group(0) if email else "",
                "phone": re.sub(r"[^\d+]", "", phone.group(0)) if phone and not email else "",
            }
            return self._next()
        if is_word("skip", text, self.language) and service.allows_anonymous:
            self.state["contact"] = {}
            return self._next()
        key = "contact_unclear" if service.allows_anonymous else "ask_contact_required"
        return Reply(self.say(key), self.understanding)

    def _step_confirm(self, text: str, photo: PhotoInput | None) -> Reply:
        if is_word("yes", text, self.language):
            return self._file()
        if is_word("no", text, self.language):
            self.state["step"] = "change"
            return Reply(self.say("change_what"), self.understanding)
        return Reply(self.say("confirm_unclear"), self.understanding)

    def _step_change(self, text: str, photo: PhotoInput | None) -> Reply:
        if is_word("place", text, self.language):
            self.state.pop("address", None)
        elif is_word("details", text, self.language):
            self.state["attributes"] = {}
        elif is_word("contact", text, self.language):
            self.state.pop("contact", None)
        else:
            return Reply(self.say("change_what"), self.understanding)
        return self._next()

    def _file(self) -> Reply:
        service = self._service(self.state["service"])
        assert service is not None
        contact = self.state.get("contact") or {}
        data = RequestInput(
            service=service,
            lat=self.state.get("lat"),
            lon=self.state.get("lon"),
            address=str(self.state.get("address", "")),
            description=str(self.state.get("description", "")),
            attributes=dict(self.state.get("attributes", {})),
            contact=ContactInput(
                email=str(contact.get("email", "")),
                phone=str(contact.get("phone", "")),
                updates_by_email=bool(contact.get("email")),
                updates_by_sms=bool(contact.get("phone")),
                account_id=str(self.actor.user.pk)
                if getattr(self.actor.user, "is_authenticated", False)
                else "",
            ),
            channel=Channel.ASSISTANT,
            photos=tuple(self._photos()),
            language=self.language,
        )
        try:
            request = submit_request(self.actor, data)
        except InvalidInput as exc:
            problems = "; ".join(p.message for p in exc.problems)
            if any(p.field == "location" for p in exc.problems):
                self.state.pop("address", None)
                return self._next([self.say("not_filed", problems=problems)])
            return self._hand_over(HandoverReason.PROBLEM)
        _delete_pending_photos(str(self.conversation.token))
        self._reset()
        parts = [self.say("filed", public_id=request.public_id)]
        if contact:
            parts.append(self.say("filed_contact"))
        return Reply(" ".join(parts), self.understanding, public_id=request.public_id, filed=True)

    def _photos(self) -> Iterable[PhotoInput]:
        for item in self.state.get("photos", []):
            with default_storage.open(item["name"], "rb") as handle:
                content = handle.read()
            yield PhotoInput(
                content=content,
                content_type=item["content_type"],
                extension=item["extension"],
                width=item["width"],
                height=item["height"],
            )

    # -- handing over ------------------------------------------------------------------
    def _hand_over(self, reason: str, emergency: bool = False, key: str = "handover") -> Reply:
        number = str(conf.get("ASSISTANT_EMERGENCY_NUMBER"))
        text = self.say("emergency", number=number) if emergency else self.say(key)
        already = self.conversation.handovers.open().exists()
        if not already:
            Handover.objects.create(conversation=self.conversation, reason=reason)
            record(self.actor, "assistant.handed_over", self.conversation, reason=reason)
        elif emergency:
            self.conversation.handovers.open().update(reason=HandoverReason.EMERGENCY)
        self.conversation.status = ConversationStatus.HANDED_OVER
        self.state = {"step": "idle"}
        return Reply(text, self.understanding, emergency=emergency, handed_over=True)

    # -- helpers -------------------------------------------------------------------------
    def _reset(self) -> None:
        self.state = {"step": "idle"}

    def _service(self, code: str) -> Service | None:
        if code not in self._services:
            self._services[code] = (
                Service.objects.active()
                .filter(jurisdiction=self.conversation.jurisdiction, code=code)
                .prefetch_related("attributes")
                .first()
            )
        return self._services[code]

    def _service_name(self, code: str) -> str:
        service = self._service(code)
        return service.localized("name", self.language) if service else code

    @staticmethod
    def _required(service: Service) -> list[ServiceAttribute]:
        return [a for a in service.attributes.all() if a.variable and a.required]

    def _ask(self, attribute: ServiceAttribute) -> str:
        question = attribute.localized("description", self.language)
        if attribute.datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST):
            choices = attribute.localized_values(self.language)
            listing = "\n".join(f"{i}. {name}" for i, (_key, name) in enumerate(choices, 1))
            key = "ask_choice" if attribute.datatype == Datatype.SINGLEVALUELIST else "ask_choices"
            return self.say(key, question=question, choices=listing)
        hint = attribute.localized("datatype_description", self.language)
        return self.say("ask_value", question=f"{question} {hint}".strip())

    def _summary(self, service: Service) -> str:
        lines = [f"• {service.localized('name', self.language)}"]
        lines.append(f"• {self.state.get('address', '')}")
        for attribute in self._required(service):
            value = self.state["attributes"].get(attribute.code)
            names = dict(attribute.localized_values(self.language))
            shown = (
                ", ".join(names.get(str(v), str(v)) for v in value)
                if isinstance(value, list)
                else names.get(str(value), str(value))
            )
            lines.append(f"• {attribute.localized('description', self.language)} {shown}")
        contact = self.state.get("contact") or {}
        if contact.get("email") or contact.get("phone"):
            lines.append(f"• {contact.get('email') or contact.get('phone')}")
        description = str(self.state.get("description", ""))
        if description:
            lines.append(f'• "{description[:200]}"')
        return "\n".join(lines)


def status_text(request: ServiceRequest, language: str) -> str:
    """A request's status from its public timeline; no location for sensitive services."""
    service = request.service
    place = "" if service.is_sensitive or not request.address else f", {request.address}"
    with translation.override(language):
        status = str(Status(request.status).label)
        updates = [
            f"- {timezone.localtime(u.at).date().isoformat()}: {Status(u.status).label}"
            + (f" — {u.description}" if u.description else "")
            for u in request.updates.filter(is_public=True).order_by("-at", "-pk")[:3]
        ]
    parts = [
        say(
            "status",
            language,
            public_id=request.public_id,
            service=service.localized("name", language),
            place=place,
            filed=timezone.localtime(request.requested_at).date().isoformat(),
            status=status,
        )
    ]
    if request.status_notes:
        parts.append(request.status_notes)
    if request.expected_at and request.status not in {Status.CLOSED}:
        expected = timezone.localtime(request.expected_at).date().isoformat()
        parts.append(say("status_expected", language, expected=expected))
    if updates:
        parts.append(say("status_updates", language, updates="\n".join(reversed(updates))))
    return "\n".join(parts)


def models_language_order(language: str) -> Any:
    """Order articles so that the one in ``language`` comes first."""
    return Case(
        When(language=language, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def _number(text: str) -> int | None:
    match = re.fullmatch(r"\s*#?(\d{1,2})[.)]?\s*", text)
    return int(match.group(1)) if match else None


def _looks_like_place(text: str) -> bool:
    words = textlib.fold(text).split()
    return len(words) >= 2 and len(text) <= 300 and not is_word("skip", text, "en")


def _parse_answer(attribute: ServiceAttribute, text: str, language: str) -> Any:
    """A resident's answer in the attribute's stored form (validated by ``clean_value``)."""
    choices = attribute.localized_values(language)
    keys = [key for key, _name in choices]
    if attribute.datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST):
        picked: list[str] = []
        for part in re.split(r"[,;/]|\band\b|\by\b|\s+(?=\d)", text):
            part = part.strip()
            if not part:
                continue
            number = _number(part)
            if number is not None and 1 <= number <= len(choices):
                picked.append(keys[number - 1])
                continue
            folded = textlib.fold(part)
            named = [
                key
                for key, name in choices
                if folded in (textlib.fold(name), textlib.fold(key))
                or (len(folded) > 3 and folded in textlib.fold(name))
            ]
            if len(named) == 1:
                picked.append(named[0])
            else:
                raise ValueError(f"{part!r} is not one of the choices")
        if not picked:
            raise ValueError("no choice given")
        picked = list(dict.fromkeys(picked))
        if attribute.datatype == Datatype.SINGLEVALUELIST:
            if len(picked) != 1:
                raise ValueError("choose one")
            return picked[0]
        return picked
    if attribute.datatype == Datatype.NUMBER:
        match = re.search(r"-?\d+(?:[.,]\d+)?", text)
        if not match:
            raise ValueError("a number is needed")
        return match.group(0).replace(",", ".")
    if attribute.datatype == Datatype.DATETIME and textlib.fold(text).strip() in {
        "now",
        "ahora",
        "right now",
        "today",
        "hoy",
    }:
        return timezone.now().isoformat()
    return text.strip()


def _plain(markdown: str) -> str:
    """Markdown links as "text (url)"; the quote stays readable in SMS and screen readers."""
    return re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", markdown)


def _absolute(path: str) -> str:
    base = str(settings.TOWNHALL.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}{path}"


def _delete_pending_photos(token: str) -> None:
    directory = f"assistant/{token}"
    try:
        _dirs, files = default_storage.listdir(directory)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for name in files:
        default_storage.delete(f"{directory}/{name}")
