"""The service catalogue and service requests (the 311 core that Open311 exposes)."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, models, transaction
from django.db.models import F, FloatField, Q
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from townhall.lib.geo import EARTH_RADIUS_M
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

    # Templates cannot pass arguments: these read in the active language.
    @property
    def localized_name(self) -> str:
        return self.localized("name")

    @property
    def localized_description(self) -> str:
        return self.localized("description")


class Department(models.Model):
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE)
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    # Staff, supervisors and agents who work this department's queue (issue 3).
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="departments"
    )

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
    # Duplicate detection: open requests of this service (or its group) this close and
    # this recent are offered as "already reported".
    duplicate_radius_m = models.PositiveIntegerField(default=250)
    duplicate_window_days = models.PositiveIntegerField(default=30)
    duplicates_across_group = models.BooleanField(default=False)

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
    def localized_group(self) -> str:
        return self.localized("group")

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

    def localized_values(self, language: str | None = None) -> list[tuple[str, str]]:
        """(key, name) choices in the active language: ``translations[lang]["values"]``."""
        language = (language or get_language() or "en").split("-")[0]
        names = self.translations.get(language, {}).get("values") or {}
        return [(str(v["key"]), str(names.get(str(v["key"])) or v["name"])) for v in self.values]


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

    def recent(self, days: int) -> ServiceRequestQuerySet:
        return self.filter(requested_at__gte=timezone.now() - timedelta(days=days))

    def public(self) -> ServiceRequestQuerySet:
        """Requests residents may see listed (duplicates merged away are not)."""
        return self.exclude(status=Status.DUPLICATE)

    def near(self, lat: float, lon: float, metres: float) -> ServiceRequestQuerySet:
        """Requests within ``metres`` of a point, nearest first, annotated ``distance_m``.

        A bounding box on the plain lat/lon columns narrows the rows before the exact
        great-circle distance; a spatial index can later replace the box.
        """
        dlat = math.degrees(metres / EARTH_RADIUS_M)
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        phi = math.radians(lat)
        half = lambda expr: Power(Sin(expr / 2.0), 2.0)  # noqa: E731
        a = half(Radians(F("lat")) - phi) + math.cos(phi) * Cos(Radians(F("lat"))) * half(
            Radians(F("lon")) - math.radians(lon)
        )
        distance = 2 * EARTH_RADIUS_M * ASin(Sqrt(a))
        return (
            self.filter(
                lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon
            )
            .annotate(distance_m=models.ExpressionWrapper(distance, output_field=FloatField()))
            .filter(distance_m__lte=metres)
            .order_by("distance_m")
        )

    def reported_by(self, email: str, account_id: str) -> ServiceRequestQuerySet:
        """A signed-in resident's own requests: filed from their account or their address."""
        mine = Q(contact__account_id=account_id) if account_id else Q(pk__in=[])
        if email:
            mine |= Q(contact__email__iexact=email)
        return self.filter(mine)

    def known_addresses(self, text: str, limit: int = 8) -> list[tuple[str, float, float]]:
        """Addresses of located, non-sensitive requests containing ``text``: a small gazetteer."""
        rows = (
            self.filter(address__icontains=text, lat__isnull=False, service__is_sensitive=False)
            .values_list("address", "lat", "lon")
            .order_by("address")[: limit * 10]
        )
        seen: dict[str, tuple[str, float, float]] = {}
        for address, lat, lon in rows:
            seen.setdefault(address.lower(), (address, lat, lon))
        return list(seen.values())[:limit]

    # Back office (issue 3).
    def in_departments(self, department_ids: list[int]) -> ServiceRequestQuerySet:
        return self.filter(department_id__in=department_ids)

    def in_cells(self, cells: list[int]) -> ServiceRequestQuerySet:
        """Requests whose grid cell is one of ``cells`` (see :mod:`duplicates`)."""
        return self.filter(geocell__in=cells)

    def becoming_at_risk(self, now: datetime) -> ServiceRequestQuerySet:
        return self.filter(sla_state=SlaState.ON_TRACK, at_risk_at__lte=now)

    def becoming_breached(self, now: datetime) -> ServiceRequestQuerySet:
        return self.filter(
            sla_state__in=[SlaState.ON_TRACK, SlaState.AT_RISK], expected_at__lte=now
        )

    def stale(self, cutoff: datetime) -> ServiceRequestQuerySet:
        """Open requests nobody has touched since ``cutoff`` and not reminded about since."""
        return self.filter(status__in=sorted(OPEN_STATUSES), updated_at__lt=cutoff).filter(
            Q(reminded_at__isnull=True) | Q(reminded_at__lt=cutoff)
        )

    def sla(self, state: str) -> ServiceRequestQuerySet:
        return self.filter(sla_state=state)


class SlaState(models.TextChoices):
    """Where a request stands against its service level; "" when its service has none."""

    NONE = "", _("No target")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")


