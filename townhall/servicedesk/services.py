"""Writes to the service desk. Every channel calls these; none writes models directly."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.accounts.models import User
from townhall.audit import record
from townhall.lib.actors import Actor
from townhall.lib.ids import format_public_id
from townhall.places.models import Area, AreaKind, Jurisdiction
from townhall.servicedesk import duplicates, notifications, sla
from townhall.servicedesk.inputs import InvalidInput, PhotoInput, Problem, RequestInput
from townhall.servicedesk.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    AreaFollow,
    BusinessCalendar,
    Department,
    Follow,
    Holiday,
    Media,
    Notification,
    NotificationStatus,
    PublicIdCounter,
    ReporterContact,
    RequestUpdate,
    ResponseTemplate,
    RoutingRule,
    Service,
    ServiceLevel,
    ServiceRequest,
    ServiceType,
    SlaState,
    Status,
)
from townhall.servicedesk.routing import route
from townhall.servicedesk.tasks import (
    acknowledge_request,
    alert_area_followers,
    confirm_follow_email,
    enqueue_with_write,
    notify_followers,
    send_notification,
)
from townhall.servicedesk.validation import check_request, clean_attributes
from townhall.servicedesk.workflow import TransitionNotAllowed, check_transition


def submit_request(actor: Actor, data: RequestInput) -> ServiceRequest:
    """File a request from any channel: Open311, the web form, the assistant, agents."""
    attributes, area, problems = check_request(data)
    if problems:
        raise InvalidInput(problems)
    now = timezone.now()
    requested_at = data.requested_at or now
    # Routing, service level and duplicate check: one place for every channel. They only
    # read, so they run before the transaction takes SQLite's write lock.
    decision = route(data.service, area.pk if area else None, attributes)
    targets = sla.targets_for(data.service.pk, requested_at)
    nearby = duplicates.nearest_open(data.service, data.lat, data.lon, now=now, limit=1)
    early = PublicIdCounter.reserve_early(requested_at.year)
    with transaction.atomic():
        number = early if early is not None else PublicIdCounter.reserve(requested_at.year)
        request = ServiceRequest.objects.create(
            public_id=format_public_id(requested_at.year, number),
            jurisdiction_id=data.service.jurisdiction_id,
            service=data.service,
            department_id=decision.department_id,
            queue=decision.queue,
            routing_rule=decision.rule,
            routing_reason=decision.reason,
            expected_at=targets.expected_at,
            at_risk_at=targets.at_risk_at,
            sla_state=targets.state,
            geocell=duplicates.cell_of(data.lat, data.lon),
            suspected_duplicate_id=nearby[0][1] if nearby else None,
            area=area,
            status=Status.NEW,
            description=data.description.strip(),
            attributes=attributes,
            lat=data.lat,
            lon=data.lon,
            address=data.address.strip(),
            address_id=data.address_id.strip(),
            zipcode=data.zipcode.strip(),
            media_url=data.media_url,
            channel=data.channel,
            requested_at=requested_at,
            updated_at=now,
        )
        if not data.contact.is_empty():
            ReporterContact.objects.create(request=request, **vars(data.contact))
        for photo in data.photos:
            _store_photo(request, photo)
        RequestUpdate.objects.create(
            request=request,
            at=requested_at,
            status=Status.NEW,
            description="Request received",
            author_label=actor.label,
        )
        record(
            actor,
            "request.submitted",
            request,
            public_id=request.public_id,
            service=data.service.code,
            channel=data.channel,
            department=decision.department_id,
            routing=decision.reason,
        )
        if data.contact.phone and data.contact.updates_by_sms:
            notifications.queue_acknowledgement_sms(request)
        if area is not None and AreaFollow.objects.filter(area=area).confirmed().exists():
            enqueue_with_write(alert_area_followers, request.pk)
        if data.contact.email:
            enqueue_with_write(acknowledge_request, request.pk, data.language)
    return request


def change_status(
    actor: Actor,
    request: ServiceRequest,
    status: Status,
    note: str = "",
    public: bool = True,
    *,
    via: str = "",
) -> RequestUpdate:
    """Move a request to ``status`` with a timeline entry, as the workflow allows.

    Raises :class:`workflow.TransitionNotAllowed` for a change the workflow forbids. The
    reporter hears about public changes (email and/or SMS, as they chose); closing a
    request resolves its duplicates and tells their reporters too.
    """
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        before = request.status
        check_transition(before, status, via=via)
        now = timezone.now()
        request.status = status
        request.status_notes = note if public else request.status_notes
        request.updated_at = now
        request.closed_at = _closed_at(request, before, status, now)
        _apply_service_level(request, before, status, now)
        request.save(
            update_fields=[
                "status",
                "status_notes",
                "updated_at",
                "closed_at",
                "sla_state",
                "expected_at",
                "at_risk_at",
            ]
        )
        update = RequestUpdate.objects.create(
            request=request,
            at=now,
            status=status,
            description=note,
            is_public=public,
            author_label=actor.label,
        )
        record(
            actor,
            "request.status_changed",
            request,
            before=before,
            after=status,
            public=public,
            note=note[:500],
        )
        if public and status != before:
            notifications.queue_update(request, update)
        if status in CLOSED_STATUSES and before in OPEN_STATUSES and status != Status.DUPLICATE:
            _resolve_duplicates(actor, request, update)
        if public and request.follows.confirmed().exists():
            enqueue_with_write(notify_followers, update.pk)
    return update


def _closed_at(request: ServiceRequest, before: str, after: str, now: datetime) -> datetime | None:
    """When the request closed: kept through notes and moves between closed statuses, so
    a note on a closed request does not change its closing date (reports, Open311)."""
    if after not in CLOSED_STATUSES:
        return None
    if before in CLOSED_STATUSES and request.closed_at is not None:
        return request.closed_at
    return now


def attach_photo(actor: Actor, request: ServiceRequest, photo: PhotoInput) -> Media:
    with transaction.atomic():
        media = _store_photo(request, photo)
        record(actor, "request.photo_added", request, media_id=media.pk)
    return media


def follow_request(actor: Actor, request: ServiceRequest, email: str, language: str = "") -> Follow:
    """Ask for email on a request's public updates.

    A signed-in resident following with their own address is confirmed at once; anyone
    else gets a confirmation link first, so nobody can subscribe another person.
    Following twice is harmless: the existing follow is returned (and re-sent its link).
    """
    email = email.strip()
    own = bool(actor.user and email.lower() == (actor.user.email or "").lower())
    with transaction.atomic():
        follow, created = Follow.objects.get_or_create(
            request=request,
            email=email,
            defaults={"language": language, "confirmed_at": timezone.now() if own else None},
        )
        if own and follow.confirmed_at is None:
            follow.confirmed_at = timezone.now()
            follow.save(update_fields=["confirmed_at"])
        record(actor, "request.followed", request, follow_id=follow.pk, created=created)
        if follow.confirmed_at is None:
            enqueue_with_write(confirm_follow_email, follow.pk)
    return follow


def confirm_follow(actor: Actor, follow: Follow) -> Follow:
    with transaction.atomic():
        if follow.confirmed_at is None:
            follow.confirmed_at = timezone.now()
            follow.save(update_fields=["confirmed_at"])
        record(actor, "request.follow_confirmed", follow.request, follow_id=follow.pk)
    return follow


def unfollow(actor: Actor, follow: Follow) -> None:
    with transaction.atomic():
        request, follow_id = follow.request, follow.pk
        follow.delete()
        record(actor, "request.unfollowed", request, follow_id=follow_id)


def _store_photo(request: ServiceRequest, photo: PhotoInput) -> Media:
    media = Media(
        request=request, content_type=photo.content_type, width=photo.width, height=photo.height
    )
    # A random name: the resident's file name may carry personal data.
    media.file.save(f"{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content), save=False)
    media.save()
    return media


@dataclass(frozen=True)
class HistoricRequest:
    """A request with its whole life known already (imports, the demo's history)."""

    data: RequestInput
    status: Status
    updated_at: datetime
    closed_at: datetime | None = None
    status_notes: str = ""
    area_id: int | None = None
    source: str = ""
    source_ref: str = ""
    updates: tuple[tuple[datetime, Status, str], ...] = field(default_factory=tuple)
    # The department that handled it when the source says so (else the service's).
    department_id: int | None = None
    expected_at: datetime | None = None
    # A repeat report: the source_ref of the earlier row (same source) it duplicates. The
    # load sets ``parent`` once both rows are in, whichever batch or load brought them.
    parent_ref: str = ""


@dataclass
class LoadReport:
    created: int = 0
    skipped_existing: int = 0
    linked: int = 0
    problems: list[tuple[int, Problem]] = field(default_factory=list)
    # (request pk, source, parent's source_ref) waiting for the whole load to be in.
    pending_links: list[tuple[int, str, str]] = field(default_factory=list, repr=False)


def load_history(
    actor: Actor,
    rows: Iterable[tuple[int, HistoricRequest]],
    batch_size: int = 2000,
    **details: Any,
) -> LoadReport:
    """Bulk-load past requests in one transaction with one audit event.

    Rows are trusted to carry cleaned attributes and a resolved area (the importer and the
    demo validate and locate them in bulk, which per-row checks would make 100× slower).
    Each row comes with its source line number so that problems can be reported by line.
    Re-loading the same ``source``/``source_ref`` skips rows already there. ``details``
    (e.g. the file's name) go into the audit event.
    """
    report = LoadReport()
    with transaction.atomic():
        batch: list[HistoricRequest] = []
        for _line, row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                _load_batch(batch, report)
                batch = []
        if batch:
            _load_batch(batch, report)
        _link_parents(report)
        record(
            actor,
            "requests.loaded",
            None,
            created=report.created,
            skipped_existing=report.skipped_existing,
            linked=report.linked,
            **details,
        )
    return report


def _load_batch(batch: list[HistoricRequest], report: LoadReport) -> None:
    refs = [(r.source, r.source_ref) for r in batch if r.source_ref]
    existing: set[tuple[str, str]] = set()
    if refs:
        existing = set(
            ServiceRequest.objects.filter(
                source__in={s for s, _ in refs}, source_ref__in=[ref for _, ref in refs]
            ).values_list("source", "source_ref")
        )
    fresh = [r for r in batch if not r.source_ref or (r.source, r.source_ref) not in existing]
    report.skipped_existing += len(batch) - len(fresh)
    requests = []
    for year, rows in _group_by_year(fresh).items():
        first = PublicIdCounter.reserve(year, len(rows))
        for offset, row in enumerate(rows):
            requests.append(_historic_model(row, format_public_id(year, first + offset)))
    created = ServiceRequest.objects.bulk_create(requests, batch_size=1000)
    # bulk_create returns primary keys on PostgreSQL and SQLite ≥ 3.35 alike.
    updates: list[RequestUpdate] = []
    contacts: list[ReporterContact] = []
    for request, row in zip(created, _in_year_order(fresh), strict=True):
        updates.append(
            RequestUpdate(
                request=request,
                at=request.requested_at,
                status=Status.NEW,
                description="Request received",
            )
        )
        for at, status, note in row.updates:
            updates.append(RequestUpdate(request=request, at=at, status=status, description=note))
        if not row.data.contact.is_empty():
            contacts.append(ReporterContact(request=request, **vars(row.data.contact)))
        if row.parent_ref:
            report.pending_links.append((request.pk, row.source, row.parent_ref))
    RequestUpdate.objects.bulk_create(updates, batch_size=2000)
    ReporterContact.objects.bulk_create(contacts, batch_size=2000)
    report.created += len(created)


def _link_parents(report: LoadReport, chunk_size: int = 1000) -> None:
    """Point repeat reports at the request they repeat (``parent``), in bulk."""
    links = report.pending_links
    for start in range(0, len(links), chunk_size):
        chunk = links[start : start + chunk_size]
        parents = {
            (source, ref): pk
            for source, ref, pk in ServiceRequest.objects.filter(
                source__in={source for _, source, _ in chunk},
                source_ref__in={ref for _, _, ref in chunk},
            ).values_list("source", "source_ref", "pk")
        }
        children = [
            ServiceRequest(pk=pk, parent_id=parents[(source, ref)])
            for pk, source, ref in chunk
            if (source, ref) in parents
        ]
        ServiceRequest.objects.bulk_update(children, ["parent"], batch_size=500)
        report.linked += len(children)
    links.clear()


def _group_by_year(rows: list[HistoricRequest]) -> dict[int, list[HistoricRequest]]:
    groups: dict[int, list[HistoricRequest]] = {}
    for row in rows:
        groups.setdefault(_requested(row).year, []).append(row)
    return groups


def _in_year_order(rows: list[HistoricRequest]) -> list[HistoricRequest]:
    return [row for group in _group_by_year(rows).values() for row in group]


def _requested(row: HistoricRequest) -> datetime:
    return row.data.requested_at or row.updated_at


def _historic_model(row: HistoricRequest, public_id: str) -> ServiceRequest:
    data = row.data
    return ServiceRequest(
        public_id=public_id,
        jurisdiction_id=data.service.jurisdiction_id,
        service=data.service,
        department_id=(
            row.department_id if row.department_id is not None else data.service.department_id
        ),
        area_id=row.area_id,
        status=row.status,
        status_notes=row.status_notes,
        description=data.description,
        attributes=data.attributes,
        lat=data.lat,
        lon=data.lon,
        address=data.address,
        address_id=data.address_id,
        zipcode=data.zipcode,
        channel=data.channel,
        requested_at=_requested(row),
        updated_at=row.updated_at,
        expected_at=row.expected_at,
        sla_state=sla.state_for_history(row.status, row.expected_at, row.closed_at),
        geocell=duplicates.cell_of(data.lat, data.lon),
        closed_at=row.closed_at,
        source=row.source,
        source_ref=row.source_ref,
    )


# Vocabulary for imports: another city's export names jurisdictions, departments, areas and
# request types that may not exist here yet. Each function returns what is there or creates
# it (audited); the importer calls them inside its own transaction.


def ensure_jurisdiction(actor: Actor, slug: str, name: str, timezone_name: str) -> Jurisdiction:
    jurisdiction = Jurisdiction.objects.filter(slug=slug).first()
    if jurisdiction is not None:
        return jurisdiction
    with transaction.atomic():
        jurisdiction = Jurisdiction(slug=slug, name=name[:200], timezone=timezone_name)
        jurisdiction.full_clean()
        jurisdiction.save()
        record(actor, "jurisdiction.created", jurisdiction, slug=slug)
    return jurisdiction


def ensure_department(actor: Actor, jurisdiction: Jurisdiction, code: str, name: str) -> Department:
    department = Department.objects.filter(jurisdiction=jurisdiction, code=code).first()
    if department is not None:
        return department
    with transaction.atomic():
        department = Department.objects.create(
            jurisdiction=jurisdiction, code=code[:50], name=name[:200]
        )
        record(actor, "department.created", department, code=department.code)
    return department


def ensure_area(
    actor: Actor, jurisdiction: Jurisdiction, code: str, name: str, kind: AreaKind
) -> Area:
    """An area found by code; a new one has no polygon, so it groups but never locates."""
    area = Area.objects.filter(jurisdiction=jurisdiction, code=code).first()
    if area is not None:
        return area
    with transaction.atomic():
        area = Area.objects.create(
            jurisdiction=jurisdiction, code=code[:50], name=name[:200], kind=kind
        )
        record(actor, "area.created", area, code=area.code)
    return area


def ensure_service(
    actor: Actor,
    jurisdiction: Jurisdiction,
    code: str,
    *,
    name: str,
    group: str,
    department: Department | None,
    is_sensitive: bool = False,
    is_active: bool = False,
) -> Service:
    """A service found by code. A new one is inactive by default: history may name request
    types the city does not offer residents, and offering one is a catalogue decision."""
    service = Service.objects.filter(jurisdiction=jurisdiction, code=code).first()
    if service is not None:
        return service
    with transaction.atomic():
        service = Service.objects.create(
            jurisdiction=jurisdiction,
            code=code[:64],
            name=name[:200],
            group=group[:100],
            department=department,
            is_sensitive=is_sensitive,
            is_active=is_active,
            type=ServiceType.BATCH,
        )
        record(actor, "service.created", service, code=service.code)
    return service


# --- Staff operations (issue 3) ------------------------------------------------------------


def _apply_service_level(request: ServiceRequest, before: str, status: str, now: datetime) -> None:
    """Closing judges the target (met or missed); reopening starts a fresh clock."""
    was_open, is_open = before in OPEN_STATUSES, status in OPEN_STATUSES
    if was_open and not is_open:
        request.sla_state = sla.closing_state(request.expected_at, now)
    elif is_open and not was_open:
        targets = sla.targets_for(request.service_id, now)
        request.expected_at, request.at_risk_at = targets.expected_at, targets.at_risk_at
        request.sla_state = targets.state


def _timeline(
    actor: Actor, request: ServiceRequest, text: str, *, public: bool = False
) -> RequestUpdate:
    return RequestUpdate.objects.create(
        request=request,
        at=timezone.now(),
        status=request.status,
        description=text,
        is_public=public,
        author_label=actor.label,
    )


def _resolve_duplicates(actor: Actor, parent: ServiceRequest, update: RequestUpdate) -> None:
    """The original is resolved: close any duplicate still open, and tell every reporter."""
    now = timezone.now()
    text = _("The original report %(id)s is resolved: %(status)s. %(note)s") % {
        "id": parent.public_id,
        "status": update.get_status_display(),
        "note": update.description,
    }
    for child in ServiceRequest.objects.filter(parent=parent).select_related("service"):
        if child.status in OPEN_STATUSES:
            child.status = Status.CLOSED
            child.closed_at = now
            child.sla_state = sla.closing_state(child.expected_at, now)
        child.updated_at = now
        child.save(update_fields=["status", "closed_at", "sla_state", "updated_at"])
        _timeline(actor, child, text.strip(), public=True)
        notifications.queue_duplicate_resolved(child, parent, update.description)
        record(actor, "request.duplicate_resolved", child, parent=parent.public_id)


def add_note(actor: Actor, request: ServiceRequest, note: str, public: bool) -> RequestUpdate:
    """A timeline entry without a change of status; public notes reach the reporter."""
    note = note.strip()
    if not note:
        raise ValueError("a note needs some text")
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        request.updated_at = timezone.now()
        request.save(update_fields=["updated_at"])
        update = _timeline(actor, request, note, public=public)
        record(actor, "request.note_added", request, public=public, note=note[:500])
        if public:
            notifications.queue_update(request, update)
    return update


def assign(actor: Actor, request: ServiceRequest, assignee: User | None) -> ServiceRequest:
    """Give a request to a person (None: back to the department's queue)."""
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        before = request.assignee.get_username() if request.assignee else ""
        request.assignee = assignee
        request.updated_at = timezone.now()
        request.save(update_fields=["assignee", "updated_at"])
        after = assignee.get_username() if assignee else ""
        _timeline(actor, request, _("Assigned to %(who)s") % {"who": after or _("the queue")})
        record(actor, "request.assigned", request, before=before, after=after)
    return request


def transfer(
    actor: Actor, request: ServiceRequest, department: Department, queue: str = ""
) -> ServiceRequest:
    """Move a request to another department (a supervisor's reassignment)."""
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        before = {"department": request.department_id, "queue": request.queue}
        request.department, request.queue, request.assignee = department, queue, None
        request.routing_rule = None
        request.routing_reason = _("Transferred by %(who)s") % {"who": actor.label}
        request.updated_at = timezone.now()
        request.save(
            update_fields=[
                "department",
                "queue",
                "assignee",
                "routing_rule",
                "routing_reason",
                "updated_at",
            ]
        )
        _timeline(actor, request, _("Transferred to %(dept)s") % {"dept": department.name})
        record(
            actor,
            "request.transferred",
            request,
            before=before,
            after={"department": department.pk, "queue": queue},
        )
    return request


def change_service(actor: Actor, request: ServiceRequest, service: Service) -> ServiceRequest:
    """Re-categorise a request: it is routed again and gets the new service's target."""
    if service.jurisdiction_id != request.jurisdiction_id:
        raise ValueError("the service belongs to another jurisdiction")
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        before = {"service": request.service.code, "department": request.department_id}
        attributes, _problems = clean_attributes(service, request.attributes)
        decision = route(service, request.area_id, attributes)
        request.service = service
        request.attributes = attributes
        request.department_id = decision.department_id
        request.queue = decision.queue
        request.routing_rule = decision.rule
        request.routing_reason = decision.reason
        request.assignee = None
        if request.is_open:
            targets = sla.targets_for(service.pk, request.requested_at)
            request.expected_at, request.at_risk_at = targets.expected_at, targets.at_risk_at
            request.sla_state = targets.state
        request.updated_at = timezone.now()
        request.save()
        _timeline(
            actor,
            request,
            _("Re-categorised as %(service)s. %(reason)s")
            % {"service": service.name, "reason": decision.reason},
        )
        record(
            actor,
            "request.service_changed",
            request,
            before=before,
            after={"service": service.code, "department": decision.department_id},
        )
    return request


def merge_duplicate(actor: Actor, child: ServiceRequest, parent: ServiceRequest) -> ServiceRequest:
    """Mark ``child`` a duplicate of ``parent`` (Open311 shows its parent and status)."""
    if child.pk == parent.pk:
        raise ValueError("a request cannot be a duplicate of itself")
    with transaction.atomic():
        parent = ServiceRequest.objects.select_for_update().get(pk=parent.pk)
        if parent.parent_id is not None:
            parent = ServiceRequest.objects.get(pk=parent.parent_id)  # merge into the root
        if parent.pk == child.pk:
            raise ValueError("that request is already a duplicate of this one")
        change_status(
            actor,
            child,
            Status.DUPLICATE,
            _("Already reported as %(id)s: follow that request for updates.")
            % {"id": parent.public_id},
            public=True,
            via="merge",
        )
        child = ServiceRequest.objects.select_for_update().get(pk=child.pk)
        child.parent = parent
        child.suspected_duplicate = None
        child.save(update_fields=["parent", "suspected_duplicate"])
        # Duplicates of the child follow it into the root.
        ServiceRequest.objects.filter(parent=child).update(parent=parent)
        _timeline(actor, parent, _("%(id)s merged into this request") % {"id": child.public_id})
        record(actor, "request.merged", child, parent=parent.public_id)
        if not parent.is_open:
            # The original is already resolved: the merged reporter hears it now.
            notifications.queue_duplicate_resolved(child, parent, parent.status_notes)
    return child


def bulk_assign(actor: Actor, requests: Iterable[ServiceRequest], assignee: User | None) -> int:
    with transaction.atomic():
        count = 0
        for request in requests:
            assign(actor, request, assignee)
            count += 1
        record(actor, "requests.bulk_assigned", None, count=count)
    return count


def bulk_change_status(
    actor: Actor, requests: Iterable[ServiceRequest], status: Status, note: str, public: bool
) -> tuple[int, list[str]]:
    """Change what the workflow allows; returns how many changed and the ids refused."""
    changed, refused = 0, []
    with transaction.atomic():
        for request in requests:
            try:
                with transaction.atomic():
                    change_status(actor, request, status, note, public)
                changed += 1
            except TransitionNotAllowed:
                refused.append(request.public_id)
        record(actor, "requests.bulk_status_changed", None, count=changed, refused=refused)
    return changed, refused


def bulk_merge(actor: Actor, children: Iterable[ServiceRequest], parent: ServiceRequest) -> int:
    with transaction.atomic():
        count = 0
        for child in children:
            if child.pk != parent.pk:
                merge_duplicate(actor, child, parent)
                count += 1
        record(actor, "requests.bulk_merged", parent, count=count)
    return count


@dataclass
class ScanReport:
    at_risk: int = 0
    breached: int = 0
    escalated: int = 0
    reminded: int = 0
    notified: int = 0
    purged: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))

    def __bool__(self) -> bool:
        return bool(self.at_risk or self.breached or self.reminded or self.purged)


