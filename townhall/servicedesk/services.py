"""Writes to the service desk. Every channel calls these; none writes models directly."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from townhall.audit import record
from townhall.lib.actors import Actor
from townhall.lib.ids import format_public_id
from townhall.servicedesk.inputs import InvalidInput, PhotoInput, Problem, RequestInput
from townhall.servicedesk.models import (
    CLOSED_STATUSES,
    Media,
    PublicIdCounter,
    ReporterContact,
    RequestUpdate,
    ServiceRequest,
    Status,
)
from townhall.servicedesk.tasks import acknowledge_request
from townhall.servicedesk.validation import check_request


def submit_request(actor: Actor, data: RequestInput) -> ServiceRequest:
    """File a request from any channel: Open311, the web form, the assistant, agents."""
    attributes, area, problems = check_request(data)
    if problems:
        raise InvalidInput(problems)
    now = timezone.now()
    requested_at = data.requested_at or now
    with transaction.atomic():
        number = PublicIdCounter.reserve(requested_at.year)
        request = ServiceRequest.objects.create(
            public_id=format_public_id(requested_at.year, number),
            jurisdiction_id=data.service.jurisdiction_id,
            service=data.service,
            department_id=data.service.department_id,
            area=area,
            status=Status.NEW,
            description=data.description.strip(),
            attributes=attributes,
            lat=data.lat,
            lon=data.lon,
            address=data.address.strip(),
            address_id=data.address_id.strip(),
            zipcode=data.zipcode.strip(),
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
        )
        if data.contact.email:
            pk = request.pk
            transaction.on_commit(lambda: acknowledge_request.enqueue(pk))
    return request


def change_status(
    actor: Actor, request: ServiceRequest, status: Status, note: str = "", public: bool = True
) -> RequestUpdate:
    """Move a request to ``status`` with a timeline entry (issue 3 adds allowed transitions)."""
    with transaction.atomic():
        request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        before = request.status
        now = timezone.now()
        request.status = status
        request.status_notes = note if public else request.status_notes
        request.updated_at = now
        request.closed_at = now if status in CLOSED_STATUSES else None
        request.save(update_fields=["status", "status_notes", "updated_at", "closed_at"])
        update = RequestUpdate.objects.create(
            request=request,
            at=now,
            status=status,
            description=note,
            is_public=public,
            author_label=actor.label,
        )
        record(actor, "request.status_changed", request, before=before, after=status)
    return update


def attach_photo(actor: Actor, request: ServiceRequest, photo: PhotoInput) -> Media:
    with transaction.atomic():
        media = _store_photo(request, photo)
        record(actor, "request.photo_added", request, media_id=media.pk)
    return media


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


@dataclass
class LoadReport:
    created: int = 0
    skipped_existing: int = 0
    problems: list[tuple[int, Problem]] = field(default_factory=list)


def load_history(
    actor: Actor, rows: Iterable[tuple[int, HistoricRequest]], batch_size: int = 2000
) -> LoadReport:
    """Bulk-load past requests in one transaction with one audit event.

    Rows are trusted to carry cleaned attributes and a resolved area (the importer and the
    demo validate and locate them in bulk, which per-row checks would make 100× slower).
    Each row comes with its source line number so that problems can be reported by line.
    Re-loading the same ``source``/``source_ref`` skips rows already there.
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
        record(
            actor,
            "requests.loaded",
            None,
            created=report.created,
            skipped_existing=report.skipped_existing,
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
    RequestUpdate.objects.bulk_create(updates, batch_size=2000)
    ReporterContact.objects.bulk_create(contacts, batch_size=2000)
    report.created += len(created)


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
        department_id=data.service.department_id,
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
        closed_at=row.closed_at,
        source=row.source,
        source_ref=row.source_ref,
    )
