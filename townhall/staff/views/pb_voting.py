"""Back-office voting pages: turnout, census upload, voting codes and their printable
letters, paper ballots (double entry, supervisors' resolution) and the paper voters' list.

Roles (see :mod:`townhall.staff.permissions`): everyone in the back office sees turnout
(counts only); supervisors and administrators upload the census, make and cancel codes
(``PB_ELIGIBILITY``) and resolve disagreeing paper entries (``PB_RESOLVE``); intake roles
type paper ballots in and tick off paper voters (``PB_PAPER``).

Voting codes exist in clear only in the response that shows their letters, right after
they are made: that page is never cached, and a one-time token in the form stops a reload
from making a second batch by mistake.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from townhall.budgeting import voting
from townhall.budgeting.models import (
    BallotKind,
    BudgetUnit,
    CensusEntry,
    PaperEntry,
    PaperEntryStatus,
    Process,
    Project,
    VotingCode,
)
from townhall.budgeting.services import (
    enter_paper_ballot,
    generate_codes,
    import_census,
    mark_voted_on_paper,
    resolve_paper_entry,
    revoke_code,
)
from townhall.places.models import Area
from townhall.staff.http import actor
from townhall.staff.permissions import (
    PB_ELIGIBILITY,
    PB_PAPER,
    PB_READERS,
    PB_RESOLVE,
    nav_for,
    page,
)

LETTERS_NONCE = "pb.codes.nonce"
MAX_CENSUS_BYTES = 50 * 1024 * 1024

# The voting pages, each with who may open it: the sub-navigation shows a person theirs.
PAGES = (
    ("turnout", gettext_lazy("Turnout"), PB_READERS),
    ("census", gettext_lazy("Census"), PB_ELIGIBILITY),
    ("codes", gettext_lazy("Voting codes"), PB_ELIGIBILITY),
    ("paper", gettext_lazy("Enter paper ballots"), PB_PAPER),
    ("paper_mismatches", gettext_lazy("Paper ballots to resolve"), PB_RESOLVE),
    ("paper_voters", gettext_lazy("Paper voters"), PB_PAPER),
)


def _process(slug: str) -> Process:
    return get_object_or_404(Process.objects.select_related("jurisdiction"), slug=slug)


def _ctx(request: HttpRequest, process: Process, here: str, **more: Any) -> dict[str, Any]:
    role = getattr(request.user, "role", None)
    subnav = [
        (reverse(f"staff:pb:{name}", args=[process.slug]), label, name == here)
        for name, label, roles in PAGES
        if role in roles
    ]
    return {
        "nav": nav_for(request.user),
        "process": process,
        "phase": process.phase,
        "subnav": subnav,
        **more,
    }


def _problems(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's errors next to the form's fields, or above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Turnout ------------------------------------------------------------------------------


@page(PB_READERS)
def turnout(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    counts = voting.turnout(process)
    return render(
        request,
        "staff/budgeting/voting_turnout.html",
        _ctx(request, process, "turnout", counts=counts),
    )


# --- Census -------------------------------------------------------------------------------


class CensusForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Census file (CSV)"),
        help_text=gettext_lazy(
            "A header line “identifier,birth_date,district”; birth_date (like 1990-04-25) "
            "and district (a district's code or name) are optional columns. UTF-8."
        ),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CENSUS_BYTES:
            raise ValidationError(_("The file is larger than 50 MB: split it in parts."))
        try:
            return str(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ValidationError(
                _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
            ) from None


@page(PB_ELIGIBILITY)
def census(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    form = CensusForm(request.POST or None, request.FILES or None)
    result: voting.CensusImport | None = None
    line_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = import_census(actor(request), process, form.cleaned_data["file"])
        except ValidationError as exc:
            if "phase" in voting.error_codes(exc):
                form.add_error(None, exc)
            else:
                line_errors = [str(m) for m in exc.messages]
    entries = CensusEntry.objects.filter(process=process)
    areas = {a.pk: a.name for a in Area.objects.in_jurisdiction(process.jurisdiction)}
    by_area: dict[str, int] = {}
    for area_id in entries.values_list("area_id", flat=True):
        name = areas.get(area_id, "") if area_id else ""
        by_area[name] = by_area.get(name, 0) + 1
    context = _ctx(
        request,
        process,
        "census",
        form=form,
        result=result,
        line_errors=line_errors,
        total=sum(by_area.values()),
        by_area=sorted(by_area.items(), key=lambda item: (item[0] == "", item[0])),
    )
    status = 400 if form.errors or line_errors else 200
    return render(request, "staff/budgeting/voting_census.html", context, status=status)


# --- Codes and letters --------------------------------------------------------------------


class CodesForm(forms.Form):
    count = forms.IntegerField(
        label=gettext_lazy("Number of letters"), min_value=1, max_value=voting.MAX_CODES_PER_BATCH
    )
    batch = forms.CharField(
        label=gettext_lazy("Batch name"),
        max_length=voting.MAX_BATCH_CHARS,
        help_text=gettext_lazy("For example the mailing or the polling station it is for."),
    )
    area = forms.ModelChoiceField(
        Area.objects.none(),
        label=gettext_lazy("District"),
        required=False,
        empty_label=gettext_lazy("Any district (the voter chooses one)"),
        help_text=gettext_lazy("A code for a district lets its holder vote in that district only."),
    )

    def __init__(self, *args: Any, process: Process, **kwargs: Any):
        super().__init__(*args, **kwargs)
        areas = Area.objects.in_jurisdiction(process.jurisdiction).filter(
            pk__in=BudgetUnit.objects.filter(process=process).values("area_id")
        )
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]


class RevokeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code to cancel"),
        max_length=40,
        help_text=gettext_lazy(
            "As printed on the letter. Ballots already cast with it are withdrawn."
        ),
    )


def _codes_page(
    request: HttpRequest,
    process: Process,
    form: CodesForm,
    revoke_form: RevokeForm,
    status: int = 200,
) -> HttpResponse:
    token = secrets.token_urlsafe(16)
    request.session[LETTERS_NONCE] = token
    summary: dict[tuple[str, str], dict[str, int]] = {}
    for code in VotingCode.objects.filter(process=process).values(
        "batch", "area__name", "has_voted", "revoked_at"
    ):
        key = (code["batch"], code["area__name"] or "")
        row = summary.setdefault(key, {"made": 0, "used": 0, "revoked": 0})
        row["made"] += 1
        row["used"] += int(code["has_voted"])
        row["revoked"] += int(code["revoked_at"] is not None)
    context = _ctx(
        request,
        process,
        "codes",
        form=form,
        revoke_form=revoke_form,
        token=token,
        batches=[(batch, area, row) for (batch, area), row in sorted(summary.items())],
    )
    return render(request, "staff/budgeting/voting_codes.html", context, status=status)


@page(PB_ELIGIBILITY)
@never_cache
def codes(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    if request.method != "POST":
        return _codes_page(request, process, CodesForm(process=process), RevokeForm())
    form = CodesForm(request.POST, process=process)
    token = request.session.pop(LETTERS_NONCE, None)
    if not token or request.POST.get("token") != token:
        messages.error(
            request,
            _(
                "These letters were already made: their codes are shown only once. "
                "Make a new batch if you need more letters."
            ),
        )
        return redirect("staff:pb:codes", slug=process.slug)
    if not form.is_valid():
        return _codes_page(request, process, form, RevokeForm(), status=400)
    data = form.cleaned_data
    try:
        made = generate_codes(actor(request), process, data["count"], data["batch"], data["area"])
    except ValidationError as exc:
        _problems(form, exc)
        return _codes_page(request, process, form, RevokeForm(), status=400)
    base = str(settings.TOWNHALL["PUBLIC_BASE_URL"]).rstrip("/")
    context = _ctx(
        request,
        process,
        "codes",
        codes=made,
        batch=data["batch"],
        area=data["area"],
        vote_url=base + reverse("budgeting:vote", args=[process.slug]),
        city=process.jurisdiction,
    )
    return render(request, "staff/budgeting/voting_letters.html", context)


@page(PB_ELIGIBILITY)
@require_POST
def code_revoke(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            revoked = revoke_code(actor(request), process, form.cleaned_data["code"])
        except ValidationError as exc:
            _problems(form, exc)
        else:
            messages.success(
                request,
                _("The code is cancelled (batch “%(batch)s”).") % {"batch": revoked.batch},
            )
            return redirect("staff:pb:codes", slug=process.slug)
    return _codes_page(request, process, CodesForm(process=process), form, status=400)


# --- Paper ballots ------------------------------------------------------------------------


class SheetForm(forms.Form):
    sheet = forms.CharField(
        label=gettext_lazy("Sheet number"),
        max_length=voting.MAX_SHEET_CHARS,
        help_text=gettext_lazy("The number printed on the paper ballot."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    spoiled = forms.BooleanField(
        label=gettext_lazy("Spoiled: the ballot cannot be read or breaks the rules"),
        required=False,
    )


def _unit_from(
    request: HttpRequest, process: Process, default: BudgetUnit | None
) -> BudgetUnit | None:
    raw = request.POST.get("unit") or request.GET.get("unit") or ""
    if raw.isdigit():
        return BudgetUnit.objects.filter(process=process, pk=int(raw)).first() or default
    return default


def _ballot_inputs(
    process: Process, projects: list[Project], choices: voting.Choices | None
) -> dict[str, Any]:
    """What the shared ballot-inputs template needs to draw a paper ballot's inputs."""
    chosen: voting.Choices = choices if choices is not None else []
    points = chosen if isinstance(chosen, dict) else {}
    listed = list(chosen) if not isinstance(chosen, dict) else []
    return {
        "kind": process.ballot_kind,
        "BallotKind": BallotKind,
        "projects": [
            {"project": p, "checked": p.pk in listed, "points": points.get(p.pk, "")}
            for p in projects
        ],
        "ranks": [
            {
                "place": n,
                "name": f"rank-{n}",
                "selected": listed[n - 1] if n <= len(listed) else None,
            }
            for n in range(1, voting.rank_count(process, projects) + 1)
        ],
    }


