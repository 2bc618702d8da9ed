"""Background work for the service desk, run by `townhall worker`.

Emails go out in the resident's language when we know it, and in every language the
portal speaks (one after the other) when we do not, e.g. for reports from Open311 apps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend

from townhall.servicedesk.models import Follow, RequestUpdate, ServiceRequest

SEPARATOR = "\n\n" + "-" * 40 + "\n\n"


def enqueue_with_write(work: Task[..., Any], *args: Any) -> None:
    """Queue ``work`` as part of the write in progress.

    The database backend keeps a queued task as a row: written inside the caller's
    transaction, it commits or rolls back with the change that caused it, so a crash
    between two commits cannot lose it, and a submission costs one commit instead of two.
    Other backends act at once (the immediate one in tests, a broker's), so they wait
    for the commit.
    """
    if isinstance(work.get_backend(), DatabaseBackend):
        work.enqueue(*args)
    else:
        transaction.on_commit(lambda: work.enqueue(*args))


def _url(name: str, *args: str) -> str:
    return settings.TOWNHALL["PUBLIC_BASE_URL"].rstrip("/") + reverse(name, args=args)


def _languages(language: str) -> list[str]:
    codes = [code for code, _name in settings.LANGUAGES]
    language = (language or "").split("-")[0]
    return [language] if language in codes else codes


def _compose(
    language: str, subject: Callable[[], str], template: str, context: dict
) -> tuple[str, str]:
    """Subject and body in ``language``, or in every portal language when it is unknown."""
    subjects, bodies = [], []
    for code in _languages(language):
        with translation.override(code):
            subjects.append(subject())
            bodies.append(render_to_string(template, context).strip() + "\n")
    return " / ".join(dict.fromkeys(subjects)), SEPARATOR.join(bodies)


@task()
def acknowledge_request(request_pk: int, language: str = "") -> bool:
    """Email the reporter that their request arrived, with its public id. False: no email."""
    request = ServiceRequest.objects.select_related("service", "contact").get(pk=request_pk)
    contact = getattr(request, "contact", None)
    if contact is None or not contact.email:
        return False
    subject, body = _compose(
        language,
        lambda: _("We received your request %(id)s") % {"id": request.public_id},
        "servicedesk/email/acknowledgement.txt",
        {"request": request, "track_url": _url("portal:request", request.public_id)},
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [contact.email])
    return True


@task()
def confirm_follow_email(follow_pk: int) -> bool:
    """Ask the owner of the address to confirm they want updates. False: gone or confirmed."""
    follow = Follow.objects.select_related("request__service").filter(pk=follow_pk).first()
    if follow is None or follow.confirmed_at is not None:
        return False
    subject, body = _compose(
        follow.language,
        lambda: _("Confirm you want updates on %(id)s") % {"id": follow.request.public_id},
        "servicedesk/email/follow_confirm.txt",
        {
            "request": follow.request,
            "confirm_url": _url("portal:follow_confirm", follow.link_token("confirm")),
        },
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [follow.email])
    return True


@task()
def notify_followers(update_pk: int) -> int:
    """Email each confirmed follower about a public timeline entry; returns how many."""
    update = RequestUpdate.objects.select_related("request__service").get(pk=update_pk)
    if not update.is_public:
        return 0
    request = update.request
    sent = 0
    for follow in request.follows.confirmed():
        subject, body = _compose(
            follow.language,
            lambda: _("Update on your request %(id)s") % {"id": request.public_id},
            "servicedesk/email/update.txt",
            {
                "request": request,
                "update": update,
                "track_url": _url("portal:request", request.public_id),
                "unfollow_url": _url("portal:unfollow", follow.link_token("unfollow")),
            },
        )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [follow.email])
        sent += 1
    return sent


# --- Staff operations (issue 3): the outbox and the service-level scan -------------------

RETRY_BASE_SECONDS = 60


@task()
def send_notification(notification_pk: int) -> str:
    """Send one outbox message; on failure retry later with back-off, then give up visibly."""
    from datetime import timedelta

    from django.core.mail import EmailMessage
    from django.utils import timezone

    from townhall.servicedesk.models import Notification, NotificationChannel, NotificationStatus
    from townhall.servicedesk.sms import get_sender

    notification = Notification.objects.filter(pk=notification_pk).first()
    if notification is None or notification.status == NotificationStatus.SENT:
        return "skipped"
    try:
        if notification.channel == NotificationChannel.SMS:
            get_sender().send(notification.recipient, notification.body)
        else:
            EmailMessage(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [notification.recipient],
            ).send()
    except Exception as exc:  # noqa: BLE001  (any failure of a provider is retried)
        notification.attempts += 1
        notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
        limit = int(settings.TOWNHALL["NOTIFY_MAX_ATTEMPTS"])
        gave_up = notification.attempts >= limit
        notification.status = NotificationStatus.FAILED if gave_up else NotificationStatus.PENDING
        notification.save(update_fields=["attempts", "last_error", "status"])
        if not gave_up:
            delay = timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (notification.attempts - 1))
            send_notification.using(run_after=timezone.now() + delay).enqueue(notification.pk)
        return "failed" if gave_up else "retrying"
    notification.attempts += 1
    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return "sent"


@task()
def run_sla_scan() -> dict[str, int]:
    """The periodic service-level scan, for schedulers that enqueue tasks."""
    from townhall.lib.actors import Actor
    from townhall.servicedesk.services import scan_service_levels

    return scan_service_levels(Actor.system("sla-scan")).as_dict()


@task()
def alert_area_followers(request_pk: int) -> int:
    """Email confirmed followers of the request's area about it: no personal data, and for a
    sensitive service neither the place nor the description."""
    from django.db import transaction

    from townhall.servicedesk.notifications import queue_area_alerts

    with transaction.atomic():
        return queue_area_alerts(request_pk)
