"""Participatory-budgeting test data built straight on the models (the services that create
processes are themselves under test elsewhere)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from townhall.budgeting.models import (
    BallotKind,
    BudgetUnit,
    Category,
    Process,
    Project,
    ProjectStatus,
)
from townhall.places.models import Area, Jurisdiction

# Where "now" falls in a process's calendar for each phase, in days from the opening of ideas.
_PHASE_OFFSET = {"upcoming": 5, "ideas": -5, "review": -25, "voting": -45, "counting": -70}


def make_process(
    city: Jurisdiction,
    *,
    phase: str = "voting",
    kind: str = BallotKind.APPROVAL,
    slug: str = "pb-2027",
    citywide_budget: int = 100_000_00,
    district_budget: int = 40_000_00,
    **options: object,
) -> Process:
    """A published process in ``phase`` with a citywide unit and one unit per district of
    ``city``, two categories, and three projects on the ballot in each unit."""
    start = timezone.now() + timedelta(days=_PHASE_OFFSET.get(phase, -70))
    process = Process.objects.create(
        jurisdiction=city,
        slug=slug,
        title="Riverton Decides 2027",
        summary="Decide how to spend part of the city budget.",
        is_published=phase != "draft",
        ideas_open_at=start,
        ideas_close_at=start + timedelta(days=20),
        voting_open_at=start + timedelta(days=40),
        voting_close_at=start + timedelta(days=60),
        results_published_at=timezone.now() if phase == "results" else None,
        ballot_kind=kind,
        **options,
    )
    green = Category.objects.create(process=process, name="Green spaces", position=1)
    streets = Category.objects.create(process=process, name="Streets", position=2)
    units = [BudgetUnit.objects.create(process=process, name="Citywide", budget=citywide_budget)]
    for position, area in enumerate(Area.objects.filter(jurisdiction=city).order_by("code"), 1):
        units.append(
            BudgetUnit.objects.create(
                process=process,
                name=area.name,
                area=area,
                budget=district_budget,
                position=position,
            )
        )
    number = 0
    for unit in units:
        for title, cost, category in (
            ("Tree planting", unit.budget // 2, green),
            ("Safer crossings", unit.budget // 3, streets),
            ("Community garden", unit.budget // 4, green),
        ):
            number += 1
            project = Project.objects.create(
                process=process,
                unit=unit,
                code=str(number),
                title=f"{title} ({unit.name})",
                description=f"{title} for {unit.name}.",
                estimated_cost=cost,
                status=ProjectStatus.ON_BALLOT if phase != "ideas" else ProjectStatus.PROPOSED,
            )
            project.categories.add(category)
    return process
