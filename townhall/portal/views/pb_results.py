"""Residents' participatory-budgeting results: winners, the comparison between counting
rules, why projects were not funded, and the anonymised ballots (.pb) to recount.

Nothing here is shown before the results are published: until then the pages answer 404
(with a "not yet" page for a process residents can already see).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from townhall.budgeting.models import Process, UnitResult
from townhall.budgeting.results import UnitReport, current_results, describe
from townhall.portal.views.pb_ideas import money

NAV = "budgeting"


def _process(slug: str) -> Process:
    return get_object_or_404(Process.objects.published().select_related("jurisdiction"), slug=slug)


def _not_yet(request: HttpRequest, process: Process) -> HttpResponse:
    return render(
        request,
        "portal/budgeting/results_not_yet.html",
        {
            "process": process,
            "nav": NAV,
            "still_voting": timezone.now() < process.voting_close_at,
        },
        status=404,
    )


def _linked(report: UnitReport, process: Process) -> UnitReport:
    """Give each project line the address of its project page."""
    for line in report.projects:
        try:
            line.url = reverse("budgeting:project", args=[process.slug, line.project.code])
        except NoReverseMatch:  # a code that cannot be part of an address
            line.url = ""
    return report


def recount_command(result: UnitResult, filename: str) -> str:
    """The command line that recounts a downloaded file with the official rule."""
    parts = ["townhall pb tally", filename, f"--rule {result.rule}"]
    if result.rule != "phragmen":
        parts.append(f"--satisfaction {result.satisfaction}")
    if result.completion != "none":
        parts.append(f"--completion {result.completion}")
    return " ".join(parts)


def file_name(process: Process, result: UnitResult) -> str:
    unit = slugify(result.unit.name) or f"unit-{result.unit_id}"
    return f"{process.slug}-{unit}.pb"


def _downloads(process: Process, results: list[UnitResult]) -> list[dict[str, Any]]:
    return [
        {
            "unit": r.unit,
            "name": file_name(process, r),
            "sha256": r.pb_sha256,
            "command": recount_command(r, file_name(process, r)),
        }
        for r in results
    ]


@require_GET
def results(request: HttpRequest, slug: str) -> HttpResponse:
    process = _process(slug)
    found = current_results(process) if process.results_published_at else []
    if not found:
        return _not_yet(request, process)
    formatter = partial(money, currency=process.currency)
    reports = [_linked(describe(r, formatter), process) for r in found]
    context = {
        "process": process,
        "nav": NAV,
        "reports": reports,
        "report": reports[0] if len(reports) == 1 else None,
        "downloads": _downloads(process, found),
        "official": reports[0].official,
        "total_budget": formatter(sum(r.budget for r in found)),
        "total_spent": formatter(sum(r.cost for r in found)),
    }
    return render(request, "portal/budgeting/results.html", context)


@require_GET
def unit_results(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    process = _process(slug)
    if not process.results_published_at:
        return _not_yet(request, process)
    result = next((r for r in current_results(process) if r.unit_id == pk), None)
    if result is None:
        raise Http404
    report = _linked(describe(result, partial(money, currency=process.currency)), process)
    context = {
        "process": process,
        "nav": NAV,
        "report": report,
        "official": report.official,
        "downloads": _downloads(process, [result]),
        "several_units": process.units.count() > 1,
    }
    return render(request, "portal/budgeting/results_unit.html", context)


@require_GET
def results_file(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The published ballots of one unit: the exact bytes whose SHA-256 the page prints."""
    process = _process(slug)
    if not process.results_published_at:
        raise Http404
    result = next((r for r in current_results(process) if r.unit_id == pk), None)
    if result is None:
        raise Http404
    response = HttpResponse(
        result.pb_file.encode("utf-8"), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name(process, result)}"'
    response["X-Content-SHA256"] = result.pb_sha256
    return response


urlpatterns = [
    path("<slug:slug>/results/", results, name="results"),
    path("<slug:slug>/results/<int:pk>/", unit_results, name="results_unit"),
    path("<slug:slug>/results/<int:pk>.pb", results_file, name="results_file"),
]