def scan_service_levels(
    actor: Actor, now: datetime | None = None, batch: int | None = None
) -> ScanReport:
    """Flag requests at risk and breached, escalate, and remind about stale ones.

    Only rows whose stored moment has passed are read (index range scans on
    ``(sla_state, expected_at)``, ``(sla_state, at_risk_at)`` and ``(status, updated_at)``),
    at most ``batch`` of each kind per call. Rows locked by a concurrent scan are skipped on
    PostgreSQL (SKIP LOCKED) and every update is conditional on the old state, so two
    scanners (cron on two hosts, a slow run overlapping the next) never double-notify.
    Call it again while it reports work (``townhall sla-scan`` does).
    """
    now = now or timezone.now()
    batch = batch or int(settings.TOWNHALL["SLA_SCAN_BATCH"])
    report = ScanReport()
    with transaction.atomic():
        breached_ids = _lock_ids(
            ServiceRequest.objects.becoming_breached(now), "expected_at", batch
        )
        at_risk_ids = _lock_ids(
            ServiceRequest.objects.becoming_at_risk(now).filter(expected_at__gt=now),
            "at_risk_at",
            batch,
        )
        cutoff = now - timedelta(days=int(settings.TOWNHALL["STALE_AFTER_DAYS"]))
        stale_ids = _lock_ids(ServiceRequest.objects.stale(cutoff), "updated_at", batch)
        if breached_ids:
            report.breached, report.escalated, notified = _breach(actor, breached_ids, now)
            report.notified += notified
        if at_risk_ids:
            report.at_risk = ServiceRequest.objects.filter(
                pk__in=at_risk_ids, sla_state=SlaState.ON_TRACK
            ).update(sla_state=SlaState.AT_RISK)
            report.notified += _digest("at_risk", at_risk_ids)
        if stale_ids:
            report.reminded = ServiceRequest.objects.filter(pk__in=stale_ids).update(
                reminded_at=now
            )
            for department_id, rows in _by_department(stale_ids).items():
                report.notified += notifications.queue_stale_reminder(department_id, rows)
        report.purged = _purge_sent_notifications(now, batch)
        if report:
            record(actor, "sla.scanned", None, **report.as_dict())
    return report


