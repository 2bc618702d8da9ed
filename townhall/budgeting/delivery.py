"""Delivery tracking: the public timeline of each funded project, from planning to done."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from townhall.audit import record
from townhall.budgeting.models import DeliveryStatus, DeliveryUpdate, Project
from townhall.lib.actors import Actor

NOTE_MAX = 2000


def record_delivery_update(
    actor: Actor, project: Project, status: str, progress: int, note: str
) -> DeliveryUpdate:
    """Append an update to a funded project's timeline and set its current status and
    progress (0–100 %). A completed project is 100 % done."""
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if status not in DeliveryStatus.values:
        errors["status"] = [_("Choose a status from the list.")]
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        errors["progress"] = [_("Progress is a percentage from 0 to 100.")]
    elif status == DeliveryStatus.COMPLETED and progress != 100:
        errors["progress"] = [_("A completed project has 100 percent progress.")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("Keep it under %(limit)d characters.") % {"limit": NOTE_MAX}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Project.objects.select_for_update().get(pk=project.pk)
        if not current.is_funded:
            raise ValidationError(_("Only funded projects have a delivery timeline."))
        before = {"status": current.delivery_status, "progress": current.delivery_progress}
        current.delivery_status = status
        current.delivery_progress = progress
        current.save(update_fields=["delivery_status", "delivery_progress"])
        update = DeliveryUpdate.objects.create(
            project=current, status=status, progress=progress, note=note, author=actor.user
        )
        record(
            actor,
            "pb.delivery.updated",
            current,
            before=before,
            status=status,
            progress=progress,
            note=note,
        )
    project.delivery_status, project.delivery_progress = status, progress
    return update
