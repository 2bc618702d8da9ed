"""Knowledge articles, example phrases, conversations, messages and the handover queue."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from townhall.places.models import Jurisdiction
from townhall.servicedesk.models import Service


class Language(models.TextChoices):
    EN = "en", "English"
    ES = "es", "Español"


class KnowledgeArticleQuerySet(models.QuerySet["KnowledgeArticle"]):
    def published(self) -> KnowledgeArticleQuerySet:
        return self.filter(published=True)

    def in_jurisdiction(self, jurisdiction: Jurisdiction) -> KnowledgeArticleQuerySet:
        return self.filter(jurisdiction=jurisdiction)


class KnowledgeArticle(models.Model):
    """An answer staff wrote, in one language. The same ``slug`` ties the translations."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=100)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Markdown. Paragraphs are quoted one at a time."))
    tags = models.CharField(max_length=500, blank=True, help_text=_("Comma-separated"))
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = KnowledgeArticleQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "slug", "language"], name="article_slug_language_unique"
            )
        ]
        ordering = ["slug", "language"]

    def __str__(self) -> str:
        return f"{self.slug} ({self.language})"

    def get_absolute_url(self) -> str:
        return f"/help/{self.slug}/?lang={self.language}"

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class ServicePhrase(models.Model):
    """An example of how residents ask for a service ("big hole in the street")."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    text = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "language", "text"], name="service_phrase_unique"
            )
        ]
        ordering = ["service", "language", "pk"]

    def __str__(self) -> str:
        return self.text


class ConversationStatus(models.TextChoices):
    ACTIVE = "active", _("With the assistant")
    HANDED_OVER = "handed_over", _("With a person")
    CLOSED = "closed", _("Closed")


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def idle_since(self, cutoff: object) -> ConversationQuerySet:
        return self.filter(updated_at__lt=cutoff)


class Conversation(models.Model):
    """One resident's chat. ``state`` holds what the assistant has gathered so far."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, default="web")
    # The resident's number for SMS conversations (one open conversation per number).
    phone = models.CharField(max_length=32, blank=True, db_index=True)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    status = models.CharField(
        max_length=20, choices=ConversationStatus.choices, default=ConversationStatus.ACTIVE
    )
    state = models.JSONField(default=dict, blank=True)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"conversation {self.pk} ({self.status})"


class Sender(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    ASSISTANT = "assistant", _("Assistant")
    AGENT = "agent", _("Agent")


class Message(models.Model):
    """One line of a transcript. The resident's text is personal data (see the registry)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    at = models.DateTimeField(default=timezone.now)
    sender = models.CharField(max_length=10, choices=Sender.choices)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What the assistant understood (resident messages), for quality review.
    intent = models.CharField(max_length=10, blank=True)
    service_code = models.CharField(max_length=64, blank=True)
    article_slug = models.CharField(max_length=100, blank=True)
    confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.sender} at {self.at:%Y-%m-%d %H:%M}"


class HandoverReason(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency or distress")
    ASKED = "asked", _("Asked for a person")
    UNCLEAR = "unclear", _("The assistant could not understand")
    NO_ANSWER = "no_answer", _("No article answers the question")
    PROBLEM = "problem", _("The request could not be filed")


class HandoverStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CLAIMED = "claimed", _("An agent is answering")
    RESOLVED = "resolved", _("Resolved")


class HandoverQuerySet(models.QuerySet["Handover"]):
    def open(self) -> HandoverQuerySet:
        return self.exclude(status=HandoverStatus.RESOLVED)

    def queue(self) -> HandoverQuerySet:
        """The live queue: emergencies first, then oldest first."""
        return (
            self.open()
            .select_related("conversation")
            .annotate(
                urgent=models.Case(
                    models.When(reason=HandoverReason.EMERGENCY, then=0),
                    default=1,
                    output_field=models.IntegerField(),
                )
            )
            .order_by("urgent", "created_at")
        )


class Handover(models.Model):
    """A conversation waiting for (or with) a person in the back office."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="handovers"
    )
    reason = models.CharField(max_length=20, choices=HandoverReason.choices)
    status = models.CharField(
        max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.WAITING
    )
    created_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = HandoverQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"handover {self.pk} ({self.reason}, {self.status})"