NOTIFICATION_RETENTION = timedelta(days=90)


def _purge_sent_notifications(now: datetime, batch: int) -> int:
    # The register promises sent messages go after 90 days; failed ones stay for staff.
    old = Notification.objects.filter(
        status=NotificationStatus.SENT, created_at__lt=now - NOTIFICATION_RETENTION
    ).values_list("pk", flat=True)[:batch]
    return Notification.objects.filter(pk__in=list(old)).delete()[0]


def _lock_ids(qs: QuerySet[ServiceRequest], order: str, batch: int) -> list[int]:
    return list(
        qs.order_by(order).select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch]
    )


def _by_department(ids: list[int]) -> dict[int | None, list[ServiceRequest]]:
    groups: dict[int | None, list[ServiceRequest]] = {}
    rows = ServiceRequest.objects.filter(pk__in=ids).select_related("service", "assignee")
    for row in rows.order_by("expected_at", "pk"):
        groups.setdefault(row.department_id, []).append(row)
    return groups


def _digest(kind: str, ids: list[int]) -> int:
    sent = 0
    for department_id, rows in _by_department(ids).items():
        if department_id is not None:
            sent += notifications.queue_service_level_digest(department_id, kind, rows)
    return sent


def _breach(actor: Actor, ids: list[int], now: datetime) -> tuple[int, int, int]:
    """Mark breached, escalate per each service's rule, note it on the timelines."""
    rows = list(
        ServiceRequest.objects.filter(
            pk__in=ids, sla_state__in=[SlaState.ON_TRACK, SlaState.AT_RISK]
        ).values_list("pk", "service_id", "department_id", "status")
    )
    breached = ServiceRequest.objects.filter(pk__in=[r[0] for r in rows]).update(
        sla_state=SlaState.BREACHED, escalated_at=now
    )
    rules = {
        level.service_id: level.escalate_to
        for level in ServiceLevel.objects.filter(
            service_id__in={r[1] for r in rows}, escalate_to__isnull=False
        ).select_related("escalate_to")
    }
    updates, escalated = [], 0
    moved: dict[int, list[int]] = {}
    for pk, service_id, department_id, status in rows:
        target = rules.get(service_id)
        text = _("Service level target missed.")
        if target is not None and target.pk != department_id:
            moved.setdefault(target.pk, []).append(pk)
            text += " " + _("Escalated to %(dept)s.") % {"dept": target.name}
            escalated += 1
        updates.append(
            RequestUpdate(
                request_id=pk,
                at=now,
                status=status,
                description=text,
                is_public=False,
                author_label=actor.label,
            )
        )
    # The supervisors of the department that missed the target hear first.
    notified = _digest("breached", [r[0] for r in rows])
    for department_id, pks in moved.items():
        ServiceRequest.objects.filter(pk__in=pks).update(
            department_id=department_id,
            assignee=None,
            routing_rule=None,
            routing_reason=_("Escalated: service level target missed"),
        )
    RequestUpdate.objects.bulk_create(updates, batch_size=2000)
    return breached, escalated, notified


