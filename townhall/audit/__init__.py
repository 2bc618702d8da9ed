"""Append-only audit trail. Every service function that writes calls :func:`record`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

    from townhall.audit.models import AuditEvent
    from townhall.lib.actors import Actor


def record(actor: Actor, action: str, obj: Model | None = None, **data: Any) -> AuditEvent:
    """Append one event. Call it inside the same transaction as the write it describes."""
    from townhall.audit.models import AuditEvent

    return AuditEvent.objects.create(
        actor_id=actor.user_id,
        actor_label=actor.label[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip=actor.ip,
        data=data,
    )
