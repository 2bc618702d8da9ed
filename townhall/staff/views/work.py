"""The work: queue, map, request detail and its actions, bulk actions, requests for callers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from townhall.audit.models import AuditEvent
from townhall.servicedesk import duplicates
from townhall.servicedesk.inputs import ContactInput, InvalidInput, RequestInput
from townhall.servicedesk.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Channel,
    ResponseTemplate,
    Service,
    ServiceRequest,
    ServiceRequestQuerySet,
    Status,
)
from townhall.servicedesk.services import (
    add_note,
    assign,
    bulk_assign,
    bulk_change_status,
    bulk_merge,
    change_service,
    change_status,
    merge_duplicate,
    submit_request,
    transfer,
)
from townhall.servicedesk.workflow import TransitionNotAllowed
from townhall.staff.forms import (
    AssignForm,
    BulkForm,
    CallerRequestForm,
    MergeForm,
    NoteForm,
    QueueFilterForm,
    ServiceForm,
    StatusForm,
    TransferForm,
)
from townhall.staff.http import actor
from townhall.staff.permissions import (
    EVERYONE_IN_BACK_OFFICE,
    INTAKE,
    OVERSIGHT,
    WORKERS,
    assignable_people,
    can_see_audit,
    can_see_contact,
    can_transfer,
    can_work,
    forbidden,
    nav_for,
    not_assignable_to,
    page,
    requests_for,
)

PAGE_SIZE = 50


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"nav": nav_for(request.user), **extra}


def _filtered(request: HttpRequest, form: QueueFilterForm) -> ServiceRequestQuerySet:
    qs = requests_for(request.user)
    data = form.cleaned_data if form.is_valid() else {"status": "open"}
    status = data.get("status", "open") if form.is_bound else "open"
    if status == "open":
        qs = qs.filter(status__in=sorted(OPEN_STATUSES))
    elif status == "closed":
        qs = qs.filter(status__in=sorted(CLOSED_STATUSES))
    elif status:
        qs = qs.filter(status=status)
    if data.get("q"):
        qs = qs.filter(public_id__icontains=data["q"].strip())
    for name in ("service", "area", "department"):
        if data.get(name):
            qs = qs.filter(**{name: data[name]})
    due = data.get("due")
    if due == "today":
        end = timezone.localtime().replace(hour=23, minute=59, second=59)
        qs = qs.filter(expected_at__lte=end, status__in=sorted(OPEN_STATUSES))
    elif due:
        qs = qs.filter(sla_state=due)
    who = data.get("assignee")
    if who == "me":
        qs = qs.filter(assignee_id=request.user.pk)
    elif who == "none":
        qs = qs.filter(assignee__isnull=True)
    elif who:
        qs = qs.filter(assignee_id=int(who))
    if data.get("duplicates"):
        qs = qs.filter(suspected_duplicate__isnull=False)
    return qs


@page(EVERYONE_IN_BACK_OFFICE)
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None, user=request.user)
    qs = (
        _filtered(request, form)
        .select_related("service", "area", "department", "assignee", "suspected_duplicate")
        .order_by(F("expected_at").asc(nulls_last=True), "-requested_at", "-pk")
    )
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_bulk = getattr(request.user, "role", None) in WORKERS
    bulk = BulkForm(visible=requests_for(request.user)) if can_bulk else None
    return render(
        request,
        "staff/queue.html",
        _ctx(request, form=form, page=page_obj, query=query.urlencode(), bulk=bulk),
    )


@page(EVERYONE_IN_BACK_OFFICE)
def map_view(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None, user=request.user)
    rows = (
        _filtered(request, form)
        .filter(lat__isnull=False)
        .select_related("service", "area")
        .order_by("-requested_at")[:500]
    )
    by_area: dict[str, list[ServiceRequest]] = {}
    for row in rows:
        by_area.setdefault(row.area.name if row.area else _("No area"), []).append(row)
    return render(
        request,
        "staff/map.html",
        _ctx(
            request,
            form=form,
            by_area=sorted(by_area.items()),
            query=request.GET.urlencode(),
            leaflet=bool(finders.find("vendor/leaflet/leaflet.js")),
            tiles=settings.TOWNHALL.get("MAP_TILE_URL") or "",
            attribution=settings.TOWNHALL.get("MAP_ATTRIBUTION") or "",
        ),
    )


@page(EVERYONE_IN_BACK_OFFICE)
def map_data(request: HttpRequest) -> JsonResponse:
    """Pins for the map script (the same filters as the queue; at most 500)."""
    form = QueueFilterForm(request.GET or None, user=request.user)
    rows = _filtered(request, form).filter(lat__isnull=False).select_related("service")
    return JsonResponse(
        {
            "requests": [
                {
                    "id": r.public_id,
                    "lat": r.lat,
                    "lon": r.lon,
                    "service": r.service.localized("name"),
                    "status": r.get_status_display(),
                    "sla": r.sla_state,
                    "url": reverse("staff:request", args=[r.public_id]),
                }
                for r in rows.order_by("-requested_at")[:500]
            ]
        }
    )


def _visible(request: HttpRequest, public_id: str) -> ServiceRequest:
    qs = requests_for(request.user).select_related(
        "service", "area", "department", "assignee", "parent", "suspected_duplicate", "routing_rule"
    )
    return get_object_or_404(qs, public_id=public_id)


def _render_detail(
    request: HttpRequest, sr: ServiceRequest, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    works = can_work(user, sr)
    template_text = ""
    if works and request.GET.get("template"):
        chosen = ResponseTemplate.objects.for_request(sr.service_id).filter(
            pk=request.GET["template"]
        )
        template_text = chosen[0].render(sr) if chosen else ""
    status_initial = {"note": template_text} if template_text else None
    context = _ctx(
        request,
        sr=sr,
        works=works,
        transfers=can_transfer(user, sr),
        contact=getattr(sr, "contact", None) if can_see_contact(user) else None,
        show_contact=can_see_contact(user),
        timeline=sr.updates.all(),
        audit=AuditEvent.objects.about(sr)[:200] if can_see_audit(user) else None,
        children=sr.duplicates.all(),
        candidates=(
            duplicates.candidates(sr.service, sr.lat, sr.lon, exclude_pk=sr.pk)
            if works and sr.is_open
            else []
        ),
        templates=ResponseTemplate.objects.for_request(sr.service_id) if works else [],
        status_form=forms.get("status_form") or StatusForm(initial=status_initial, request=sr),
        note_form=forms.get("note_form") or NoteForm(),
        assign_form=forms.get("assign_form")
        or AssignForm(initial={"assignee": sr.assignee_id}, people=assignable_people(sr)),
        service_form=forms.get("service_form") or ServiceForm(initial={"service": sr.service_id}),
        transfer_form=forms.get("transfer_form")
        or TransferForm(initial={"department": sr.department_id}),
        merge_form=forms.get("merge_form") or MergeForm(),
    )
    return render(request, "staff/request.html", context, status=status)


@page(EVERYONE_IN_BACK_OFFICE)
def request_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _render_detail(request, _visible(request, public_id))


def _workable(request: HttpRequest, public_id: str) -> ServiceRequest | HttpResponse:
    sr = _visible(request, public_id)
    return sr if can_work(request.user, sr) else forbidden(request)


def _done(sr: ServiceRequest) -> HttpResponse:
    return redirect("staff:request", public_id=sr.public_id)


@page(WORKERS)
@require_POST
def set_status(request: HttpRequest, public_id: str) -> HttpResponse:
    sr = _workable(request, public_id)
    if isinstance(sr, HttpResponse):
        return sr
    form = StatusForm(request.POST, request=sr)
    if not form.is_valid():
        return _render_detail(request, sr, 400, status_form=form)
    try:
        change_status(
            actor(request),
            sr,
            Status(form.cleaned_data["status"]),
            form.cleaned_data["note"],
            form.cleaned_data["public"],
        )
    except TransitionNotAllowed as exc:
        form.add_error("status", str(exc))
        return _render_detail(request, sr, 400, status_form=form)
    messages.success(request, _("Status changed."))
    return _done(sr)


@page(WORKERS)
@require_POST
def note(request: HttpRequest, public_id: str) -> HttpResponse:
    sr = _workable(request, public_id)
    if isinstance(sr, HttpResponse):
        return sr
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, sr, 400, note_form=form)
    add_note(actor(request), sr, form.cleaned_data["note"], form.cleaned_data["public"])
    messages.success(request, _("Note added."))
    return _done(sr)


@page(WORKERS)
@require_POST
def assign_view(request: HttpRequest, public_id: str) -> HttpResponse:
    sr = _workable(request, public_id)
    if isinstance(sr, HttpResponse):
        return sr
    form = AssignForm(request.POST, people=assignable_people(sr))
    if not form.is_valid():
        return _render_detail(request, sr, 400, assign_form=form)
    assign(actor(request), sr, form.cleaned_data["assignee"])
    messages.success(request, _("Assignment saved."))
    return _done(sr)


@page(WORKERS)
@require_POST
def service_view(request: HttpRequest, public_id: str) -> HttpResponse:
    sr = _workable(request, public_id)
    if isinstance(sr, HttpResponse):
        return sr
    form = ServiceForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, sr, 400, service_form=form)
    sr = change_service(actor(request), sr, form.cleaned_data["service"])
    messages.success(
        request, _("Re-categorised and routed again: %(why)s") % {"why": sr.routing_reason}
    )
    if not requests_for(request.user).filter(pk=sr.pk).exists():
        return redirect("staff:queue")  # it left this person's departments
    return _done(sr)


@page(OVERSIGHT)
@require_POST
def transfer_view(request: HttpRequest, public_id: str) -> HttpResponse:
    sr = _visible(request, public_id)
    if not can_transfer(request.user, sr):
        return forbidden(request)
    form = TransferForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, sr, 400, transfer_form=form)
    transfer(actor(request), sr, form.cleaned_data["department"], form.cleaned_data["queue"])
    messages.success(request, _("Transferred."))
    if not requests_for(request.user).filter(pk=sr.pk).exists():
        return redirect("staff:queue")
    return _done(sr)


@page(WORKERS)
@require_POST
def merge_view(request: HttpRequest, public_id: str) -> HttpResponse:
    sr = _workable(request, public_id)
    if isinstance(sr, HttpResponse):
        return sr
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, sr, 400, merge_form=form)
    parent = (
        requests_for(request.user).filter(public_id=form.cleaned_data["parent"].strip()).first()
    )
    if parent is None or parent.pk == sr.pk:
        form.add_error("parent", _("No other request with that number is in your queues."))
        return _render_detail(request, sr, 400, merge_form=form)
    try:
        merge_duplicate(actor(request), sr, parent)
    except (TransitionNotAllowed, ValueError) as exc:
        form.add_error("parent", str(exc))
        return _render_detail(request, sr, 400, merge_form=form)
    messages.success(request, _("Merged into %(id)s.") % {"id": parent.public_id})
    return _done(sr)


@page(WORKERS)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    visible = requests_for(request.user)
    form = BulkForm(request.POST, visible=visible)
    back = reverse("staff:queue") + ("?" + request.POST["back"] if request.POST.get("back") else "")
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, f"{form.fields[field].label if field in form.fields else ''} {error}"
                )
        return redirect(back)
    chosen = list(form.cleaned_data["ids"])
    workable = [r for r in chosen if can_work(request.user, r)]
    if len(workable) != len(chosen):
        return forbidden(request)
    action, who = form.cleaned_data["action"], actor(request)
    if action == "assign":
        assignee = form.cleaned_data["assignee"]
        outside = not_assignable_to(assignee, workable) if assignee is not None else []
        if outside:
            messages.error(
                request,
                _("%(name)s does not work on %(ids)s: nothing was assigned.")
                % {
                    "name": assignee.get_full_name() or assignee.username,
                    "ids": ", ".join(outside),
                },
            )
            return redirect(back)
        count = bulk_assign(who, workable, assignee)
        messages.success(request, _("%(n)d requests assigned.") % {"n": count})
    elif action == "status":
        count, refused = bulk_change_status(
            who, workable, Status(form.cleaned_data["status"]), form.cleaned_data["note"], True
        )
        messages.success(request, _("%(n)d requests changed.") % {"n": count})
        if refused:
            messages.warning(
                request,
                _("Not allowed by the workflow for: %(ids)s") % {"ids": ", ".join(refused)},
            )
    else:
        parent = visible.filter(public_id=form.cleaned_data["parent"].strip()).first()
        if parent is None:
            messages.error(request, _("No request with that number is in your queues."))
            return redirect(back)
        count = bulk_merge(who, workable, parent)
        messages.success(
            request, _("%(n)d requests merged into %(id)s.") % {"n": count, "id": parent.public_id}
        )
    return redirect(back)


# --- A request for a caller ---------------------------------------------------------------

FIELD_FOR_PROBLEM = {
    "location": "address",
    "email": "email",
    "phone": "phone",
    "description": "description",
}


@page(INTAKE)
def new_request(request: HttpRequest) -> HttpResponse:
    """One page, keyboard first: the service's own questions appear once it is chosen."""
    code = request.POST.get("service") or request.GET.get("service")
    service = Service.objects.active().filter(pk=code).first() if code and code.isdigit() else None
    bound = request.method == "POST" and request.POST.get("step") == "file"
    form = CallerRequestForm(
        request.POST if bound else None, service=service, initial={"service": service}
    )
    if bound and service is not None and form.is_valid():
        data = form.cleaned_data
        wants = data["updates_by"]
        contact = ContactInput(
            email=data["email"] or "",
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            updates_by_email=wants in {"email", "both"},
            updates_by_sms=wants in {"sms", "both"},
        )
        try:
            sr = submit_request(
                actor(request),
                RequestInput(
                    service=service,
                    lat=data["lat"],
                    lon=data["lon"],
                    address=data["address"],
                    description=data["description"],
                    attributes=form.attributes(),
                    contact=contact,
                    channel=Channel.PHONE,
                ),
            )
        except InvalidInput as exc:
            for problem in exc.problems:
                name = FIELD_FOR_PROBLEM.get(problem.field, "")
                if problem.field.startswith("attribute["):
                    name = "attribute_" + problem.field[len("attribute[") : -1]
                form.add_error(name if name in form.fields else None, problem.message)
        else:
            messages.success(
                request,
                _("Filed as %(id)s. Read the number to the caller.") % {"id": sr.public_id},
            )
            if requests_for(request.user).filter(pk=sr.pk).exists():
                return redirect("staff:request", public_id=sr.public_id)
            return redirect("staff:new_request")
    return render(request, "staff/new_request.html", _ctx(request, form=form, service=service))
