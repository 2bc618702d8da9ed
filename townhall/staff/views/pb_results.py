"""Back office: count a closed process, preview the outcome with the comparison between
rules, publish it; and import past elections from Pabulib ``.pb`` files.

Who: supervisors and administrators count (a count is private until published and can be
repeated); only administrators publish and import; analysts may read the preview.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from townhall.budgeting.models import Ballot, Process, Rule
from townhall.budgeting.pabulib_io import PabulibImportError
from townhall.budgeting.results import (
    CountingError,
    counting_problem,
    current_results,
    describe,
    unsettled_paper_sheets,
)
from townhall.budgeting.services import count_process, import_pabulib, publish_results
from townhall.places.models import Jurisdiction
from townhall.staff.http import actor
from townhall.staff.permissions import PB_DECIDE, PB_SETUP, nav_for, page
from townhall.staff.views.pb_nav import PB_RESULTS_READERS
from townhall.staff.views.pb_setup import money

RESULTS_READERS = PB_RESULTS_READERS
COUNTERS = PB_DECIDE
PUBLISHERS = PB_SETUP
IMPORTERS = PB_SETUP
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024  # the largest real Pabulib files are ~3 MB


def _process(slug: str) -> Process:
    return get_object_or_404(Process.objects.select_related("jurisdiction"), slug=slug)


def _role_in(request: HttpRequest, roles: frozenset[str]) -> bool:
    return getattr(request.user, "role", None) in roles


@page(RESULTS_READERS)
def results(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    found = current_results(process)
    formatter = partial(money, currency=process.currency)
    reports = [describe(r, formatter) for r in found]
    ballots = Ballot.objects.filter(process=process).count()
    context = {
        "nav": nav_for(request.user),
        "process": process,
        "phase": process.phase,
        "reports": reports,
        "ballots": ballots,
        "problem": counting_problem(process),
        "unsettled": unsettled_paper_sheets(process),
        "can_count": _role_in(request, COUNTERS),
        "can_publish": _role_in(request, PUBLISHERS),
        "public_url": reverse("budgeting:results", args=[process.slug])
        if process.results_published_at and process.is_published
        else "",
        "total_budget": formatter(sum(u.budget for u in process.units.all())),
    }
    return render(request, "staff/budgeting/results_process.html", context)


@page(COUNTERS)
@require_POST
def count(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    try:
        counted = count_process(actor(request), process)
    except CountingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Counted %(units)d budget units. Check the outcome, then publish it.")
            % {"units": len(counted)},
        )
    return redirect("staff:pb:results", slug=process.slug)


@page(PUBLISHERS)
@require_POST
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    try:
        publish_results(actor(request), process)
    except CountingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The results are published. Residents can see them now."))
    return redirect("staff:pb:results", slug=process.slug)


# --- Import ------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pb,text/plain"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    pb_files = MultipleFileField(
        label=gettext_lazy("Pabulib files (.pb)"),
        help_text=gettext_lazy(
            "One file per budget: for example a district's vote and the citywide vote of "
            "the same year. They become one process with a budget unit per file."
        ),
    )
    slug = forms.SlugField(
        label=gettext_lazy("Web address"),
        max_length=80,
        help_text=gettext_lazy("Lower-case letters, digits and hyphens, like warsaw-2022."),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave empty to take it from the files."),
    )
    rule = forms.ChoiceField(
        label=gettext_lazy("Counting rule when a file does not name one"),
        choices=Rule.choices,
        initial=Rule.MES,
        help_text=gettext_lazy(
            "A file whose META names greedy, equal shares or Phragmén is counted with that "
            "rule; any other file (greedy with a threshold, a city's custom rule...) with this "
            "one."
        ),
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Show the process to residents"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Its results still need to be counted and published."),
    )

    def clean_pb_files(self) -> list[Any]:
        files: list[Any] = self.cleaned_data["pb_files"]
        limit = int(settings.TOWNHALL.get("PB_IMPORT_MAX_BYTES", DEFAULT_MAX_FILE_BYTES))
        for upload in files:
            if upload.size > limit:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(limit)d MB.")
                    % {"name": upload.name, "limit": limit // (1024 * 1024)}
                )
        return files


@page(IMPORTERS)
def import_files(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        jurisdiction = Jurisdiction.objects.default()
        data = form.cleaned_data
        if jurisdiction is None:
            form.add_error(None, _("Set up the city first."))
        else:
            uploads = [(f.name, f.read()) for f in data["pb_files"]]
            try:
                process = import_pabulib(
                    actor(request),
                    jurisdiction,
                    uploads,
                    data["slug"],
                    data["title"] or None,
                    rule=data["rule"],
                    publish=data["publish"],
                )
            except PabulibImportError as exc:
                form.add_error("pb_files" if exc.file else None, str(exc))
            else:
                messages.success(
                    request,
                    _("Imported %(title)s. Count the votes to see and publish its results.")
                    % {"title": process.title},
                )
                return redirect("staff:pb:results", slug=process.slug)
    return render(
        request,
        "staff/budgeting/results_import.html",
        {"nav": nav_for(request.user), "form": form},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    # "new" is a reserved process address, so this cannot be taken for a process's page.
    path("new/import/", import_files, name="import"),
    path("<slug:slug>/results/", results, name="results"),
    path("<slug:slug>/results/count/", count, name="results_count"),
    path("<slug:slug>/results/publish/", publish, name="results_publish"),
]
