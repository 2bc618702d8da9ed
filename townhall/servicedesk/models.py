"""The service catalogue and service requests (the 311 core that Open311 exposes)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from townhall.places.models import Area, Jurisdiction


class Translatable(models.Model):
    """Catalogue text in several languages: ``translations = {"es": {"name": "..."}}``."""

    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    def localized(self, field: str, language: str | None = None) -> str:
        language = (language or get_language() or "en").split("-")[0]
        text = self.translations.get(language, {}).get(field)
        return str(text or getattr(self, field) or "")


class Department(models.Model):
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE)
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="department_code_unique")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceType(models.TextChoices):
    """Open311: how the city's system handles a request."""

    REALTIME = "realtime", _("Realtime")
    BATCH = "batch", _("Batch")
    BLACKBOX = "blackbox", _("Blackbox")


class ServiceQuerySet(models.QuerySet["Service"]):
    def active(self) -> ServiceQuerySet:
        return self.filter(is_active=True)

    def in_jurisdiction(self, jurisdiction: Jurisdiction) -> ServiceQuerySet:
        return self.filter(jurisdiction=jurisdiction)


class Service(Translatable):
    """A kind of request residents can make (Open311 ``service``)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.CASCADE, related_name="services"
    )
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    group = models.CharField(max_length=100, blank=True)
    keywords = models.CharField(max_length=500, blank=True, help_text=_("Comma-separated"))
    type = models.CharField(
        max_length=10, choices=ServiceType.choices, default=ServiceType.REALTIME
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    service_notice = models.CharField(max_length=500, blank=True)
    # A sensitive service (e.g. outreach to a person) is never published with its location.
    is_sensitive = models.BooleanField(default=False)
    allows_anonymous = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=0)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="service_code_unique")
        ]
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def has_metadata(self) -> bool:
        """Open311 ``metadata``: true when the service has a definition with attributes."""
        return self.attributes.exists()

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]


class Datatype(models.TextChoices):
    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLEVALUELIST = "singlevaluelist", _("One choice")
    MULTIVALUELIST = "multivaluelist", _("Several choices")


class ServiceAttribute(Translatable):
    """A question a service asks (Open311 service definition ``attribute``).

    ``values`` is a list of ``{"key": ..., "name": ...}`` for the list datatypes.
    ``variable=False`` marks an informational attribute that takes no input.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    code = models.CharField(max_length=64)
    order = models.PositiveIntegerField(default=0)
    variable = models.BooleanField(default=True)
    datatype = models.CharField(max_length=20, choices=Datatype.choices)
    required = models.BooleanField(default=False)
    description = models.CharField(max_length=500)
    datatype_description = models.CharField(max_length=500, blank=True)
    values = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="attribute_code_unique")
        ]
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.service.code}.{self.code}"

    @property
    def value_keys(self) -> list[str]:
        return [str(v["key"]) for v in self.values]


class Status(models.TextChoices):
    """Workflow status. Open311 only knows open and closed: see ``OPEN_STATUSES``."""

    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    ACTION_SCHEDULED = "action_scheduled", _("Action scheduled")
    REOPENED = "reopened", _("Reopened")
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_RESPONSIBLE = "not_responsible", _("Not the city's responsibility")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.ACTION_SCHEDULED, Status.REOPENED}
)
CLOSED_STATUSES = frozenset(set(Status) - OPEN_STATUSES)


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    APP = "app", _("Mobile app (Open311)")
    PHONE = "phone", _("Phone")
    ASSISTANT = "assistant", _("Assistant")
    EMAIL = "email", _("Email")
    WALK_IN = "walk_in", _("Walk-in")
    IMPORT = "import", _("Imported")


class ServiceRequestQuerySet(models.QuerySet["ServiceRequest"]):
    def open(self) -> ServiceRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def closed(self) -> ServiceRequestQuerySet:
        return self.filter(status__in=CLOSED_STATUSES)

    def in_jurisdiction(self, jurisdiction: Jurisdiction) -> ServiceRequestQuerySet:
        return self.filter(jurisdiction=jurisdiction)

    def open_in(self, area: Area) -> ServiceRequestQuerySet:
        return self.open().filter(area=area)

    def requested_between(self, start: datetime, end: datetime) -> ServiceRequestQuerySet:
        return self.filter(requested_at__gte=start, requested_at__lte=end)

    def by_public_ids(self, ids: list[str]) -> ServiceRequestQuerySet:
        return self.filter(public_id__in=ids)

    def with_related(self) -> ServiceRequestQuerySet:
        return self.select_related("service", "department")


class ServiceRequest(models.Model):
    """One report from a resident. Contact details live in :class:`ReporterContact`."""

    public_id = models.CharField(max_length=24, unique=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    status_notes = models.TextField(blank=True)
    description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    address = models.CharField(max_length=500, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    zipcode = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB)
    requested_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expected_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Where an imported request came from, so that a re-import does not duplicate it.
    source = models.CharField(max_length=50, blank=True)
    source_ref = models.CharField(max_length=100, blank=True)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["service", "status", "requested_at"]),
            models.Index(fields=["jurisdiction", "requested_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["area", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                condition=~Q(source=""),
                name="request_source_ref_unique",
            )
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        return "open" if self.is_open else "closed"


class ReporterContact(models.Model):
    """Personal data of whoever reported a request; kept apart so it can be erased alone."""

    request = models.OneToOneField(ServiceRequest, on_delete=models.CASCADE, related_name="contact")
    email = models.EmailField(blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"contact for {self.request_id}"


class RequestUpdate(models.Model):
    """One entry on a request's timeline: a status change or a note, public or internal."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices)
    description = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)
    author_label = models.CharField(max_length=150, blank=True)

    class Meta:
        indexes = [models.Index(fields=["at"])]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status} at {self.at:%Y-%m-%d}"


class Media(models.Model):
    """A photo attached to a request; stored re-encoded without metadata."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to="requests/%Y/%m/")
    content_type = models.CharField(max_length=50)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.file.name or ""


class PublicIdCounter(models.Model):
    """The last number handed out in a year, so public ids read SR-2026-000123."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"

    @classmethod
    def reserve(cls, year: int, count: int = 1) -> int:
        """Reserve ``count`` numbers; returns the first. Call inside a transaction."""
        cls.objects.get_or_create(year=year)
        counter = cls.objects.select_for_update().get(year=year)
        first = counter.last + 1
        counter.last += count
        counter.save(update_fields=["last"])
        return first


def attribute_display(service: Service, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) pairs in the service's order, for pages and notes."""
    pairs = []
    for attribute in service.attributes.all():
        if attribute.code in values:
            value = values[attribute.code]
            names = {str(v["key"]): v["name"] for v in attribute.values}
            if isinstance(value, list):
                shown = ", ".join(names.get(str(v), str(v)) for v in value)
            else:
                shown = names.get(str(value), str(value))
            pairs.append((attribute.localized("description"), shown))
    return pairs
