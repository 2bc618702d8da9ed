"""Residents' participatory-budgeting pages: processes, projects and idea collection.

Ballot pages (``vote/``) and results (``results/``) are other modules; these pages link to
them by path. Every write goes through :mod:`townhall.budgeting.services`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import Length
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from townhall.accounts import ratelimit
from townhall.budgeting import ideas
from townhall.budgeting.models import (
    BudgetUnit,
    Category,
    Phase,
    Process,
    Project,
    ProjectPhoto,
    ProjectQuerySet,
    ProjectStatus,
    Support,
)
from townhall.budgeting.money import format_money, typed_to_minor
from townhall.budgeting.services import (
    add_comment,
    submit_proposal,
    support_project,
    withdraw_proposal,
    withdraw_support,
)
from townhall.portal.access import actor_for
from townhall.portal.views.errors import too_many_requests
from townhall.portal.views.maps import map_config

PAGE_SIZE = 50
MAX_RADIO_UNITS = 7
NAV = "budgeting"

money = format_money


_SPACES = re.compile(r"[\s\u00a0\u202f'’]")
# Currency signs and words (USD, dólares) around a number.
_CURRENCY = re.compile(r"^(?:[^\W\d_]|[$€£¥¢])+|(?:[^\W\d_]|[$€£¥¢])+$")


def parse_amount(text: str) -> Decimal | None:
    """An amount as people type it: "12500", "12,500", "$12,500.50", or in Spanish
    "12.500" and "12.500,50"; None when it is not one.

    A separator that appears more than once, or once followed by exactly three digits, is a
    thousands separator; when both "," and "." appear, the last one is the decimal point.
    (So "12.500" is twelve thousand five hundred in every language: a cost of 12.5 is
    written "12.50".) Currency signs and codes around the number are ignored."""
    cleaned = _CURRENCY.sub("", _SPACES.sub("", text or ""))
    if not cleaned or not re.fullmatch(r"[\d.,]+", cleaned):
        return None
    if "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        cleaned = cleaned.replace(grouping, "").replace(decimal_mark, ".")
    else:
        mark = "," if "," in cleaned else "." if "." in cleaned else ""
        if mark:
            head, _sep, tail = cleaned.rpartition(mark)
            if cleaned.count(mark) > 1 or len(tail) == 3:
                cleaned = cleaned.replace(mark, "")
            else:
                cleaned = f"{head}.{tail}"
    if not re.fullmatch(r"\d*\.?\d+|\d+\.", cleaned) or cleaned.count(".") > 1:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


class AmountField(forms.DecimalField):
    """A DecimalField that reads thousands separators and currency signs (see
    :func:`parse_amount`), for people who type "12,500" or, in Spanish, "12.500"."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        amount = parse_amount(str(value))
        if amount is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return amount


# --- The calendar ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    phase: Phase
    starts: datetime | None
    ends: datetime | None
    state: str  # "done", "current" or "upcoming"

    @property
    def label(self) -> str:
        return str(self.phase.label)


# The public phases in order (a draft is never shown).
PUBLIC_PHASES = (
    Phase.UPCOMING,
    Phase.IDEAS,
    Phase.REVIEW,
    Phase.VOTING,
    Phase.COUNTING,
    Phase.RESULTS,
)


def timeline(process: Process, phase: Phase) -> list[Step]:
    bounds: dict[Phase, tuple[datetime | None, datetime | None]] = {
        Phase.UPCOMING: (None, process.ideas_open_at),
        Phase.IDEAS: (process.ideas_open_at, process.ideas_close_at),
        Phase.REVIEW: (process.ideas_close_at, process.voting_open_at),
        Phase.VOTING: (process.voting_open_at, process.voting_close_at),
        Phase.COUNTING: (process.voting_close_at, process.results_published_at),
        Phase.RESULTS: (process.results_published_at, None),
    }
    current = PUBLIC_PHASES.index(phase) if phase in PUBLIC_PHASES else -1
    steps = []
    for number, each in enumerate(PUBLIC_PHASES):
        state = "done" if number < current else "current" if number == current else "upcoming"
        starts, ends = bounds[each]
        steps.append(Step(each, starts, ends, state))
    return steps


# Current first, then those still to come, then the finished ones.
PHASE_ORDER = {
    Phase.IDEAS: 0,
    Phase.VOTING: 0,
    Phase.REVIEW: 0,
    Phase.COUNTING: 0,
    Phase.UPCOMING: 1,
    Phase.RESULTS: 2,
}