class ServiceRequest(models.Model):
    """One report from a resident. Contact details live in :class:`ReporterContact`."""

    public_id = models.CharField(max_length=24, unique=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No single-column index on these keys: the composite indexes in Meta start with each
    # of them and serve the same lookups; every extra index is paid on every insert.
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="requests", db_index=False
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
        db_index=False,
    )
    area = models.ForeignKey(
        Area,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
        db_index=False,
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
    media_url = models.URLField(max_length=2000, blank=True)
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
    # Back office (issue 3): who works it, why it went there, where it stands on time.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_requests",
        db_index=False,
    )
    queue = models.CharField(max_length=50, blank=True)
    routing_rule = models.ForeignKey(
        "RoutingRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    routing_reason = models.CharField(max_length=300, blank=True)
    sla_state = models.CharField(
        max_length=10, choices=SlaState.choices, default=SlaState.NONE, blank=True
    )
    at_risk_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # A grid cell number (see duplicates.cell_of) so that nearby requests come from an
    # index lookup on a few cells rather than a scan of every row.
    geocell = models.BigIntegerField(null=True, blank=True)
    suspected_duplicate = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["service", "status", "requested_at"]),
            # Open311's "open requests of a service, newest first" without a sort.
            models.Index(
                fields=["service", "-requested_at", "-id"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="request_open_by_service",
            ),
            models.Index(fields=["jurisdiction", "requested_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["area", "status"]),
            models.Index(fields=["geocell", "service", "requested_at"]),
            models.Index(fields=["sla_state", "expected_at"]),
            models.Index(fields=["sla_state", "at_risk_at"]),
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["department", "status", "requested_at"]),
            models.Index(fields=["assignee", "status"]),
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
    # How the reporter wants to hear about progress (issue 3).
    updates_by_email = models.BooleanField(default=True)
    updates_by_sms = models.BooleanField(default=False)

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


FOLLOW_LINK_SALT = "townhall.servicedesk.follow"
FOLLOW_CONFIRM_DAYS = 7


class FollowQuerySet(models.QuerySet["Follow"]):
    def confirmed(self) -> FollowQuerySet:
        return self.filter(confirmed_at__isnull=False)

    def from_link(self, token: str, purpose: str) -> Follow | None:
        """The follow a signed confirm/unfollow link names, or None (bad, old or gone)."""
        # Confirmation links expire; unfollow links work for as long as the follow exists.
        max_age = timedelta(days=FOLLOW_CONFIRM_DAYS) if purpose == "confirm" else None
        try:
            pk = signing.loads(token, salt=f"{FOLLOW_LINK_SALT}.{purpose}", max_age=max_age)
        except signing.BadSignature:
            return None
        return self.select_related("request").filter(pk=pk).first()


class Follow(models.Model):
    """Someone who asked for email when a request's public timeline moves.

    A follow by email only counts once the address owner confirms it from a link, so
    nobody can sign another person up; a signed-in resident's own address is confirmed.
    """

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="follows")
    email = models.EmailField()
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "email"], name="follow_unique")]

    def __str__(self) -> str:
        return f"follow of {self.request_id}"

    def link_token(self, purpose: str) -> str:
        """A signed token for the confirm or unfollow link: nothing secret is stored."""
        return signing.dumps(self.pk, salt=f"{FOLLOW_LINK_SALT}.{purpose}")


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
        """Reserve ``count`` numbers; returns the first. Call inside a transaction.

        One ``UPDATE … RETURNING`` statement: the row lock is taken and the number read in
        a single round trip (a get-then-lock-then-save held the lock three times longer).
        """
        table = connection.ops.quote_name(cls._meta.db_table)
        sql = f"UPDATE {table} SET last = last + %s WHERE year = %s RETURNING last"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [count, year])
            row = cursor.fetchone()
        if row is None:
            cls.objects.get_or_create(year=year)
            return cls.reserve(year, count)
        return int(row[0]) - count + 1

    @classmethod
    def reserve_early(cls, year: int) -> int | None:
        """On PostgreSQL, outside any transaction: one number in a transaction of its own.

        Every submission updates the same counter row, and PostgreSQL holds that row's lock
        until the transaction ends; inside the submission's transaction that serialised
        all submissions on their whole length (inserts, audit, commit). Alone, the lock
        lasts one statement and one commit. The price: a submission that then fails leaves
        a gap in the year's numbers (ids stay unique and increasing). SQLite serialises
        writers anyway, and a second write transaction would cost it more: None there, and
        inside an enclosing transaction, where the caller reserves as before.
        """
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return None
        with transaction.atomic():
            return cls.reserve(year)


def attribute_display(service: Service, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) pairs in the service's order, for pages and notes."""
    pairs = []
    for attribute in service.attributes.all():
        if attribute.code in values:
            value = values[attribute.code]
            names = dict(attribute.localized_values())
            if isinstance(value, list):
                shown = ", ".join(names.get(str(v), str(v)) for v in value)
            else:
                shown = names.get(str(value), str(value))
            pairs.append((attribute.localized("description"), shown))
    return pairs


