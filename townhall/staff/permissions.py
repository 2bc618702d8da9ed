"""Who may do what in the back office. Every view and every check lives here, not in
templates: a page declares its roles with :func:`page`, objects are scoped by
:func:`requests_for` and the ``can_*`` functions.

Roles: agents enter requests for callers and look requests up; department staff work their
departments' queues; supervisors also transfer, see escalations, failed messages and the
audit trail; administrators do everything including settings and accounts; analysts read
(without reporters' contact details) and change nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import logout
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device

from townhall.accounts.models import BACK_OFFICE_ROLES, Role, User
from townhall.places.models import Jurisdiction
from townhall.servicedesk.models import Department, ServiceRequest, ServiceRequestQuerySet

R = Role
EVERYONE_IN_BACK_OFFICE = frozenset(BACK_OFFICE_ROLES)
WORKERS = frozenset({R.STAFF, R.SUPERVISOR, R.ADMIN})
INTAKE = frozenset({R.AGENT, R.STAFF, R.SUPERVISOR, R.ADMIN})
OVERSIGHT = frozenset({R.SUPERVISOR, R.ADMIN})
# The assistant's live handover queue: people who answer residents in the chat.
HANDOVER_DESK = frozenset({R.AGENT, R.SUPERVISOR, R.ADMIN})
ADMINS = frozenset({R.ADMIN})
PUBLIC = frozenset({"*"})  # sign-in pages: anyone may load them
# Participatory budgeting (issue 5). Everyone in the back office may read the processes
# (agents answer callers' questions about them; analysts read and change nothing).
# Administrators set processes up and publish them; department staff assess proposals'
# cost and feasibility (they know what a crossing costs); supervisors and administrators
# decide what goes on the ballot, merge, reject and moderate; department staff record the
# delivery of funded projects.
PB_READERS = EVERYONE_IN_BACK_OFFICE
PB_SETUP = ADMINS
PB_ASSESS = WORKERS
PB_DECIDE = OVERSIGHT
PB_DELIVERY = WORKERS
# Voting: supervisors and administrators upload the census and make voting codes (they
# decide who may vote); everyone who takes callers' and visitors' details types in paper
# ballots and ticks off paper voters (two different people per sheet); supervisors and
# administrators settle sheets whose two entries disagree.
PB_ELIGIBILITY = OVERSIGHT
PB_PAPER = INTAKE
PB_RESOLVE = OVERSIGHT

IDLE_KEY = "staff_last_seen"
View = Callable[..., HttpResponse]


def page(roles: frozenset[str], *, verified: bool = True) -> Callable[[View], View]:
    """Declare (and enforce) which roles may use a view.

    Anonymous visitors go to the sign-in page; a signed-in person without one of the roles
    gets 403; staff who have not passed the second factor are sent to it; a session idle
    longer than ``STAFF_IDLE_MINUTES`` is signed out.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if roles is not PUBLIC:
                refusal = _refuse(request, roles, verified)
                if refusal is not None:
                    return refusal
            with timezone.override(_local_zone()):
                return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _refuse(request: HttpRequest, roles: frozenset[str], verified: bool) -> HttpResponse | None:
    user = request.user
    login = reverse("staff:login")
    if not user.is_authenticated:
        return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
    if not _idle_ok(request):
        logout(request)
        return redirect(f"{login}?{urlencode({'expired': '1'})}")
    if getattr(user, "role", None) not in roles or not user.is_active:
        return forbidden(request)
    if verified and not user.is_verified():  # type: ignore[union-attr,attr-defined]
        target = "staff:verify" if user_has_device(user) else "staff:setup"
        return redirect(reverse(target))
    return None


def _idle_ok(request: HttpRequest) -> bool:
    now = time.time()
    seen = request.session.get(IDLE_KEY)
    limit = int(settings.TOWNHALL["STAFF_IDLE_MINUTES"]) * 60
    if seen is not None and now - float(seen) > limit:
        return False
    request.session[IDLE_KEY] = now
    return True


def _local_zone() -> ZoneInfo | None:
    """Pages show the city's local time (storage is UTC)."""
    jurisdiction = Jurisdiction.objects.default()
    return ZoneInfo(jurisdiction.timezone) if jurisdiction is not None else None


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/forbidden.html", {"nav": nav_for(request.user)}, status=403)


# --- Object-level rules -------------------------------------------------------------------


def department_ids(user: Any) -> list[int]:
    return list(Department.objects.filter(members=user).values_list("pk", flat=True))


def requests_for(user: Any) -> ServiceRequestQuerySet:
    """Requests a person may see: their departments' for staff and supervisors, all for
    agents (who answer callers about anything), analysts and administrators."""
    qs = ServiceRequest.objects.all()
    if user.role in {R.STAFF, R.SUPERVISOR}:
        return qs.in_departments(department_ids(user))
    if user.role in {R.AGENT, R.ANALYST, R.ADMIN}:
        return qs
    return qs.none()


def can_work(user: Any, request: ServiceRequest) -> bool:
    """Change status, add notes, assign, re-categorise, merge."""
    if user.role == R.ADMIN:
        return True
    return user.role in {R.STAFF, R.SUPERVISOR} and request.department_id in department_ids(user)


def can_transfer(user: Any, request: ServiceRequest) -> bool:
    return user.role == R.ADMIN or (
        user.role == R.SUPERVISOR and request.department_id in department_ids(user)
    )


def can_see_contact(user: Any) -> bool:
    return user.role in INTAKE


def can_see_audit(user: Any) -> bool:
    return user.role in OVERSIGHT


def assignable_people(request: ServiceRequest) -> list[User]:
    """Who a request can be given to: members of its department (and administrators)."""
    people = User.objects.back_office().filter(
        Q(departments__id=request.department_id) | Q(role=R.ADMIN)
    )
    return list(people.exclude(role__in=[R.AGENT, R.ANALYST]).distinct().order_by("username"))


def not_assignable_to(person: User, requests: list[ServiceRequest]) -> list[str]:
    """Public ids of ``requests`` that ``person`` may not be given (see
    :func:`assignable_people`): bulk assignment obeys the same rule as the request page."""
    allowed: dict[int | None, set[int]] = {}
    refused = []
    for request in requests:
        if request.department_id not in allowed:
            allowed[request.department_id] = {p.pk for p in assignable_people(request)}
        if person.pk not in allowed[request.department_id]:
            refused.append(request.public_id)
    return refused


# --- Navigation (computed here so templates make no decisions) ----------------------------

NAV: list[tuple[str, Any, frozenset[str]]] = [
    ("staff:queue", _("Work queue"), EVERYONE_IN_BACK_OFFICE),
    ("staff:map", _("Map"), EVERYONE_IN_BACK_OFFICE),
    ("staff:new_request", _("Request for a caller"), INTAKE),
    ("staff:handovers", _("Assistant handovers"), HANDOVER_DESK),
    ("staff:pb:processes", _("Participatory budgeting"), PB_READERS),
    ("staff:audit", _("Audit trail"), OVERSIGHT),
    ("staff:failed_notifications", _("Failed messages"), OVERSIGHT),
    ("staff:settings", _("Settings"), ADMINS),
    ("staff:recovery_codes", _("Recovery codes"), EVERYONE_IN_BACK_OFFICE),
]


def nav_for(user: Any) -> list[tuple[str, str]]:
    role = getattr(user, "role", None)
    return [(reverse(name), str(label)) for name, label, roles in NAV if role in roles]
