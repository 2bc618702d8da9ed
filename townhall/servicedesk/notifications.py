"""Who hears about what, by email or SMS. Rows go into the ``Notification`` outbox inside
the caller's transaction and the worker sends them after commit (``tasks.send_notification``),
retrying with back-off; a message that keeps failing stays visible to staff.

Followers who confirmed a follow on the portal get its own email (``tasks.notify_followers``);
the reporter's own address is skipped here when it also follows, so nobody hears twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from townhall.accounts.models import Role, User
from townhall.servicedesk.models import (
    AreaFollow,
    Follow,
    Notification,
    NotificationChannel,
    RequestUpdate,
    ServiceRequest,
)
from townhall.servicedesk.tasks import enqueue_with_write, send_notification

SMS_CHARS = 320


def track_url(request: ServiceRequest) -> str:
    base = str(settings.TOWNHALL["PUBLIC_BASE_URL"]).rstrip("/")
    try:
        return base + reverse("portal:request", args=[request.public_id])
    except NoReverseMatch:
        return f"{base}/open311/v2/requests/{request.public_id}.json"


def staff_url(request: ServiceRequest) -> str:
    base = str(settings.TOWNHALL["PUBLIC_BASE_URL"]).rstrip("/")
    return f"{base}/staff/requests/{request.public_id}/"


def queue(
    kind: str,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    request: ServiceRequest | None = None,
) -> Notification:
    """Put one message in the outbox; the worker sends it once the transaction commits."""
    text = body if channel == NotificationChannel.EMAIL else body[:SMS_CHARS]
    notification = Notification.objects.create(
        request=request,
        kind=kind,
        channel=channel,
        recipient=recipient[:254],
        subject=subject[:200],
        body=text,
    )
    enqueue_with_write(send_notification, notification.pk)
    return notification


def _in_default_language() -> translation.override:
    return translation.override(settings.LANGUAGE_CODE)


def _reporter_channels(request: ServiceRequest, skip_emails: set[str]) -> list[tuple[str, str]]:
    contact = getattr(request, "contact", None)
    if contact is None:
        return []
    found: list[tuple[str, str]] = []
    if contact.updates_by_email and contact.email and contact.email.lower() not in skip_emails:
        found.append((NotificationChannel.EMAIL, contact.email))
    if contact.updates_by_sms and contact.phone:
        found.append((NotificationChannel.SMS, contact.phone))
    return found


def _following(request: ServiceRequest) -> set[str]:
    return {
        e.lower()
        for e in Follow.objects.filter(request=request).confirmed().values_list("email", flat=True)
    }


def queue_acknowledgement_sms(request: ServiceRequest) -> None:
    """SMS for a reporter who asked for texts (email acknowledgements are sent by
    ``tasks.acknowledge_request``)."""
    with _in_default_language():
        body = _("%(city)s 311: we received your request %(id)s. Track it: %(url)s") % {
            "city": request.jurisdiction.name,
            "id": request.public_id,
            "url": track_url(request),
        }
    contact = getattr(request, "contact", None)
    if contact is not None and contact.phone and contact.updates_by_sms:
        queue("acknowledgement", NotificationChannel.SMS, contact.phone, "", body, request)


def queue_update(request: ServiceRequest, update: RequestUpdate) -> int:
    """Tell the reporter about a public timeline entry on their request."""
    with _in_default_language():
        subject = _("Update on your request %(id)s") % {"id": request.public_id}
        body = _("%(id)s (%(service)s) is now: %(status)s.\n%(note)s\nTrack it: %(url)s") % {
            "id": request.public_id,
            "service": request.service.localized("name"),
            "status": update.get_status_display(),
            "note": update.description,
            "url": track_url(request),
        }
    sent = 0
    for channel, to in _reporter_channels(request, _following(request)):
        queue("update", channel, to, subject, body, request)
        sent += 1
    return sent


def queue_duplicate_resolved(child: ServiceRequest, parent: ServiceRequest, note: str) -> int:
    """Tell whoever reported (or follows) a merged duplicate that the original is resolved."""
    with _in_default_language():
        subject = _("Your report %(id)s has been resolved") % {"id": child.public_id}
        body = _(
            "Your report %(child)s was the same problem as %(parent)s, which is now resolved "
            "(%(status)s).\n%(note)s\nTrack it: %(url)s"
        ) % {
            "child": child.public_id,
            "parent": parent.public_id,
            "status": parent.get_status_display(),
            "note": note,
            "url": track_url(parent),
        }
    followers = _following(child)
    sent = 0
    for channel, to in _reporter_channels(child, followers):
        queue("duplicate_resolved", channel, to, subject, body, child)
        sent += 1
    for email in sorted(followers):
        queue("duplicate_resolved", NotificationChannel.EMAIL, email, subject, body, child)
        sent += 1
    return sent


def supervisors_of(department_id: int | None) -> list[User]:
    if department_id is None:
        return []
    return list(
        User.objects.filter(
            departments__id=department_id, role=Role.SUPERVISOR, is_active=True
        ).exclude(email="")
    )


def queue_service_level_digest(
    department_id: int, kind: str, requests: Iterable[ServiceRequest]
) -> int:
    """One email per supervisor listing the department's requests at risk or breached."""
    rows = list(requests)
    supervisors = supervisors_of(department_id)
    if not rows or not supervisors:
        return 0
    with _in_default_language():
        if kind == "breached":
            subject = _("%(n)d requests missed their service level") % {"n": len(rows)}
        else:
            subject = _("%(n)d requests are at risk of missing their service level") % {
                "n": len(rows)
            }
        lines = [
            f"- {r.public_id} ({r.service.localized('name')}), "
            + _("due %(when)s") % {"when": f"{r.expected_at:%Y-%m-%d %H:%M} UTC"}
            + f": {staff_url(r)}"
            for r in rows[:200]
        ]
        if len(rows) > 200:
            lines.append(_("… and %(n)d more in the work queue.") % {"n": len(rows) - 200})
    body = "\n".join(lines)
    for user in supervisors:
        queue(f"sla_{kind}", NotificationChannel.EMAIL, user.email, subject, body)
    return len(supervisors)