def _published(slug: str) -> Process:
    return get_object_or_404(Process.objects.published().select_related("jurisdiction"), slug=slug)


def _base(process: Process, **more: Any) -> dict[str, Any]:
    phase = process.phase
    return {"process": process, "phase": phase, "Phase": Phase, "nav": NAV, **more}


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    found = [(p, p.phase_at(now)) for p in Process.objects.published()]
    found.sort(
        key=lambda item: (
            PHASE_ORDER.get(item[1], 3),
            # Sooner first among current and coming ones; newest first among past ones.
            -item[0].voting_close_at.timestamp()
            if item[1] == Phase.RESULTS
            else item[0].voting_close_at.timestamp(),
        )
    )
    rows = [{"process": p, "phase": phase, "next": _next_date(p, phase)} for p, phase in found]
    return render(request, "portal/budgeting/index.html", {"rows": rows, "nav": NAV})


def _next_date(process: Process, phase: Phase) -> tuple[str, datetime] | None:
    """What happens next and when, for the list of processes."""
    upcoming = {
        Phase.UPCOMING: (_("Idea collection opens"), process.ideas_open_at),
        Phase.IDEAS: (_("Idea collection closes"), process.ideas_close_at),
        Phase.REVIEW: (_("Voting opens"), process.voting_open_at),
        Phase.VOTING: (_("Voting closes"), process.voting_close_at),
    }
    if phase in upcoming:
        return upcoming[phase]
    if phase == Phase.RESULTS and process.results_published_at:
        return (_("Results published"), process.results_published_at)
    if phase == Phase.COUNTING:
        return (_("Voting closed"), process.voting_close_at)
    return None


@require_GET
def process_page(request: HttpRequest, slug: str) -> HttpResponse:
    process = _published(slug)
    public = Project.objects.visible().exclude(status=ProjectStatus.WITHDRAWN)
    units = list(
        BudgetUnit.objects.filter(process=process)
        .select_related("area")
        .annotate(
            ideas=Count("projects", filter=Q(projects__in=public), distinct=True),
            on_ballot=Count(
                "projects",
                filter=Q(projects__in=public.filter(status=ProjectStatus.ON_BALLOT)),
                distinct=True,
            ),
            funded=Count("projects", filter=Q(projects__in=public.funded()), distinct=True),
        )
    )
    for unit in units:
        setattr(unit, "budget_display", money(unit.budget, process.currency))  # noqa: B010
    total = sum(u.budget for u in units)
    context = _base(
        process,
        steps=timeline(process, process.phase),
        units=units,
        total=money(total, process.currency),
        spent=money(
            sum(p.cost for p in Project.objects.filter(process=process).visible().funded()),
            process.currency,
        ),
        categories=list(Category.objects.filter(process=process)),
        vote_url=f"{reverse('budgeting:process', args=[slug])}vote/",
        results_url=f"{reverse('budgeting:process', args=[slug])}results/",
    )
    return render(request, "portal/budgeting/process.html", context)


# --- Projects ------------------------------------------------------------------------------

STATUS_FILTERS = [
    ("", gettext_lazy("Any status")),
    (ProjectStatus.PROPOSED, gettext_lazy("Proposed")),
    (ProjectStatus.ON_BALLOT, gettext_lazy("On the ballot")),
    ("funded", gettext_lazy("Funded")),
    (ProjectStatus.REJECTED, gettext_lazy("Not feasible")),
    (ProjectStatus.MERGED, gettext_lazy("Merged into another project")),
]


class ProjectFilterForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Budget"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=STATUS_FILTERS)

    def __init__(self, *args: Any, process: Process, **kwargs: Any):
        super().__init__(*args, **kwargs)
        unit_field, category_field = self.fields["unit"], self.fields["category"]
        assert isinstance(unit_field, forms.ChoiceField)
        assert isinstance(category_field, forms.ChoiceField)
        unit_field.choices = [
            ("", _("All budgets")),
            *((str(u.pk), u.name) for u in BudgetUnit.objects.filter(process=process)),
        ]
        category_field.choices = [
            ("", _("All categories")),
            *((str(c.pk), c.name) for c in Category.objects.filter(process=process)),
        ]


def listed(process: Process) -> ProjectQuerySet:
    """What the public list shows: nothing hidden by moderation, nothing withdrawn."""
    return (
        Project.objects.filter(process=process)
        .visible()
        .exclude(status=ProjectStatus.WITHDRAWN)
        .select_related("unit")
        .prefetch_related("categories")
        .with_support()
        .order_by("unit__position", "unit__pk", Length("code"), "code")
    )


