"""Administrators' settings: routing rules, service levels, calendars, holidays, response
templates, and staff accounts. Every save goes through a service function (audited with
before and after)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from townhall.accounts.models import Role, User
from townhall.accounts.services import create_user, reset_second_factor, update_user
from townhall.places.models import Jurisdiction
from townhall.servicedesk.models import (
    BusinessCalendar,
    Holiday,
    ResponseTemplate,
    RoutingRule,
    ServiceLevel,
)
from townhall.servicedesk.services import delete_setting, save_setting, set_departments
from townhall.staff.forms import (
    CalendarForm,
    HolidayForm,
    ResponseTemplateForm,
    RoutingRuleForm,
    ServiceLevelForm,
    UserForm,
)
from townhall.staff.http import actor
from townhall.staff.permissions import ADMINS, nav_for, page


@dataclass(frozen=True)
class Kind:
    model: type[models.Model]
    form: type[forms.ModelForm]
    title: Any
    columns: tuple[str, ...]


KINDS: dict[str, Kind] = {
    "routing": Kind(
        RoutingRule,
        RoutingRuleForm,
        _("Routing rules"),
        (
            "service",
            "area",
            "attribute_code",
            "attribute_value",
            "department",
            "queue",
            "priority",
            "is_active",
        ),
    ),
    "levels": Kind(
        ServiceLevel,
        ServiceLevelForm,
        _("Service levels"),
        ("service", "target_hours", "at_risk_hours", "calendar", "escalate_to", "is_active"),
    ),
    "calendars": Kind(
        BusinessCalendar,
        CalendarForm,
        _("Business calendars"),
        ("name", "working_days", "day_start", "day_end"),
    ),
    "holidays": Kind(Holiday, HolidayForm, _("Public holidays"), ("calendar", "date", "name")),
    "templates": Kind(
        ResponseTemplate,
        ResponseTemplateForm,
        _("Response templates"),
        ("service", "status", "title", "is_public"),
    ),
}


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "nav": nav_for(request.user),
        "kinds": [(k, v.title) for k, v in KINDS.items()],
        **extra,
    }


@page(ADMINS)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/settings/index.html", _ctx(request))


@page(ADMINS)
def setting_list(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _kind(kind)
    objects = spec.model._default_manager.all()
    rows = [
        (
            obj,
            [
                getattr(obj, f"get_{c}_display", lambda c=c, obj=obj: getattr(obj, c))()
                for c in spec.columns
            ],
        )
        for obj in objects
    ]
    headers = [getattr(spec.model._meta.get_field(c), "verbose_name", c) for c in spec.columns]
    return render(
        request,
        "staff/settings/list.html",
        _ctx(request, kind=kind, spec=spec, rows=rows, headers=headers),
    )


@page(ADMINS)
def setting_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    spec = _kind(kind)
    instance = get_object_or_404(spec.model._default_manager, pk=pk) if pk else None
    form = spec.form(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if hasattr(obj, "jurisdiction_id") and not obj.jurisdiction_id:
            obj.jurisdiction = Jurisdiction.objects.default()
        try:
            save_setting(actor(request), obj)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff:setting_list", kind=kind)
    return render(
        request,
        "staff/settings/edit.html",
        _ctx(request, kind=kind, spec=spec, form=form, instance=instance),
    )


@page(ADMINS)
@require_POST
def setting_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = _kind(kind)
    delete_setting(actor(request), get_object_or_404(spec.model._default_manager, pk=pk))
    messages.success(request, _("Deleted."))
    return redirect("staff:setting_list", kind=kind)


@page(ADMINS)
def users(request: HttpRequest) -> HttpResponse:
    people = (
        User.objects.exclude(role=Role.RESIDENT)
        .prefetch_related("departments")
        .order_by("username")
    )
    return render(request, "staff/settings/users.html", _ctx(request, people=people))


@page(ADMINS)
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    person = get_object_or_404(User, pk=pk) if pk else None
    initial = (
        {
            "username": person.username,
            "email": person.email,
            "role": person.role,
            "is_active": person.is_active,
            "departments": list(person.departments.all()),
        }
        if person
        else None
    )
    form = UserForm(request.POST or None, initial=initial)
    if person is not None:
        form.fields["username"].disabled = True
    if request.method == "POST" and form.is_valid():
        data, who = form.cleaned_data, actor(request)
        if person is None:
            if User.objects.filter(username=data["username"]).exists():
                form.add_error("username", _("That user name is taken."))
                return render(
                    request, "staff/settings/user.html", _ctx(request, form=form, person=person)
                )
            person = create_user(
                who, data["username"], data["email"], Role(data["role"]), data["password"] or None
            )
        person = update_user(who, person, role=Role(data["role"]), is_active=data["is_active"])
        set_departments(who, person, data["departments"])
        messages.success(request, _("Saved."))
        return redirect("staff:users")
    return render(request, "staff/settings/user.html", _ctx(request, form=form, person=person))


@page(ADMINS)
@require_POST
def user_reset_2fa(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User, pk=pk)
    reset_second_factor(actor(request), person)
    messages.success(request, _("Two-step sign-in reset: they enrol again at next sign-in."))
    return redirect("staff:user_edit", pk=pk)
