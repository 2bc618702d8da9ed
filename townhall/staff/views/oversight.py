"""Supervisors' views: the audit trail (read-only, searchable) and messages that failed."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from townhall.accounts.models import Role
from townhall.audit.models import AuditEvent
from townhall.servicedesk.models import Notification, NotificationQuerySet, ServiceRequest
from townhall.servicedesk.services import retry_notification
from townhall.staff.forms import AuditSearchForm
from townhall.staff.http import actor
from townhall.staff.permissions import OVERSIGHT, department_ids, nav_for, page


@page(OVERSIGHT)
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        if data["action"]:
            events = events.filter(action__startswith=data["action"])
        if data["subject"]:
            subject = data["subject"].strip()
            request_pk = (
                ServiceRequest.objects.filter(public_id=subject)
                .values_list("pk", flat=True)
                .first()
            )
            if request_pk is not None:
                events = events.filter(
                    object_type="servicedesk.servicerequest", object_id=str(request_pk)
                )
            else:
                events = events.filter(object_id=subject)
        if data["ip"]:
            events = events.filter(ip=data["ip"])
        zone = timezone.get_current_timezone()
        if data["since"]:
            events = events.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=zone))
        if data["until"]:
            events = events.filter(at__lte=datetime.combine(data["until"], time.max, tzinfo=zone))
    page_obj = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/audit.html",
        {"nav": nav_for(request.user), "form": form, "page": page_obj, "query": query.urlencode()},
    )


def _notifications_for(user: object) -> NotificationQuerySet:
    failed = Notification.objects.failed().select_related("request")
    if getattr(user, "role", None) == Role.ADMIN:
        return failed
    return failed.filter(
        Q(request__isnull=True) | Q(request__department_id__in=department_ids(user))
    )


@page(OVERSIGHT)
def failed_notifications(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(_notifications_for(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request, "staff/notifications.html", {"nav": nav_for(request.user), "page": page_obj}
    )


@page(OVERSIGHT)
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(_notifications_for(request.user), pk=pk)
    retry_notification(actor(request), notification)
    messages.success(request, _("Queued to send again."))
    return redirect("staff:failed_notifications")