# Settings pages (routing rules, service levels, calendars, templates) save through these.
CONFIG_MODELS = (RoutingRule, ServiceLevel, BusinessCalendar, Holiday, ResponseTemplate)


def _snapshot(obj: models.Model) -> dict[str, Any]:
    return {
        f.attname: str(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname != "id"
    }


def save_setting(actor: Actor, obj: models.Model) -> models.Model:
    """Create or change one piece of configuration, validated, with before and after."""
    if not isinstance(obj, CONFIG_MODELS):
        raise TypeError(f"{type(obj).__name__} is not configuration")
    with transaction.atomic():
        old = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
        obj.full_clean()
        obj.save()
        _bump_calendar(obj)
        record(
            actor,
            f"{obj._meta.model_name}.saved",
            obj,
            before=_snapshot(old) if old else None,
            after=_snapshot(obj),
        )
    return obj


def delete_setting(actor: Actor, obj: models.Model) -> None:
    if not isinstance(obj, CONFIG_MODELS):
        raise TypeError(f"{type(obj).__name__} is not configuration")
    with transaction.atomic():
        before = _snapshot(obj)
        record(actor, f"{obj._meta.model_name}.deleted", obj, before=before)
        _bump_calendar(obj)
        obj.delete()


def _bump_calendar(obj: models.Model) -> None:
    # Cached working-time calendars reload when their version changes.
    calendar_id = getattr(obj, "calendar_id", None)
    if isinstance(obj, Holiday) and calendar_id:
        BusinessCalendar.objects.filter(pk=calendar_id).update(version=F("version") + 1)
    elif isinstance(obj, BusinessCalendar) and obj.pk:
        BusinessCalendar.objects.filter(pk=obj.pk).update(version=F("version") + 1)
    sla.levels.clear()  # the memoised levels carry the calendar's old version


def set_departments(actor: Actor, user: User, departments: Iterable[Department]) -> None:
    """Which departments' queues a staff member works."""
    chosen = list(departments)
    with transaction.atomic():
        before = sorted(user.departments.values_list("code", flat=True))
        user.departments.set(chosen)
        record(
            actor, "user.departments_set", user, before=before, after=sorted(d.code for d in chosen)
        )


def retry_notification(actor: Actor, notification: Notification) -> Notification:
    """Send a failed message again (e.g. after fixing an address or the SMS provider)."""
    with transaction.atomic():
        notification.status = NotificationStatus.PENDING
        notification.attempts = 0
        notification.save(update_fields=["status", "attempts"])
        enqueue_with_write(send_notification, notification.pk)
        record(actor, "notification.retried", notification, kind=notification.kind)
    return notification


def follow_area(actor: Actor, area: Area, email: str, language: str = "") -> AreaFollow:
    """Ask for an email on each new request in ``area``; the owner confirms from a link."""
    email = email.strip()
    with transaction.atomic():
        follow, created = AreaFollow.objects.get_or_create(
            area=area, email=email, defaults={"language": language}
        )
        record(actor, "area.followed", area, follow_id=follow.pk, created=created)
        if follow.confirmed_at is None:
            notifications.queue_area_follow_confirmation(follow)
    return follow


def confirm_area_follow(actor: Actor, follow: AreaFollow) -> AreaFollow:
    with transaction.atomic():
        if follow.confirmed_at is None:
            follow.confirmed_at = timezone.now()
            follow.save(update_fields=["confirmed_at"])
        record(actor, "area.follow_confirmed", follow.area, follow_id=follow.pk)
    return follow


def unfollow_area(actor: Actor, follow: AreaFollow) -> None:
    with transaction.atomic():
        area, follow_id = follow.area, follow.pk
        follow.delete()
        record(actor, "area.unfollowed", area, follow_id=follow_id)


# --- Retention: what the personal-data register promises (privacy/registry.py) ----------

CONTACT_RETENTION = timedelta(days=730)
FOLLOW_RETENTION = timedelta(days=90)
UNCONFIRMED_RETENTION = timedelta(days=7)


@dataclass
class RetentionReport:
    contacts: int = 0
    follows: int = 0
    area_alerts: int = 0


def apply_retention(actor: Actor, now: datetime | None = None) -> RetentionReport:
    """Delete the desk's personal data once the register says it is no longer kept.

    Reporter contacts go two years after their request closed, follows 90 days after it
    closed, and follow or area-alert sign-ups that nobody confirmed within 7 days. The
    requests themselves stay. Meant to run daily (`townhall retention`); a request that
    reopens keeps its contact, since only closed requests count.
    """
    now = now or timezone.now()

    def closed_before(age: timedelta) -> dict[str, Any]:
        return {
            "request__status__in": sorted(CLOSED_STATUSES),
            "request__closed_at__lt": now - age,
        }

    unconfirmed = {"confirmed_at__isnull": True, "created_at__lt": now - UNCONFIRMED_RETENTION}
    with transaction.atomic():
        report = RetentionReport(
            contacts=ReporterContact.objects.filter(**closed_before(CONTACT_RETENTION)).delete()[0],
            follows=Follow.objects.filter(**closed_before(FOLLOW_RETENTION)).delete()[0]
            + Follow.objects.filter(**unconfirmed).delete()[0],
            area_alerts=AreaFollow.objects.filter(**unconfirmed).delete()[0],
        )
        record(actor, "privacy.retention_applied", None, **vars(report))
    return report
