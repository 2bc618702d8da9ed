"""Back-office participatory budgeting: processes (setup and publication), budget units and
categories, the review queue, comment moderation and delivery tracking.

Who may do what is declared in :mod:`townhall.staff.permissions` (``PB_*``): everyone in
the back office reads; administrators set up; department staff assess; supervisors and
administrators decide and moderate; department staff record delivery. Pages that both show
and accept a form are declared for their readers and refuse a POST from anyone who may
not write there.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from townhall.budgeting.models import (
    Ballot,
    BudgetUnit,
    Comment,
    DeliveryStatus,
    Phase,
    Process,
    Project,
    ProjectStatus,
    Support,
)
from townhall.budgeting.money import format_money, minor_to_typed, typed_to_minor
from townhall.budgeting.review import review_is_open
from townhall.budgeting.services import (
    accept_project,
    add_category,
    add_unit,
    assess_project,
    create_process,
    hide_comment,
    hide_project,
    merge_projects,
    publish_process,
    record_delivery_update,
    reject_project,
    restore_comment,
    restore_project,
    update_process,
    update_unit,
)
from townhall.budgeting.setup import EDITABLE_DURING_VOTING, voting_has_opened
from townhall.places.models import Area, Jurisdiction
from townhall.staff.http import actor
from townhall.staff.permissions import (
    PB_ASSESS,
    PB_DECIDE,
    PB_DELIVERY,
    PB_READERS,
    PB_SETUP,
    forbidden,
    nav_for,
    page,
)
from townhall.staff.views.pb_nav import voting_sections

PAGE_SIZE = 50
money = format_money


def _can(request: HttpRequest, roles: frozenset[str]) -> bool:
    return getattr(request.user, "role", None) in roles


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"nav": nav_for(request.user), **extra}


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _apply(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's errors next to the form's fields (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- Forms ----------------------------------------------------------------------------


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; values are the city's local time."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


PROCESS_HELP = {
    "slug": gettext_lazy(
        "The process's web address, e.g. riverton-decides-2027. Lower-case letters, digits "
        "and hyphens; it cannot change later."
    ),
    "summary": gettext_lazy("One or two sentences shown in lists."),
    "currency": gettext_lazy("Three-letter code, e.g. USD."),
    "ideas_open_at": gettext_lazy("Local time. Residents can propose and support ideas from then."),
    "ideas_close_at": gettext_lazy("Local time. Review of the proposals starts then."),
    "voting_open_at": gettext_lazy(
        "Local time. From then on the ballot, the counting rule and the budgets are frozen."
    ),
    "voting_close_at": gettext_lazy(
        "Local time. It can still be moved later while voting is open."
    ),
    "ballot_kind": gettext_lazy(
        "How residents vote. Approval: tick every project you support. Knapsack: tick "
        "projects until the budget is spent. Cumulative: share out points. Ranked: put "
        "projects in order. Choose one: a single project."
    ),
    "min_choices": gettext_lazy(
        "Approval, knapsack and ranked ballots: the fewest projects a voter must choose."
    ),
    "max_choices": gettext_lazy(
        "Approval, knapsack and ranked ballots: the most projects a voter may choose. "
        "Leave empty for no limit."
    ),
    "points_total": gettext_lazy("Cumulative ballots only: the points each voter shares out."),
    "max_points_per_project": gettext_lazy(
        "Cumulative ballots only: the most points one project may get from a voter. Leave "
        "empty for no limit."
    ),
    "min_spend_percent": gettext_lazy(
        "Knapsack ballots only: a ballot must spend at least this share of the budget."
    ),
    "one_district_per_voter": gettext_lazy(
        "Each voter votes on the citywide budget and on the budget of one district."
    ),
    "rule": gettext_lazy(
        "Method of Equal Shares (recommended): the budget is split equally among voters, "
        "who pay together for the projects they chose; more residents get a project they "
        "wanted, and neighbourhoods with fewer votes are not left out. Greedy: the projects "
        "with the most votes first, skipping those that no longer fit. Sequential Phragmén: "
        "a similar fair rule for approval and choose-one ballots."
    ),
    "satisfaction": gettext_lazy(
        "How the rule measures what each voter gets. Cost: the money spent on projects "
        "they chose (suits most cities). Cardinality: how many of their projects are "
        "funded. Points and Borda score apply to cumulative and ranked ballots."
    ),
    "completion": gettext_lazy(
        "Equal shares can leave money unspent. Add1 raises every voter's share step by step "
        "until nothing more fits, then funds what it can from what is left, greedily. For "
        "equal shares only."
    ),
}

CALENDAR = ("ideas_open_at", "ideas_close_at", "voting_open_at", "voting_close_at")
BALLOT = (
    "ballot_kind",
    "min_choices",
    "max_choices",
    "points_total",
    "max_points_per_project",
    "min_spend_percent",
    "one_district_per_voter",
)
COUNTING = ("rule", "satisfaction", "completion")


class ProcessForm(forms.ModelForm):
    class Meta:
        model = Process
        fields = [
            "title",
            "slug",
            "summary",
            "description",
            "currency",
            *CALENDAR,
            *BALLOT,
            *COUNTING,
        ]
        widgets = {
            **{name: LocalDateTimeInput() for name in CALENDAR},
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = PROCESS_HELP
        labels = {"slug": gettext_lazy("Web address")}

    def __init__(self, *args: Any, frozen: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["slug"]
        if frozen:
            for name, field in self.fields.items():
                if name not in EDITABLE_DURING_VOTING:
                    field.disabled = True

    def _post_clean(self) -> None:
        # The service validates the whole process (and reads the stored one afresh);
        # the form only checks each field on its own.
        pass

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        groups = (
            (_("About the process"), ("title", "slug", "summary", "description", "currency")),
            (_("Calendar"), CALENDAR),
            (_("Ballot"), BALLOT),
            (_("Counting"), COUNTING),
        )
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in groups
        ]


class UnitForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    area = forms.ModelChoiceField(
        Area.objects.none(),
        label=gettext_lazy("District"),
        required=False,
        empty_label=gettext_lazy("Citywide (no district)"),
    )
    budget = forms.DecimalField(
        label=gettext_lazy("Budget"),
        min_value=Decimal("0.01"),
        max_digits=15,
        decimal_places=2,
        help_text=gettext_lazy("In whole currency units, e.g. 250000."),
    )
    position = forms.IntegerField(
        label=gettext_lazy("Position in lists"), min_value=0, required=False
    )

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ModelChoiceField)
        area.queryset = Area.objects.in_jurisdiction(process.jurisdiction).order_by("name")
        self.fields["budget"].label = _("Budget (%(currency)s)") % {"currency": process.currency}
        self.currency = process.currency

    def minor_budget(self) -> int:
        return typed_to_minor(self.cleaned_data["budget"], self.currency)


class CategoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("New category"), max_length=100)


class ReviewFilterForm(forms.Form):
    unit = forms.ModelChoiceField(
        BudgetUnit.objects.none(),
        label=gettext_lazy("Budget unit"),
        required=False,
        empty_label=gettext_lazy("Any"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any")), *ProjectStatus.choices],
    )

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, forms.ModelChoiceField)
        unit.queryset = process.units.all()


class _OneOfSeveral(forms.Form):
    """A form shown beside others on one page: its own field ids ("assess-note", not a
    second "id_note"), so that each label names its own field."""

    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class AssessForm(_OneOfSeveral):
    id_prefix = "assess"
    assessed_cost = forms.DecimalField(
        label=gettext_lazy("Assessed cost"),
        min_value=Decimal("0.01"),
        max_digits=15,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy(
            "In whole currency units. Leave empty to keep the resident's estimate."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Public note on feasibility and cost"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def minor_cost(self, currency: str) -> int | None:
        cost = self.cleaned_data["assessed_cost"]
        return None if cost is None else typed_to_minor(cost, currency)


class AcceptForm(_OneOfSeveral):
    id_prefix = "accept"
    note = forms.CharField(
        label=gettext_lazy("Public note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(_OneOfSeveral):
    id_prefix = "reject"
    reason = forms.CharField(
        label=gettext_lazy("Reason residents will read"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MergeForm(_OneOfSeveral):
    id_prefix = "merge"
    target = forms.ModelChoiceField(
        Project.objects.none(), label=gettext_lazy("Merge into"), empty_label=None
    )
    note = forms.CharField(
        label=gettext_lazy("Why (residents read this)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target = self.fields["target"]
        assert isinstance(target, forms.ModelChoiceField)
        target.queryset = (
            Project.objects.filter(
                process_id=project.process_id,
                status__in=[ProjectStatus.PROPOSED, ProjectStatus.ON_BALLOT],
                hidden=False,
            )
            .exclude(pk=project.pk)
            .order_by("unit__position", "code")
        )


class HideForm(_OneOfSeveral):
    id_prefix = "hide"
    reason = forms.CharField(label=gettext_lazy("Reason for hiding"), max_length=300)


class DeliveryForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=DeliveryStatus.choices)
    progress = forms.IntegerField(label=gettext_lazy("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(
        label=gettext_lazy("Public note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Lookups --------------------------------------------------------------------------


def _process(slug: str) -> Process:
    return get_object_or_404(Process.objects.select_related("jurisdiction"), slug=slug)


def _subcount(queryset: QuerySet[Any], link: str = "process") -> Coalesce:
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- Processes ------------------------------------------------------------------------


@page(PB_READERS)
def processes(request: HttpRequest) -> HttpResponse:
    rows = Process.objects.annotate(
        n_units=_subcount(BudgetUnit.objects.all()),
        n_proposals=_subcount(Project.objects.all()),
        n_to_review=_subcount(Project.objects.filter(status=ProjectStatus.PROPOSED)),
        n_on_ballot=_subcount(Project.objects.filter(status=ProjectStatus.ON_BALLOT)),
        n_ballots=_subcount(Ballot.objects.all()),
    ).order_by("-voting_open_at", "pk")
    return render(
        request,
        "staff/budgeting/setup_processes.html",
        _ctx(request, processes=rows, can_setup=_can(request, PB_SETUP)),
    )


@page(PB_SETUP)
def process_new(request: HttpRequest) -> HttpResponse:
    jurisdiction = Jurisdiction.objects.default()
    form = ProcessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if jurisdiction is None:
            form.add_error(None, _("Set up the city first."))
        else:
            try:
                process = create_process(actor(request), jurisdiction, **form.cleaned_data)
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(
                    request, _("Process created. Add its budget units, then publish it.")
                )
                return redirect("staff:pb:units", slug=process.slug)
    return render(
        request,
        "staff/budgeting/setup_process_form.html",
        _ctx(request, form=form, process=None),
        status=400 if form.errors else 200,
    )


@page(PB_SETUP)
def process_edit(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    frozen = voting_has_opened(process)
    form = ProcessForm(request.POST or None, instance=process, frozen=frozen)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k not in _disabled(form)}
        try:
            update_process(actor(request), process, **changes)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff:pb:process", slug=process.slug)
    return render(
        request,
        "staff/budgeting/setup_process_form.html",
        _ctx(request, form=form, process=process, frozen=frozen),
        status=400 if form.errors else 200,
    )


def _disabled(form: forms.BaseForm) -> set[str]:
    return {name for name, field in form.fields.items() if field.disabled}


@page(PB_SETUP)
@require_POST
def process_publish(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    try:
        publish_process(actor(request), process)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Published: residents can now see the process."))
    return redirect("staff:pb:process", slug=process.slug)


@page(PB_READERS)
def process_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    projects = Project.objects.filter(process=process)
    by_status = dict(
        projects.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    statuses = [(label, by_status.get(value, 0)) for value, label in ProjectStatus.choices]
    units = [
        (unit, money(unit.budget, process.currency))
        for unit in process.units.select_related("area")
    ]
    comments = Comment.objects.filter(project__process=process)
    context = _ctx(
        request,
        process=process,
        phase=process.phase,
        statuses=statuses,
        units=units,
        total_budget=money(sum(u.budget for u, _m in units), process.currency),
        categories=process.categories.all(),
        supporters=Support.objects.filter(project__process=process).count(),
        comments=comments.count(),
        hidden_comments=comments.filter(hidden_at__isnull=False).count(),
        funded=projects.funded().count(),
        ballots=Ballot.objects.filter(process=process).count(),
        frozen=voting_has_opened(process),
        can_setup=_can(request, PB_SETUP),
        sections=voting_sections(request.user, process),
    )
    return render(request, "staff/budgeting/setup_process.html", context)


# --- Units and categories -------------------------------------------------------------


@page(PB_READERS)
def units(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    can_setup = _can(request, PB_SETUP)
    frozen = voting_has_opened(process)
    form = UnitForm(request.POST or None, process=process)
    status = 200
    if request.method == "POST":
        if not can_setup:
            return forbidden(request)
        if form.is_valid():
            try:
                add_unit(
                    actor(request),
                    process,
                    name=form.cleaned_data["name"],
                    budget=form.minor_budget(),
                    area=form.cleaned_data["area"],
                    position=form.cleaned_data["position"],
                )
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("Budget unit added."))
                return redirect("staff:pb:units", slug=process.slug)
        status = 400
    rows = [
        (unit, money(unit.budget, process.currency))
        for unit in process.units.select_related("area").annotate(n_projects=Count("projects"))
    ]
    return render(
        request,
        "staff/budgeting/setup_units.html",
        _ctx(
            request,
            process=process,
            rows=rows,
            form=form,
            can_setup=can_setup and not frozen,
            frozen=frozen,
        ),
        status=status,
    )


@page(PB_SETUP)
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(BudgetUnit.objects.select_related("process__jurisdiction"), pk=pk)
    process = unit.process
    initial = {
        "name": unit.name,
        "area": unit.area_id,
        "budget": minor_to_typed(unit.budget, process.currency),
        "position": unit.position,
    }
    form = UnitForm(request.POST or None, process=process, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_unit(
                actor(request),
                unit,
                name=form.cleaned_data["name"],
                budget=form.minor_budget(),
                area=form.cleaned_data["area"],
                position=(
                    unit.position
                    if form.cleaned_data["position"] is None
                    else form.cleaned_data["position"]
                ),
            )
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff:pb:units", slug=process.slug)
    return render(
        request,
        "staff/budgeting/setup_unit_form.html",
        _ctx(request, process=process, unit=unit, form=form, frozen=voting_has_opened(process)),
        status=400 if form.errors else 200,
    )


@page(PB_READERS)
def categories(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    can_setup = _can(request, PB_SETUP)
    form = CategoryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_setup:
            return forbidden(request)
        if form.is_valid():
            try:
                add_category(actor(request), process, form.cleaned_data["name"])
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("Category added."))
                return redirect("staff:pb:categories", slug=process.slug)
        status = 400
    rows = process.categories.annotate(n_projects=Count("projects"))
    return render(
        request,
        "staff/budgeting/setup_categories.html",
        _ctx(request, process=process, rows=rows, form=form, can_setup=can_setup),
        status=status,
    )


# --- Review ---------------------------------------------------------------------------


@page(PB_READERS)
def review(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    data = request.GET if request.GET else {"status": ProjectStatus.PROPOSED}
    form = ReviewFilterForm(data, process=process)
    qs = (
        Project.objects.filter(process=process)
        .select_related("unit", "merged_into")
        .annotate(
            n_supporters=_subcount(Support.objects.all(), "project"),
            n_comments=_subcount(Comment.objects.all(), "project"),
        )
        .order_by("unit__position", "unit__pk", "code")
    )
    if form.is_valid():
        if form.cleaned_data["unit"]:
            qs = qs.filter(unit=form.cleaned_data["unit"])
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
    paged = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (
            project,
            money(project.estimated_cost, process.currency),
            money(project.assessed_cost, process.currency),
        )
        for project in paged
    ]
    query = urlencode({k: data[k] for k in ("unit", "status") if data.get(k)})
    return render(
        request,
        "staff/budgeting/review_queue.html",
        _ctx(
            request,
            process=process,
            form=form,
            rows=rows,
            page=paged,
            query=query,
            total=paged.paginator.count,
            review_open=review_is_open(process),
        ),
    )


def _review_page(
    request: HttpRequest, project: Project, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    process = project.process
    can_decide = _can(request, PB_DECIDE)
    open_ = review_is_open(process)
    context = _ctx(
        request,
        process=process,
        project=project,
        estimated=money(project.estimated_cost, process.currency),
        assessed=money(project.assessed_cost, process.currency),
        unit_budget=money(project.unit.budget, process.currency),
        supporters=project.supports.count(),
        comments=project.comments.order_by("-created_at")[:20],
        merged_from=project.merged_from.all(),
        # Served by the residents' photo page, which shows only what residents may see.
        photos=list(project.photos.all())
        if process.is_published and not project.hidden and project.status != ProjectStatus.WITHDRAWN
        else [],
        photos_held=project.photos.count(),
        review_open=open_,
        can_assess=_can(request, PB_ASSESS) and open_,
        can_decide=can_decide and open_,
        can_moderate=can_decide,
        assess_form=forms_.get("assess_form")
        or AssessForm(
            initial={
                "assessed_cost": (
                    None
                    if project.assessed_cost is None
                    else minor_to_typed(project.assessed_cost, project.process.currency)
                ),
                "note": project.review_note,
            }
        ),
        accept_form=forms_.get("accept_form") or AcceptForm(),
        reject_form=forms_.get("reject_form") or RejectForm(),
        merge_form=forms_.get("merge_form") or MergeForm(project=project),
        hide_form=forms_.get("hide_form") or HideForm(),
    )
    return render(request, "staff/budgeting/review_project.html", context, status=status)


def _project(pk: int) -> Project:
    return get_object_or_404(
        Project.objects.select_related("process__jurisdiction", "unit", "merged_into"), pk=pk
    )


@page(PB_READERS)
def review_project(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _project(pk))


def _after_review(project: Project) -> HttpResponse:
    return redirect("staff:pb:review_project", pk=project.pk)


def _review_action(
    request: HttpRequest,
    project: Project,
    form: forms.Form,
    slot: str,
    act: Callable[[], object],
    done: str,
    then: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """The shape of every review decision: a valid form, one service call, a message and
    back to the queue (or ``then``); otherwise the review page again with the form (and
    the service's errors next to its fields) in ``slot``."""
    if form.is_valid():
        try:
            act()
        except ValidationError as exc:
            _apply(form, exc)
        else:
            messages.success(request, done)
            return then() if then else _after_review(project)
    return _review_page(request, project, 400, **{slot: form})


@page(PB_ASSESS)
@require_POST
def review_assess(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(pk)
    form = AssessForm(request.POST)
    return _review_action(
        request,
        project,
        form,
        "assess_form",
        lambda: assess_project(
            actor(request),
            project,
            form.minor_cost(project.process.currency),
            form.cleaned_data["note"],
        ),
        _("Assessment saved."),
    )


@page(PB_DECIDE)
@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(pk)
    form = AcceptForm(request.POST)
    return _review_action(
        request,
        project,
        form,
        "accept_form",
        lambda: accept_project(actor(request), project, form.cleaned_data["note"]),
        _("%(code)s is on the ballot.") % {"code": project.code},
    )


@page(PB_DECIDE)
@require_POST
def review_reject(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(pk)
    form = RejectForm(request.POST)
    return _review_action(
        request,
        project,
        form,
        "reject_form",
        lambda: reject_project(actor(request), project, form.cleaned_data["reason"]),
        _("%(code)s was rejected.") % {"code": project.code},
    )


@page(PB_DECIDE)
@require_POST
def review_merge(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(pk)
    form = MergeForm(request.POST, project=project)
    if not form.is_valid():
        return _review_page(request, project, 400, merge_form=form)
    target: Project = form.cleaned_data["target"]
    return _review_action(
        request,
        project,
        form,
        "merge_form",
        lambda: merge_projects(actor(request), project, target, form.cleaned_data["note"]),
        _("%(code)s was merged into %(target)s.") % {"code": project.code, "target": target.code},
        then=lambda: redirect("staff:pb:review_project", pk=target.pk),
    )


@page(PB_DECIDE)
@require_POST
def review_hide(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(pk)
    if request.POST.get("action") == "restore":
        try:
            restore_project(actor(request), project)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The proposal is visible again."))
        return _after_review(project)
    form = HideForm(request.POST)
    return _review_action(
        request,
        project,
        form,
        "hide_form",
        lambda: hide_project(actor(request), project, form.cleaned_data["reason"]),
        _("The proposal is hidden from residents."),
    )


# --- Comment moderation ---------------------------------------------------------------

COMMENT_FILTERS = (
    ("", gettext_lazy("All")),
    ("visible", gettext_lazy("Visible")),
    ("hidden", gettext_lazy("Hidden")),
)


@page(PB_READERS)
def comments(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    show = request.GET.get("show", "")
    qs = (
        Comment.objects.filter(project__process=process)
        .select_related("project", "author")
        .order_by("-created_at", "-pk")
    )
    if show == "visible":
        qs = qs.filter(hidden_at__isnull=True)
    elif show == "hidden":
        qs = qs.filter(hidden_at__isnull=False)
    paged = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/budgeting/review_comments.html",
        _ctx(
            request,
            process=process,
            page=paged,
            show=show,
            filters=COMMENT_FILTERS,
            query=urlencode({"show": show}) if show else "",
            can_moderate=_can(request, PB_DECIDE),
        ),
    )


@page(PB_DECIDE)
@require_POST
def comment_hide(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("project__process"), pk=pk)
    back = reverse("staff:pb:comments", args=[comment.project.process.slug])
    if request.POST.get("action") == "restore":
        restore_comment(actor(request), comment)
        messages.success(request, _("The comment is visible again."))
        return redirect(back)
    try:
        hide_comment(actor(request), comment, request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("The comment is hidden."))
    return redirect(f"{back}#comment-{comment.pk}")


# --- Delivery -------------------------------------------------------------------------


@page(PB_READERS)
def delivery(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    funded = (
        Project.objects.filter(process=process)
        .funded()
        .select_related("unit")
        .order_by("unit__position", "unit__pk", "code")
    )
    rows = [(project, money(project.cost, process.currency)) for project in funded]
    return render(
        request,
        "staff/budgeting/delivery_list.html",
        _ctx(
            request,
            process=process,
            rows=rows,
            results_out=process.phase == Phase.RESULTS,
            can_update=_can(request, PB_DELIVERY),
        ),
    )


@page(PB_READERS)
def delivery_project(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(pk)
    can_update = _can(request, PB_DELIVERY) and project.is_funded
    form = DeliveryForm(
        request.POST or None,
        initial={"status": project.delivery_status, "progress": project.delivery_progress},
    )
    status = 200
    if request.method == "POST":
        if not can_update:
            return forbidden(request)
        if form.is_valid():
            try:
                record_delivery_update(
                    actor(request),
                    project,
                    form.cleaned_data["status"],
                    form.cleaned_data["progress"],
                    form.cleaned_data["note"],
                )
            except ValidationError as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("Update published."))
                return redirect("staff:pb:delivery_project", pk=project.pk)
        status = 400
    return render(
        request,
        "staff/budgeting/delivery_project.html",
        _ctx(
            request,
            process=project.process,
            project=project,
            cost=money(project.cost, project.process.currency),
            updates=project.delivery_updates.select_related("author"),
            form=form,
            can_update=can_update,
        ),
        status=status,
    )


urlpatterns = [
    path("", processes, name="processes"),
    path("new/", process_new, name="process_new"),
    path("units/<int:pk>/", unit_edit, name="unit_edit"),
    path("proposals/<int:pk>/", review_project, name="review_project"),
    path("proposals/<int:pk>/assess/", review_assess, name="review_assess"),
    path("proposals/<int:pk>/accept/", review_accept, name="review_accept"),
    path("proposals/<int:pk>/reject/", review_reject, name="review_reject"),
    path("proposals/<int:pk>/merge/", review_merge, name="review_merge"),
    path("proposals/<int:pk>/hide/", review_hide, name="review_hide"),
    path("comments/<int:pk>/hide/", comment_hide, name="comment_hide"),
    path("delivery/<int:pk>/", delivery_project, name="delivery_project"),
    path("<slug:slug>/", process_dashboard, name="process"),
    path("<slug:slug>/edit/", process_edit, name="process_edit"),
    path("<slug:slug>/publish/", process_publish, name="process_publish"),
    path("<slug:slug>/units/", units, name="units"),
    path("<slug:slug>/categories/", categories, name="categories"),
    path("<slug:slug>/review/", review, name="review"),
    path("<slug:slug>/comments/", comments, name="comments"),
    path("<slug:slug>/delivery/", delivery, name="delivery"),
]