def _filtered(process: Process, form: ProjectFilterForm) -> ProjectQuerySet:
    found = listed(process)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("unit"):
        found = found.filter(unit_id=int(data["unit"]))
    if data.get("category"):
        found = found.filter(categories__pk=int(data["category"]))
    status = data.get("status") or ""
    if status == "funded":
        found = found.filter(is_funded=True)
    elif status:
        found = found.filter(status=status)
    return found


def _decorate(project: Project, currency: str) -> Project:
    """Display values the templates need (money in the process's currency, the status)."""
    extra: dict[str, Any] = {
        "estimated_display": money(project.estimated_cost, currency),
        "assessed_display": money(project.assessed_cost, currency),
        "cost_display": money(project.cost, currency),
        "status_label": _("Funded") if project.is_funded else project.get_status_display(),
        "status_class": "funded" if project.is_funded else project.status,
    }
    for name, value in extra.items():
        setattr(project, name, value)
    return project


def _pins(process: Process, projects: list[Project]) -> list[dict[str, Any]]:
    return [
        {
            "lat": round(p.lat, 5),
            "lon": round(p.lon, 5),
            "label": f"{p.code}: {p.title}",
            "url": reverse("budgeting:project", args=[process.slug, p.code]),
            "open": True,
        }
        for p in projects
        if p.lat is not None and p.lon is not None
    ]