# --- Staff operations (issue 3): routing, service levels, templates, notifications -------


class RoutingRuleQuerySet(models.QuerySet["RoutingRule"]):
    def active(self) -> RoutingRuleQuerySet:
        return self.filter(is_active=True)


class RoutingRule(models.Model):
    """Service × area (× an attribute's answer) → department and queue.

    Blank service or area means "any". The most specific matching rule wins, then the
    lowest ``priority`` number; a rule with neither service nor area is the default.
    """

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules"
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules"
    )
    attribute_code = models.CharField(max_length=64, blank=True)
    attribute_value = models.CharField(max_length=200, blank=True)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    queue = models.CharField(max_length=50, blank=True)
    priority = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "pk"]
        indexes = [models.Index(fields=["jurisdiction", "service", "area"])]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        parts = [
            self.service.code if self.service_id and self.service else str(_("any service")),
            self.area.name if self.area_id and self.area else str(_("anywhere")),
        ]
        if self.attribute_code:
            parts.append(f"{self.attribute_code}={self.attribute_value}")
        target = self.department.name if self.department_id else "?"
        queue = f" / {self.queue}" if self.queue else ""
        return f"{' × '.join(parts)} → {target}{queue}"


class BusinessCalendar(models.Model):
    """Working hours and public holidays that service-level targets count in."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    # Monday = 0 … Sunday = 6, e.g. "01234" for Monday to Friday.
    working_days = models.CharField(max_length=7, default="01234")
    day_start = models.TimeField(default="08:00")
    day_end = models.TimeField(default="17:00")
    # Bumped on every change (holidays too) so that caches of the calendar know to reload.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_date_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ServiceLevel(models.Model):
    """A service's target in working hours, and what happens when it is at risk or missed."""

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="service_level")
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT, related_name="+")
    target_hours = models.PositiveIntegerField(help_text=_("Working hours to resolve"))
    at_risk_hours = models.PositiveIntegerField(
        default=8, help_text=_("Flag as at risk this many working hours before the target")
    )
    # Escalation rule: on breach the supervisors are told; with a department set here the
    # request also moves to it (e.g. an emergency crew).
    escalate_to = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.service.code}: {self.target_hours} h"


class ResponseTemplateQuerySet(models.QuerySet["ResponseTemplate"]):
    def for_request(self, service_id: int, status: str | None = None) -> ResponseTemplateQuerySet:
        qs = self.filter(Q(service__isnull=True) | Q(service_id=service_id))
        return qs.filter(status=status) if status else qs


class ResponseTemplate(models.Model):
    """Ready wording for a status change; ``{public_id}`` and ``{service}`` are filled in."""

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    title = models.CharField(max_length=100)
    text = models.TextField()
    is_public = models.BooleanField(default=True)

    objects = ResponseTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["status", "title"]

    def __str__(self) -> str:
        return self.title

    def render(self, request: ServiceRequest) -> str:
        return self.text.replace("{public_id}", request.public_id).replace(
            "{service}", request.service.localized("name")
        )


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def failed(self) -> NotificationQuerySet:
        return self.filter(status=NotificationStatus.FAILED)


class Notification(models.Model):
    """One message to one person: the outbox row the worker sends and retries.

    A row that still fails after its retries stays ``failed`` for staff to see and resend.
    """

    request = models.ForeignKey(
        ServiceRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} ({self.status})"


AREA_FOLLOW_SALT = "townhall.servicedesk.areafollow"


class AreaFollowQuerySet(models.QuerySet["AreaFollow"]):
    def confirmed(self) -> AreaFollowQuerySet:
        return self.filter(confirmed_at__isnull=False)

    def from_link(self, token: str, purpose: str) -> AreaFollow | None:
        """The follow a signed confirm/stop link names, or None (bad, old or gone)."""
        max_age = timedelta(days=FOLLOW_CONFIRM_DAYS) if purpose == "confirm" else None
        try:
            pk = signing.loads(token, salt=f"{AREA_FOLLOW_SALT}.{purpose}", max_age=max_age)
        except signing.BadSignature:
            return None
        return self.select_related("area").filter(pk=pk).first()


class AreaFollow(models.Model):
    """Someone who wants an email when a new request is filed in an area (issue 3).

    Like :class:`Follow`, it counts only once the address owner confirms from a link.
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="follows")
    email = models.EmailField()
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = AreaFollowQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "email"], name="area_follow_unique")]
        indexes = [models.Index(fields=["area", "confirmed_at"])]

    def __str__(self) -> str:
        return f"follow of area {self.area_id}"

    def link_token(self, purpose: str) -> str:
        return signing.dumps(self.pk, salt=f"{AREA_FOLLOW_SALT}.{purpose}")