def queue_stale_reminder(department_id: int | None, requests: list[ServiceRequest]) -> int:
    """Remind whoever holds stale requests: the assignee, else the department's supervisors."""
    by_person: dict[str, list[ServiceRequest]] = {}
    for r in requests:
        assignee = r.assignee
        if assignee is not None and assignee.email:
            by_person.setdefault(assignee.email, []).append(r)
        else:
            for user in supervisors_of(department_id):
                by_person.setdefault(user.email, []).append(r)
    with _in_default_language():
        for email, rows in by_person.items():
            subject = _("%(n)d requests have had no update for a while") % {"n": len(rows)}
            body = "\n".join(f"- {r.public_id}: {staff_url(r)}" for r in rows[:200])
            queue("stale_reminder", NotificationChannel.EMAIL, email, subject, body)
    return len(by_person)


def _public_url(name: str, *args: str) -> str:
    base = str(settings.TOWNHALL["PUBLIC_BASE_URL"]).rstrip("/")
    return base + reverse(name, args=args)


def queue_area_follow_confirmation(follow: AreaFollow) -> None:
    with translation.override(follow.language or settings.LANGUAGE_CODE):
        subject = _("Confirm alerts for new requests in %(area)s") % {"area": follow.area.name}
        body = _(
            "Someone (we hope you) asked for an email whenever a new request is reported in "
            "%(area)s. Confirm: %(confirm)s\nIf it was not you, ignore this message."
        ) % {
            "area": follow.area.name,
            "confirm": _public_url("areas:confirm", follow.link_token("confirm")),
        }
    queue("area_follow_confirm", NotificationChannel.EMAIL, follow.email, subject, body)


def public_summary(request: ServiceRequest) -> tuple[str, str]:
    """Title and text safe for anyone: no reporter, and nothing of where or what for a
    sensitive service."""
    title = f"{request.public_id} {request.service.localized('name')}"
    if request.service.is_sensitive:
        return title, str(_("Details are not published for this kind of request."))
    return title, " — ".join(p for p in (request.address, request.description[:300]) if p)


def queue_area_alerts(request_pk: int) -> int:
    request = ServiceRequest.objects.select_related("service", "area").get(pk=request_pk)
    if request.area is None:
        return 0
    title, text = public_summary(request)
    sent = 0
    for follow in AreaFollow.objects.filter(area=request.area).confirmed():
        with translation.override(follow.language or settings.LANGUAGE_CODE):
            subject = _("New in %(area)s: %(title)s") % {"area": request.area.name, "title": title}
            body = _("%(text)s\nTrack it: %(url)s\nStop these alerts: %(stop)s") % {
                "text": text,
                "url": track_url(request),
                "stop": _public_url("areas:stop", follow.link_token("stop")),
            }
        queue("area_alert", NotificationChannel.EMAIL, follow.email, subject, body, request)
        sent += 1
    return sent
