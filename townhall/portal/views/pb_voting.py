"""Residents' ballot: sign in as a voter, choose a budget, fill in the ballot (with its
running total), review it, confirm it, and get a receipt.

Where the voter's pass lives, and why: in the session only, as a
:class:`~townhall.budgeting.voting.VoterPass` with an idle deadline
(``TOWNHALL["PB_VOTER_PASS_MINUTES"]``, 30 by default). It names the census entry or code
by primary key, the district, the units open to the voter, and the seed their ballot
locators derive from. The credential itself (code, identity number, date of birth) is
used in the one request that verifies it and never stored: the seed finds the voter's own
ballots (so they can see and change them) but cannot sign anyone in. While the pass lives,
the session row does tie a census entry or code to ballots; that tie ends when the voter
presses "Finish", after the idle deadline, or when the session ends, which is why the pass
is short-lived. The ballot itself travels between the ballot page and the confirmation in
the form (hidden inputs), never in the session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from townhall.accounts import ratelimit
from townhall.budgeting import voting
from townhall.budgeting.models import (
    BallotKind,
    BudgetUnit,
    CensusEntry,
    Phase,
    Process,
    Project,
    VotingCode,
)
from townhall.budgeting.money import CURRENCY_SIGNS
from townhall.budgeting.services import cast_ballot
from townhall.portal.access import actor_for
from townhall.portal.views.errors import too_many_requests
from townhall.portal.views.pb_ideas import money

NAV = "budgeting"
RATE_SCOPE = "pb_vote"


def _pass_seconds() -> int:
    return int(settings.TOWNHALL.get("PB_VOTER_PASS_MINUTES", 30)) * 60


def _key(process: Process) -> str:
    return f"pb.voter.{process.pk}"


def _process(slug: str) -> Process:
    return get_object_or_404(Process.objects.published().select_related("jurisdiction"), slug=slug)


@contextmanager
def _local_time(process: Process) -> Iterator[None]:
    """Dates on these pages are the city's local time."""
    try:
        zone: ZoneInfo | None = ZoneInfo(process.jurisdiction.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    with timezone.override(zone):
        yield


def _voter(request: HttpRequest, process: Process) -> voting.VoterPass | None:
    """The voter's pass for ``process``, if they signed in and have not been idle too long
    (each page they open moves the deadline on)."""
    stored = request.session.get(_key(process))
    if not isinstance(stored, dict):
        return None
    if float(stored.get("until", 0)) < time.time():
        del request.session[_key(process)]
        return None
    found = voting.VoterPass.from_session(stored.get("pass"))
    if found is None or found.process_id != process.pk:
        return None
    request.session[_key(process)] = {**stored, "until": time.time() + _pass_seconds()}
    return found


def _remember(request: HttpRequest, process: Process, voter: voting.VoterPass) -> None:
    request.session.cycle_key()  # a new session key once someone signs in as a voter
    request.session[_key(process)] = {
        "pass": voter.to_session(),
        "until": time.time() + _pass_seconds(),
    }


View = Callable[..., HttpResponse]


def _voting_page(view: View) -> View:
    """Pages for a signed-in voter while voting is open; others go to the sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        process = _process(slug)
        if process.phase != Phase.VOTING:
            return redirect("budgeting:vote", slug=process.slug)
        voter = _voter(request, process)
        if voter is None:
            messages.info(
                request, _("Sign in to vote. For your privacy, voting sessions end after a while.")
            )
            return redirect("budgeting:vote", slug=process.slug)
        with _local_time(process):
            return view(request, process, voter, *args, **kwargs)

    return never_cache(wrapper)


def _base(process: Process, **more: Any) -> dict[str, Any]:
    return {"process": process, "nav": NAV, "Phase": Phase, "BallotKind": BallotKind, **more}


# --- Signing in as a voter ----------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Voting code"),
        max_length=40,
        help_text=gettext_lazy("It is on your letter, like ABCD-EFGH-JK23."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": gettext_lazy("Enter the voting code from your letter.")},
    )

    def credentials(self) -> dict[str, Any]:
        return {"code": self.cleaned_data["code"]}


class CensusForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("Identity number"),
        max_length=80,
        help_text=gettext_lazy("The number on your identity card or residence permit."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": gettext_lazy("Enter your identity number.")},
    )
    # Three boxes, not one: nobody has to guess whether 04/05 means April or May.
    birth_day = forms.CharField(label=gettext_lazy("Date of birth"), required=False, max_length=2)
    birth_month = forms.CharField(label=gettext_lazy("Month"), required=False, max_length=2)
    birth_year = forms.CharField(label=gettext_lazy("Year"), required=False, max_length=4)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [(data.get(f"birth_{p}") or "").strip() for p in ("day", "month", "year")]
        data["birth_date"] = None
        if any(parts):
            try:
                if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
                    raise ValueError(parts)
                day, month, year = (int(p) for p in parts)
                data["birth_date"] = date(year, month, day)
            except ValueError:
                self.add_error(
                    "birth_day",
                    _("Enter your date of birth as numbers: day, month and a 4-digit year."),
                )
        return data

    def credentials(self) -> dict[str, Any]:
        return {
            "identifier": self.cleaned_data["identifier"],
            "birth_date": self.cleaned_data.get("birth_date"),
        }


def _closed(request: HttpRequest, process: Process) -> HttpResponse:
    return render(request, "portal/budgeting/vote_closed.html", _base(process, phase=process.phase))


@never_cache
def sign_in(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    with _local_time(process):
        if process.phase != Phase.VOTING:
            return _closed(request, process)
        # Someone already signed in on this browser is offered to carry on, not sent on:
        # on a shared device the next person must be able to sign in with their own code.
        signed_in = _voter(request, process) is not None
        via = request.POST.get("via") if request.method == "POST" else None
        code_form = CodeForm(request.POST if via == "code" else None)
        census_form = CensusForm(request.POST if via == "census" else None)
        form: CodeForm | CensusForm | None = None
        if via == "code":
            form = code_form
        elif via == "census":
            form = census_form
        if form is not None and form.is_valid():
            if ratelimit.exceeded(request, RATE_SCOPE):
                return too_many_requests(request)
            try:
                voter = voting.verify_voter(process, **form.credentials())
            except ValidationError as exc:
                if "phase" in voting.error_codes(exc):
                    return _closed(request, process)
                form.add_error("code" if via == "code" else "identifier", exc.messages)
            else:
                _remember(request, process, voter)
                return redirect("budgeting:vote_units", slug=process.slug)
        context = _base(
            process,
            code_form=code_form,
            census_form=census_form,
            uses_codes=VotingCode.objects.filter(process=process, revoked_at=None).exists(),
            uses_census=CensusEntry.objects.filter(process=process).exists(),
            has_errors=form is not None and bool(form.errors),
            signed_in=signed_in,
        )
        status = 400 if context["has_errors"] else 200
        return render(request, "portal/budgeting/vote_sign_in.html", context, status=status)


@require_POST
def finish(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    request.session.pop(_key(process), None)
    messages.success(request, _("You have signed out of voting. Thank you for taking part!"))
    return redirect("budgeting:process", slug=process.slug)


# --- Choosing a budget --------------------------------------------------------------------


@_voting_page
def units(request: HttpRequest, process: Process, voter: voting.VoterPass) -> HttpResponse:
    allowed = list(
        BudgetUnit.objects.filter(pk__in=voter.unit_ids, process=process).select_related("area")
    )
    voted = voting.voted_units(voter)
    district_voted = next((u for u in allowed if u.area_id and u.pk in voted), None)
    rows: list[dict[str, Any]] = []
    for unit in allowed:
        blocked = (
            process.one_district_per_voter
            and unit.area_id is not None
            and district_voted is not None
            and district_voted.pk != unit.pk
        )
        rows.append(
            {
                "unit": unit,
                "budget": money(unit.budget, process.currency),
                "voted": unit.pk in voted,
                "blocked": blocked,
            }
        )
    context = _base(
        process,
        citywide=[r for r in rows if r["unit"].area_id is None],
        districts=[r for r in rows if r["unit"].area_id is not None],
        district_voted=district_voted,
        choose_district=process.one_district_per_voter and voter.area_id is None,
        any_voted=bool(voted),
    )
    return render(request, "portal/budgeting/vote_units.html", context)


# --- The ballot ---------------------------------------------------------------------------


def _templates(process: Process) -> dict[str, str]:
    """The running total's sentences, shared with pb-ballot.js (which fills the same
    placeholders), so that the page says the same with or without JavaScript."""
    kind = process.ballot_kind
    if kind == BallotKind.KNAPSACK:
        return {
            "ok": _("Chosen: {spent} of {budget}. Left: {left}."),
            "over": _(
                "Chosen: {spent} of {budget}. That is {over} over the budget: remove a project."
            ),
        }
    if kind == BallotKind.CUMULATIVE:
        return {
            "ok": _("Points given: {used} of {total}. Points left: {left}."),
            "over": _("Points given: {used} of {total}. That is {over} too many: take some away."),
        }
    if kind == BallotKind.RANKED:
        return {"ok": _("Projects ranked: {count} of {places}."), "over": ""}
    if kind == BallotKind.CHOOSE_ONE:
        return {"ok": _("Your choice: {title}."), "over": "", "none": _("No project chosen yet.")}
    return {"ok": _("Projects chosen: {count}. Their total cost: {spent}."), "over": ""}


def _totals(
    process: Process, unit: BudgetUnit, projects: list[Project], choices: voting.Choices
) -> dict[str, Any]:
    by_pk = {p.pk: p for p in projects}
    templates = _templates(process)
    cur = process.currency
    if isinstance(choices, dict):
        picked = [pk for pk, v in choices.items() if pk in by_pk and v > 0]
    else:
        picked = [pk for pk in dict.fromkeys(choices) if pk in by_pk]
    spent = sum(by_pk[pk].cost for pk in picked)
    values: dict[str, Any] = {
        "count": len(picked),
        "spent": money(spent, cur),
        "budget": money(unit.budget, cur),
        "left": money(max(unit.budget - spent, 0), cur),
        "over": money(max(spent - unit.budget, 0), cur),
        "places": voting.rank_count(process, projects),
    }
    over = False
    meter: dict[str, int] | None = None
    if process.ballot_kind == BallotKind.KNAPSACK:
        over = spent > unit.budget
        meter = {"value": min(spent, unit.budget), "max": unit.budget}
    elif process.ballot_kind == BallotKind.CUMULATIVE:
        total = process.points_total or 0
        used = sum(v for v in choices.values() if v > 0) if isinstance(choices, dict) else 0
        values |= {"used": used, "total": total, "left": max(total - used, 0), "over": used - total}
        over = bool(total) and used > total
        meter = {"value": min(used, total), "max": total} if total else None
    elif process.ballot_kind == BallotKind.CHOOSE_ONE:
        values["title"] = by_pk[picked[0]].title if picked else ""
    if process.ballot_kind == BallotKind.CHOOSE_ONE and not picked:
        text = templates["none"]
    else:
        text = templates["over" if over else "ok"].format(**values)
    return {"text": text, "over": over, "meter": meter, "spent": spent}


def _rules(process: Process, unit: BudgetUnit, projects: list[Project]) -> list[str]:
    """What this ballot asks of the voter, in plain words."""
    kind = process.ballot_kind
    low, high = process.min_choices, process.max_choices
    found: list[str] = []
    if kind == BallotKind.CHOOSE_ONE:
        return [_("Choose the one project you want most.")]
    if kind == BallotKind.CUMULATIVE:
        if process.points_total:
            found.append(
                _(
                    "You have %(n)d points. Give them to the projects you support: more "
                    "points for the ones you want most."
                )
                % {"n": process.points_total}
            )
        if process.max_points_per_project:
            found.append(
                _("You can give at most %(n)d points to one project.")
                % {"n": process.max_points_per_project}
            )
        return found
    if kind == BallotKind.RANKED:
        found.append(_("Put the projects you support in order: place 1 is the one you want most."))
    if kind == BallotKind.KNAPSACK:
        found.append(
            _("Choose projects whose total cost fits in the budget of %(budget)s.")
            % {"budget": money(unit.budget, process.currency)}
        )
        if process.min_spend_percent:
            found.append(
                _("Choose projects worth at least %(percent)d%% of the budget.")
                % {"percent": process.min_spend_percent}
            )
    if high is not None and low > 1:
        found.append(
            _("Choose between %(low)d and %(high)d projects.") % {"low": low, "high": high}
        )
    elif high is not None:
        found.append(_("Choose up to %(high)d projects.") % {"high": high})
    elif low > 1:
        found.append(_("Choose at least %(low)d projects.") % {"low": low})
    elif kind == BallotKind.APPROVAL:
        found.append(_("Choose every project you support."))
    return found


def _project_rows(
    process: Process, projects: list[Project], choices: voting.Choices, errors: dict[str, str]
) -> list[dict[str, Any]]:
    rows = []
    for project in projects:
        name = f"points-{project.pk}"
        if isinstance(choices, dict):
            raw = choices.get(project.pk)
            points = "" if not raw else str(raw)
            checked = bool(raw)
        else:
            points, checked = "", project.pk in choices
        rows.append(
            {
                "project": project,
                "cost": money(project.cost, process.currency),
                "checked": checked,
                "points": points,
                "points_name": name,
                "error": errors.get(name, ""),
            }
        )
    return rows


def _rank_rows(
    process: Process, projects: list[Project], choices: voting.Choices, errors: dict[str, str]
) -> list[dict[str, Any]]:
    ranked = list(choices) if not isinstance(choices, dict) else []
    return [
        {
            "place": place,
            "name": f"rank-{place}",
            "selected": ranked[place - 1] if place <= len(ranked) else None,
            "error": errors.get(f"rank-{place}", ""),
        }
        for place in range(1, voting.rank_count(process, projects) + 1)
    ]


def _first_input(process: Process, projects: list[Project]) -> str:
    """Where an error about the ballot as a whole takes the keyboard: its first input."""
    if process.ballot_kind == BallotKind.RANKED:
        return "rank-1"
    if not projects:
        return "main"
    prefix = "points" if process.ballot_kind == BallotKind.CUMULATIVE else "project"
    return f"{prefix}-{projects[0].pk}"


def _money_format(process: Process) -> dict[str, str]:
    sign = CURRENCY_SIGNS.get(process.currency.upper())
    return {
        "prefix": sign or "",
        "suffix": "" if sign else f" {process.currency.upper()}",
        "decimal": str(get_format("DECIMAL_SEPARATOR")),
        "thousands": str(get_format("THOUSAND_SEPARATOR")),
    }


def _ballot_page(
    request: HttpRequest,
    process: Process,
    voter: voting.VoterPass,
    unit: BudgetUnit,
    projects: list[Project],
    choices: voting.Choices,
    *,
    field_errors: dict[str, str] | None = None,
    ballot_errors: list[str] | None = None,
) -> HttpResponse:
    field_errors = field_errors or {}
    anchor = _first_input(process, projects)
    summary = [(name, message) for name, message in field_errors.items()]
    summary += [(anchor, message) for message in ballot_errors or []]
    context = _base(
        process,
        unit=unit,
        budget=money(unit.budget, process.currency),
        rows=_project_rows(process, projects, choices, field_errors),
        ranks=_rank_rows(process, projects, choices, field_errors),
        projects=projects,
        totals=_totals(process, unit, projects, choices),
        templates=_templates(process),
        money_format=_money_format(process),
        rules=_rules(process, unit, projects),
        errors=summary,
        ballot_errors=ballot_errors or [],
        changing=unit.pk in voting.voted_units(voter),
        kind=process.ballot_kind,
    )
    status = 400 if summary else 200
    return render(request, "portal/budgeting/vote_ballot.html", context, status=status)


def _hidden_inputs(process: Process, choices: voting.Choices) -> list[tuple[str, int]]:
    """The ballot as hidden inputs for the review page: it comes back with the form."""
    if isinstance(choices, dict):
        return [(f"points-{pk}", v) for pk, v in choices.items() if v > 0]
    if process.ballot_kind == BallotKind.RANKED:
        return [(f"rank-{place}", pk) for place, pk in enumerate(choices, 1)]
    return [("project", pk) for pk in choices]


def _review(
    request: HttpRequest,
    process: Process,
    unit: BudgetUnit,
    projects: list[Project],
    choices: voting.Choices,
) -> HttpResponse:
    by_pk = {p.pk: p for p in projects}
    clean = voting.validate_choices(process, unit, choices)
    points: list[int | None] = list(clean.points) or [None] * len(clean.projects)
    chosen = [
        {
            "project": by_pk[pk],
            "cost": money(by_pk[pk].cost, process.currency),
            "points": value,
        }
        for pk, value in zip(clean.projects, points, strict=True)
    ]
    context = _base(
        process,
        unit=unit,
        chosen=chosen,
        totals=_totals(process, unit, projects, choices),
        hidden=_hidden_inputs(process, choices),
        kind=process.ballot_kind,
    )
    return render(request, "portal/budgeting/vote_review.html", context)


def _empty(process: Process) -> voting.Choices:
    return {} if process.ballot_kind == BallotKind.CUMULATIVE else []


@_voting_page
def ballot(
    request: HttpRequest, process: Process, voter: voting.VoterPass, pk: int
) -> HttpResponse:
    unit = get_object_or_404(BudgetUnit, pk=pk, process=process)
    if unit.pk not in voter.unit_ids:
        raise Http404
    elsewhere = voting.district_voted_elsewhere(voter, unit)
    if elsewhere is not None:
        # Said before the voter spends time on a ballot that "Confirm" would refuse.
        return render(
            request,
            "portal/budgeting/vote_district_closed.html",
            _base(process, unit=unit, elsewhere=elsewhere),
            status=200 if request.method != "POST" else 400,
        )
    projects = voting.ballot_projects(unit)
    if request.method != "POST":
        mine = voting.ballot_for(voter, unit)
        choices = voting.choices_of(mine, process.ballot_kind) if mine else _empty(process)
        return _ballot_page(request, process, voter, unit, projects, choices)
    action = request.POST.get("action", "update")
    choices, field_errors = voting.read_ballot_form(process, projects, request.POST)
    if field_errors or action not in {"review", "confirm"}:
        # "Update total", "Change my choices", or a box that did not parse.
        return _ballot_page(
            request, process, voter, unit, projects, choices, field_errors=field_errors
        )
    try:
        if action == "review":
            return _review(request, process, unit, projects, choices)
        cast_ballot(actor_for(request), process, voter, unit, choices)
    except ValidationError as exc:
        if "phase" in voting.error_codes(exc):
            return redirect("budgeting:vote", slug=process.slug)
        return _ballot_page(
            request, process, voter, unit, projects, choices, ballot_errors=exc.messages
        )
    return redirect("budgeting:vote_done", slug=process.slug, pk=unit.pk)


@_voting_page
def done(request: HttpRequest, process: Process, voter: voting.VoterPass, pk: int) -> HttpResponse:
    unit = get_object_or_404(BudgetUnit, pk=pk, process=process)
    voted = voting.voted_units(voter)
    if unit.pk not in voted:
        return redirect("budgeting:vote_ballot", slug=process.slug, pk=unit.pk)
    others = list(BudgetUnit.objects.filter(pk__in=voter.unit_ids).exclude(pk__in=voted))
    if process.one_district_per_voter and any(
        u.area_id for u in BudgetUnit.objects.filter(pk__in=voted)
    ):
        others = [u for u in others if u.area_id is None]
    one_district = process.one_district_per_voter and sum(1 for u in others if u.area_id) > 1
    return render(
        request,
        "portal/budgeting/vote_done.html",
        _base(process, unit=unit, others=others, one_district=one_district),
    )


urlpatterns = [
    path("<slug:slug>/vote/", sign_in, name="vote"),
    path("<slug:slug>/vote/budgets/", units, name="vote_units"),
    path("<slug:slug>/vote/finish/", finish, name="vote_finish"),
    path("<slug:slug>/vote/<int:pk>/", ballot, name="vote_ballot"),
    path("<slug:slug>/vote/<int:pk>/done/", done, name="vote_done"),
]