def _paper_status_message(entry: PaperEntry) -> str:
    if entry.status == PaperEntryStatus.AWAITING_SECOND:
        return _("Sheet %(sheet)s: first entry saved. A colleague must now enter it again.")
    if entry.status == PaperEntryStatus.MATCHED:
        return _("Sheet %(sheet)s: both entries agree. The ballot is counted.")
    if entry.status == PaperEntryStatus.SPOILED:
        return _("Sheet %(sheet)s: both entries say spoiled. It is not counted.")
    return _("Sheet %(sheet)s: the two entries disagree. A supervisor will look at the paper.")


@page(PB_PAPER)
def paper(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    units = list(BudgetUnit.objects.filter(process=process))
    unit = _unit_from(request, process, units[0] if units else None)
    projects = voting.ballot_projects(unit) if unit else []
    form = SheetForm(request.POST or None)
    choices: voting.Choices | None = None
    field_errors: dict[str, str] = {}
    if request.method == "POST" and unit is not None:
        choices, field_errors = voting.read_ballot_form(process, projects, request.POST)
        if form.is_valid() and not field_errors:
            spoiled = form.cleaned_data["spoiled"]
            try:
                entry = enter_paper_ballot(
                    actor(request),
                    process,
                    unit,
                    form.cleaned_data["sheet"],
                    None if spoiled else choices,
                )
            except ValidationError as exc:
                _problems(form, exc)
            else:
                messages.success(request, _paper_status_message(entry) % {"sheet": entry.sheet})
                return redirect(f"{reverse('staff:pb:paper', args=[process.slug])}?unit={unit.pk}")
        for message in field_errors.values():
            form.add_error(None, message)
    context = _ctx(
        request,
        process,
        "paper",
        form=form,
        units=units,
        unit=unit,
        waiting=PaperEntry.objects.filter(
            process=process, status=PaperEntryStatus.AWAITING_SECOND
        ).count(),
        **_ballot_inputs(process, projects, choices if form.errors else None),
    )
    status = 400 if form.errors else 200
    return render(request, "staff/budgeting/voting_paper.html", context, status=status)


@page(PB_RESOLVE)
def paper_mismatches(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    entries = (
        PaperEntry.objects.filter(process=process, status=PaperEntryStatus.MISMATCH)
        .select_related("unit", "first_by", "second_by")
        .order_by("sheet")
    )
    return render(
        request,
        "staff/budgeting/voting_mismatches.html",
        _ctx(request, process, "paper_mismatches", entries=entries),
    )


def _entry_text(process: Process, content: dict[str, Any] | None) -> dict[str, Any]:
    """One typed-in entry in words, for the supervisor comparing it with the paper."""
    if not content:
        return {"unit": "", "lines": []}
    unit = BudgetUnit.objects.filter(process=process, pk=int(content.get("unit") or 0)).first()
    if content.get("spoiled"):
        return {"unit": unit.name if unit else "", "lines": [_("Spoiled")]}
    titles = dict(
        Project.objects.filter(pk__in=content.get("projects", [])).values_list("pk", "title")
    )
    points = content.get("points") or []
    lines = []
    for index, pk in enumerate(content.get("projects", [])):
        title = titles.get(pk, str(pk))
        if points:
            title = _("%(title)s: %(n)s points") % {"title": title, "n": points[index]}
        lines.append(title)
    return {"unit": unit.name if unit else "", "lines": lines}


@page(PB_RESOLVE)
def paper_resolve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = _process(slug)
    entry = get_object_or_404(
        PaperEntry.objects.select_related("unit", "first_by", "second_by"),
        pk=pk,
        process=process,
    )
    units = list(BudgetUnit.objects.filter(process=process))
    unit = _unit_from(request, process, entry.unit)
    assert unit is not None  # noqa: S101 -- entry.unit is never null
    projects = voting.ballot_projects(unit)
    form = ResolveForm(request.POST or None)
    choices: voting.Choices | None = None
    is_open = entry.status == PaperEntryStatus.MISMATCH
    if request.method == "POST" and is_open and request.POST.get("action") == "resolve":
        choices, field_errors = voting.read_ballot_form(process, projects, request.POST)
        if form.is_valid() and not field_errors:
            spoiled = form.cleaned_data["spoiled"]
            try:
                resolve_paper_entry(
                    actor(request),
                    entry,
                    None if spoiled else choices,
                    spoiled=spoiled,
                    unit=unit,
                )
            except ValidationError as exc:
                _problems(form, exc)
            else:
                messages.success(
                    request, _("Sheet %(sheet)s is resolved.") % {"sheet": entry.sheet}
                )
                return redirect("staff:pb:paper_mismatches", slug=process.slug)
        for message in field_errors.values():
            form.add_error(None, message)
    context = _ctx(
        request,
        process,
        "paper_mismatches",
        entry=entry,
        is_open=is_open,
        first=_entry_text(process, entry.first),
        second=_entry_text(process, entry.second),
        form=form,
        units=units,
        unit=unit,
        **_ballot_inputs(process, projects, choices),
    )
    status = 400 if form.errors else 200
    return render(request, "staff/budgeting/voting_resolve.html", context, status=status)


class ResolveForm(forms.Form):
    spoiled = forms.BooleanField(
        label=gettext_lazy("Spoiled: the ballot cannot be read or breaks the rules"),
        required=False,
    )


class PaperVoterForm(forms.Form):
    identifier = forms.CharField(label=gettext_lazy("Identity number"), max_length=80)
    birth_date = forms.DateField(
        label=gettext_lazy("Date of birth"),
        required=False,
        help_text=gettext_lazy("When the list of voters has dates of birth."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


@page(PB_PAPER)
def paper_voters(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    form = PaperVoterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mark_voted_on_paper(actor(request), process, data["identifier"], data["birth_date"])
        except ValidationError as exc:
            _problems(form, exc)
        else:
            messages.success(
                request, _("Marked as voted on paper. Give this person their paper ballot.")
            )
            return redirect("staff:pb:paper_voters", slug=process.slug)
    status = 400 if form.errors else 200
    return render(
        request,
        "staff/budgeting/voting_paper_voters.html",
        _ctx(request, process, "paper_voters", form=form),
        status=status,
    )


urlpatterns = [
    path("<slug:slug>/voting/", turnout, name="turnout"),
    path("<slug:slug>/census/", census, name="census"),
    path("<slug:slug>/codes/", codes, name="codes"),
    path("<slug:slug>/codes/revoke/", code_revoke, name="code_revoke"),
    path("<slug:slug>/paper/", paper, name="paper"),
    path("<slug:slug>/paper/mismatches/", paper_mismatches, name="paper_mismatches"),
    path("<slug:slug>/paper/voters/", paper_voters, name="paper_voters"),
    path("<slug:slug>/paper/<int:pk>/", paper_resolve, name="paper_resolve"),
]