@require_GET
def projects(request: HttpRequest, slug: str) -> HttpResponse:
    process = _published(slug)
    form = ProjectFilterForm(request.GET or None, process=process)
    page = Paginator(_filtered(process, form), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [_decorate(p, process.currency) for p in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = _base(
        process,
        form=form,
        page=page,
        projects=shown,
        pins=_pins(process, shown),
        located=sum(1 for p in shown if p.lat is not None),
        query=query.urlencode(),
        map=map_config(),
    )
    return render(request, "portal/budgeting/projects.html", context)


def _project(process: Process, code: str) -> Project:
    return get_object_or_404(
        Project.objects.filter(process=process)
        .visible()
        .select_related("unit", "unit__area", "merged_into")
        .with_support(),
        code=code,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your comment"),
        help_text=gettext_lazy(
            "Up to 2,000 characters. Comments are public and show no name. Be kind and stay on "
            "the subject."
        ),
        max_length=ideas.MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def project_page(
    request: HttpRequest,
    slug: str,
    code: str,
    comment_form: CommentForm | None = None,
    problem: str = "",
) -> HttpResponse:
    process = _published(slug)
    project = _decorate(_project(process, code), process.currency)
    user = request.user
    supported = (
        user.is_authenticated and Support.objects.filter(project=project, user=user).exists()
    )
    is_author = user.is_authenticated and project.author_id == user.pk
    here = reverse("budgeting:project", args=[slug, project.code])
    context = _base(
        process,
        project=project,
        categories=list(project.categories.all()),
        photos=list(project.photos.all()) if project.status != ProjectStatus.WITHDRAWN else [],
        comments=list(project.comments.filter(hidden_at__isnull=True)),
        updates=list(project.delivery_updates.all()) if project.is_funded else [],
        supported=supported,
        can_support=ideas.can_support(project),
        can_comment=ideas.can_comment(project),
        can_withdraw=is_author
        and project.status == ProjectStatus.PROPOSED
        and process.phase in (Phase.IDEAS, Phase.REVIEW),
        comment_form=comment_form or CommentForm(),
        problem=problem,
        sign_in_url=f"{reverse('portal:sign_in')}?{urlencode({'next': here})}",
        pins=_pins(process, [project]),
        map=map_config(),
        support_count=getattr(project, "support_count", 0),
    )
    return render(request, "portal/budgeting/project.html", context)


def _signed_in_or_redirect(request: HttpRequest, slug: str, code: str) -> HttpResponse | None:
    if request.user.is_authenticated:
        return None
    return redirect_to_login(reverse("budgeting:project", args=[slug, code]))


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@require_POST
def support(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    if (refused := _signed_in_or_redirect(request, slug, code)) is not None:
        return refused
    process = _published(slug)
    project = _project(process, code)
    if ratelimit.exceeded(request, "pb_support"):
        return too_many_requests(request)
    try:
        if request.POST.get("action") == "withdraw":
            withdraw_support(actor_for(request), project)
            messages.success(request, _("You no longer support this idea."))
        else:
            support_project(actor_for(request), project)
            messages.success(request, _("Thank you: you support this idea."))
    except ValidationError as exc:
        return project_page(request, slug, code, problem=_message(exc))
    return redirect(reverse("budgeting:project", args=[slug, code]) + "#support")


@require_POST
def comment(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    if (refused := _signed_in_or_redirect(request, slug, code)) is not None:
        return refused
    process = _published(slug)
    project = _project(process, code)
    form = CommentForm(request.POST)
    if form.is_valid():
        if ratelimit.exceeded(request, "pb_comment"):
            return too_many_requests(request)
        try:
            add_comment(actor_for(request), project, form.cleaned_data["body"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your comment is published."))
            return redirect(reverse("budgeting:project", args=[slug, code]) + "#comments")
    return project_page(request, slug, code, comment_form=form)


@require_POST
def withdraw(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    if (refused := _signed_in_or_redirect(request, slug, code)) is not None:
        return refused
    process = _published(slug)
    project = _project(process, code)
    try:
        withdraw_proposal(actor_for(request), project)
    except ValidationError as exc:
        return project_page(request, slug, code, problem=_message(exc))
    messages.success(request, _("Your idea is withdrawn. It is no longer listed."))
    return redirect("budgeting:process", slug)


@require_GET
def photo(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """A project's photo; never for a hidden or withdrawn project."""
    found = get_object_or_404(
        ProjectPhoto.objects.select_related("project"),
        pk=pk,
        project__process__slug=slug,
        project__process__is_published=True,
        project__hidden=False,
    )
    if found.project.status == ProjectStatus.WITHDRAWN:
        raise Http404
    response = FileResponse(found.image.open("rb"), content_type=found.content_type)
    patch_cache_control(response, public=True, max_age=3600)
    return response


# --- Propose an idea ---------------------------------------------------------------------


class ProposalForm(forms.Form):
    unit = forms.ChoiceField(
        label=gettext_lazy("Which budget should pay for it?"),
        help_text=gettext_lazy(
            "A district's budget pays for ideas in that district; the citywide budget for "
            "ideas that serve the whole city."
        ),
    )
    title = forms.CharField(
        label=gettext_lazy("Title of your idea"),
        help_text=gettext_lazy("A few words, for example: Benches along the river path."),
        max_length=ideas.MAX_TITLE_CHARS,
    )
    description = forms.CharField(
        label=gettext_lazy("Describe your idea"),
        help_text=gettext_lazy("What should be done, and who it would help."),
        max_length=settings.TOWNHALL["MAX_DESCRIPTION_CHARS"],
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Categories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    estimated_cost = AmountField(
        label=gettext_lazy("Estimated cost"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    address = forms.CharField(
        label=gettext_lazy("Address or description of the place"),
        help_text=gettext_lazy(
            "For example: the playground on Elm St, or the corner of Oak St and 5th St."
        ),
        max_length=ideas.MAX_ADDRESS_CHARS,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, process: Process, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.process = process
        self.units = {str(u.pk): u for u in BudgetUnit.objects.filter(process=process)}
        self.category_objects = {str(c.pk): c for c in Category.objects.filter(process=process)}
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_choices = [
            (pk, f"{u.name} ({money(u.budget, process.currency)})") for pk, u in self.units.items()
        ]
        if len(unit_choices) <= MAX_RADIO_UNITS:
            unit_field.widget = forms.RadioSelect()
            unit_field.choices = unit_choices
        else:
            unit_field.choices = [("", _("Choose a budget")), *unit_choices]
        categories = self.fields["categories"]
        assert isinstance(categories, forms.MultipleChoiceField)
        categories.choices = [(pk, c.name) for pk, c in self.category_objects.items()]
        self.fields["estimated_cost"].help_text = _(
            "In %(currency)s. A rough figure is enough: the city's experts check it."
        ) % {"currency": process.currency.upper()}
        max_bytes = int(settings.TOWNHALL["MAX_UPLOAD_BYTES"])
        for number in range(1, ideas.max_photos() + 1):
            self.fields[f"photo_{number}"] = forms.FileField(
                label=_("Photo %(n)d") % {"n": number},
                required=False,
                help_text=_("JPEG, PNG, WebP or GIF, up to %(size)d MB.")
                % {"size": max_bytes // (1024 * 1024)},
                widget=forms.ClearableFileInput(
                    attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
                ),
            )
            self.fields[f"alt_{number}"] = forms.CharField(
                label=_("What photo %(n)d shows") % {"n": number},
                help_text=_(
                    "Needed when you choose a photo, for people who cannot see it, for "
                    "example: Broken bench by the pond."
                ),
                required=False,
                max_length=ideas.MAX_ALT_CHARS,
            )

    def photo_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(n, self[f"photo_{n}"], self[f"alt_{n}"]) for n in range(1, ideas.max_photos() + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("lon") is None):
            data["lat"] = data["lon"] = None
        max_bytes = int(settings.TOWNHALL["MAX_UPLOAD_BYTES"])
        for number in range(1, ideas.max_photos() + 1):
            upload = data.get(f"photo_{number}")
            if not upload:
                continue
            if upload.size is not None and upload.size > max_bytes:
                self.add_error(
                    f"photo_{number}",
                    _("The photo is larger than %(size)d MB.")
                    % {"size": max_bytes // (1024 * 1024)},
                )
            if not (data.get(f"alt_{number}") or "").strip() and not self.has_error(
                f"alt_{number}"
            ):
                self.add_error(
                    f"alt_{number}",
                    _("Describe what photo %(n)d shows, for people who cannot see it.")
                    % {"n": number},
                )
        return data

    def cost_minor(self, currency: str) -> int:
        return typed_to_minor(self.cleaned_data["estimated_cost"], currency)

    def photos(self) -> list[ideas.PhotoUpload]:
        found = []
        for number in range(1, ideas.max_photos() + 1):
            upload = self.cleaned_data.get(f"photo_{number}")
            if upload:
                found.append(
                    ideas.PhotoUpload(
                        content=upload.read(),
                        alt_text=self.cleaned_data.get(f"alt_{number}") or "",
                        name=_("Photo %(n)d") % {"n": number},
                    )
                )
        return found


# Where each argument of submit_proposal is shown on the form.
PROPOSAL_FIELDS = {
    "unit": "unit",
    "title": "title",
    "description": "description",
    "estimated_cost": "estimated_cost",
    "categories": "categories",
    "address": "address",
}


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError, next to the fields it names (the rest at the top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = PROPOSAL_FIELDS.get(name, name)
        if name == "photos":
            # Per-photo problems start with the photo's label ("Photo 2: ..."); find it.
            for error in errors:
                message = " ".join(error.messages)
                form.add_error(_photo_field(form, message), message)
            continue
        form.add_error(target if target in form.fields else None, errors)


def _photo_field(form: forms.Form, message: str) -> str | None:
    for number in range(1, ideas.max_photos() + 1):
        field = form.fields.get(f"photo_{number}")
        if field is not None and message.startswith(f"{field.label}:"):
            return f"photo_{number}"
    return None


def propose(request: HttpRequest, slug: str) -> HttpResponse:
    process = _published(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    open_now = ideas.can_propose(process)
    form = ProposalForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        process=process,
    )
    if request.method == "POST" and open_now and form.is_valid():
        if ratelimit.exceeded(request, "pb_propose"):
            return too_many_requests(request)
        data = form.cleaned_data
        try:
            project = submit_proposal(
                actor_for(request),
                process,
                unit=form.units[data["unit"]],
                title=data["title"],
                description=data["description"],
                estimated_cost=form.cost_minor(process.currency),
                categories=[form.category_objects[pk] for pk in data.get("categories") or []],
                lat=data.get("lat"),
                lon=data.get("lon"),
                address=data.get("address") or "",
                photos=form.photos(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Thank you: your idea is published as number %(code)s. The city's experts "
                    "will check it after idea collection closes."
                )
                % {"code": project.code},
            )
            return redirect("budgeting:project", slug, project.code)
    context = _base(
        process,
        form=form,
        open_now=open_now,
        map=map_config(pick=True),
        photos_lost=request.method == "POST" and bool(request.FILES),
    )
    return render(request, "portal/budgeting/propose.html", context)


urlpatterns = [
    path("", index, name="index"),
    path("<slug:slug>/", process_page, name="process"),
    path("<slug:slug>/projects/", projects, name="projects"),
    path("<slug:slug>/projects/<str:code>/", project_page, name="project"),
    path("<slug:slug>/projects/<str:code>/support/", support, name="support"),
    path("<slug:slug>/projects/<str:code>/comment/", comment, name="comment"),
    path("<slug:slug>/projects/<str:code>/withdraw/", withdraw, name="withdraw"),
    path("<slug:slug>/propose/", propose, name="propose"),
    path("<slug:slug>/photos/<int:pk>", photo, name="photo"),
]
