"""Setting a process up: its calendar, ballot and counting rule, its budget units and
categories, and publishing it.

The checks that matter most are the ones that keep a vote honest: the calendar runs in
order (ideas, then review, then voting), the ballot settings fit the ballot kind, the
counting rule can count that ballot (the same table the counting core uses), and once
voting has opened nothing that shapes the ballot or the count can change: not the ballot,
not the rule, not the units or their budgets. Only the texts and a later closing time may
still be edited then.

Every function validates everything before writing anything, raises
:class:`django.core.exceptions.ValidationError` (keyed by field where there is one) on bad
input, and writes in one transaction with one audit event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.audit import record
from townhall.budgeting.models import (
    PABULIB_VOTE_TYPE,
    BallotKind,
    BudgetUnit,
    Category,
    Completion,
    Process,
    Rule,
)
from townhall.budgeting.rules import satisfactions_for
from townhall.lib.actors import Actor
from townhall.places.models import Area, Jurisdiction

# What a process's form may set. Anything else (salt, source, publication) has its own verb.
TEXT_FIELDS = ("title", "summary", "description")
DATE_FIELDS = ("ideas_open_at", "ideas_close_at", "voting_open_at", "voting_close_at")
BALLOT_FIELDS = (
    "ballot_kind",
    "min_choices",
    "max_choices",
    "points_total",
    "max_points_per_project",
    "min_spend_percent",
    "one_district_per_voter",
)
COUNTING_FIELDS = ("rule", "satisfaction", "completion")
PROCESS_FIELDS = (
    "slug",
    *TEXT_FIELDS,
    "currency",
    *DATE_FIELDS,
    *BALLOT_FIELDS,
    *COUNTING_FIELDS,
)
# The web address stays what it was when the process was created (links and files use it).
UPDATABLE_FIELDS = tuple(f for f in PROCESS_FIELDS if f != "slug")
# Once voting has opened only these may change (and the closing time only to a later one).
EDITABLE_DURING_VOTING = (*TEXT_FIELDS, "voting_close_at")

# Path segments of the back office that a process slug must not take.
RESERVED_SLUGS = frozenset(
    {"new", "units", "proposals", "comments", "delivery", "census", "codes", "paper", "results"}
)

# Rules that count ballots of these Pabulib vote types (Phragmén needs approval ballots).
PHRAGMEN_VOTE_TYPES = ("approval", "choose-1")


def voting_has_opened(process: Process, now: datetime | None = None) -> bool:
    """Whether voters may already have seen the ballot: from then on it is frozen."""
    return process.is_published and (now or timezone.now()) >= process.voting_open_at


def create_process(actor: Actor, jurisdiction: Jurisdiction, **fields: Any) -> Process:
    """A new, unpublished process. ``fields`` are Process fields from :data:`PROCESS_FIELDS`."""
    _only_known(fields, PROCESS_FIELDS)
    process = Process(jurisdiction=jurisdiction, **fields)
    _normalise(process)
    _validate(process)
    with transaction.atomic():
        process.save()
        record(actor, "pb.process.created", process, slug=process.slug, title=process.title)
    return process


def update_process(actor: Actor, process: Process, **fields: Any) -> Process:
    """Change a process's settings. Once voting has opened only the texts and a later
    closing time may change; anything else raises a ValidationError naming the field."""
    _only_known(fields, UPDATABLE_FIELDS)
    with transaction.atomic():
        current = Process.objects.select_for_update().get(pk=process.pk)
        opened = voting_has_opened(current)
        # Compared over every setting: normalising may clear ones that were not passed.
        before = {name: getattr(current, name) for name in UPDATABLE_FIELDS}
        for name, value in fields.items():
            setattr(current, name, value)
        _normalise(current)
        changed = {
            name: (before[name], getattr(current, name))
            for name in UPDATABLE_FIELDS
            if before[name] != getattr(current, name)
        }
        if opened:
            frozen = {
                name: _("This cannot change once voting has opened.")
                for name in changed
                if name not in EDITABLE_DURING_VOTING
            }
            if frozen:
                raise ValidationError(frozen)
            if "voting_close_at" in changed and current.voting_close_at <= max(
                before["voting_close_at"], timezone.now()
            ):
                raise ValidationError(
                    {"voting_close_at": _("While voting is open it can only close later.")}
                )
            if "voting_close_at" in changed and current.results_published_at is not None:
                raise ValidationError(
                    {"voting_close_at": _("The results are published: voting is over.")}
                )
        _validate(current)
        if changed:
            current.save(update_fields=list(changed))
        record(
            actor,
            "pb.process.updated",
            current,
            before={k: _plain(v[0]) for k, v in changed.items()},
            after={k: _plain(v[1]) for k, v in changed.items()},
        )
    _copy_into(process, current)
    return current


def publish_process(actor: Actor, process: Process) -> Process:
    """Make a process visible to residents. It needs at least one budget unit."""
    with transaction.atomic():
        current = Process.objects.select_for_update().get(pk=process.pk)
        if current.is_published:
            raise ValidationError(_("This process is already published."))
        if not current.units.exists():
            raise ValidationError(_("Add at least one budget unit before publishing."))
        _validate(current)
        current.is_published = True
        current.save(update_fields=["is_published"])
        record(actor, "pb.process.published", current, slug=current.slug)
    process.is_published = True
    return current


def add_unit(
    actor: Actor,
    process: Process,
    *,
    name: str,
    budget: int,
    area: Area | None = None,
    position: int | None = None,
) -> BudgetUnit:
    """A budget counted on its own: citywide (no area) or one district's (one per area)."""
    with transaction.atomic():
        current = Process.objects.select_for_update().get(pk=process.pk)
        _not_frozen(current, _("Budget units cannot be added once voting has opened."))
        if position is None:
            position = current.units.count()
        unit = BudgetUnit(
            process=current, name=(name or "").strip(), budget=budget, area=area, position=position
        )
        _validate_unit(unit)
        unit.save()
        record(
            actor,
            "pb.unit.added",
            unit,
            process=current.slug,
            name=unit.name,
            budget=unit.budget,
            area=area.code if area else None,
        )
    return unit


def update_unit(actor: Actor, unit: BudgetUnit, **fields: Any) -> BudgetUnit:
    """Rename a unit, change its budget, area or position; not once voting has opened."""
    _only_known(fields, ("name", "budget", "area", "position"))
    with transaction.atomic():
        current = BudgetUnit.objects.select_for_update().get(pk=unit.pk)
        process = Process.objects.select_for_update().get(pk=current.process_id)
        _not_frozen(process, _("Budget units cannot change once voting has opened."))
        before = {name: getattr(current, name) for name in fields}
        for name, value in fields.items():
            setattr(current, name, value.strip() if name == "name" else value)
        _validate_unit(current)
        changed = [name for name in fields if before[name] != getattr(current, name)]
        if changed:
            current.save(update_fields=changed)
        record(
            actor,
            "pb.unit.updated",
            current,
            before={k: _plain(before[k]) for k in changed},
            after={k: _plain(getattr(current, k)) for k in changed},
        )
    return current


def add_category(
    actor: Actor, process: Process, name: str, position: int | None = None
) -> Category:
    """A theme projects can be filed under (green spaces, streets, culture, ...)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the category a name.")})
    if len(name) > Category._meta.get_field("name").max_length:  # type: ignore[operator]
        raise ValidationError({"name": _("Keep the name under 100 characters.")})
    with transaction.atomic():
        if process.categories.filter(name__iexact=name).exists():
            raise ValidationError({"name": _("A category with this name already exists.")})
        if position is None:
            position = process.categories.count() + 1
        category = Category.objects.create(process=process, name=name, position=position)
        record(actor, "pb.category.added", category, process=process.slug, name=category.name)
    return category


# --- validation -----------------------------------------------------------------------


def _only_known(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"unknown process fields: {', '.join(unknown)}")


def _normalise(process: Process) -> None:
    """Settings that do not apply to the chosen ballot are cleared, so that what is stored
    is what the ballot page and the count will use."""
    kind = process.ballot_kind
    if kind != BallotKind.CUMULATIVE:
        process.points_total = None
        process.max_points_per_project = None
    if kind != BallotKind.KNAPSACK:
        process.min_spend_percent = 0
    if kind == BallotKind.CHOOSE_ONE:
        process.min_choices, process.max_choices = 1, 1
    if process.rule == Rule.PHRAGMEN:
        # Phragmén has no satisfaction measure: voters count a funded project as one.
        process.satisfaction = "cardinality"
    process.slug = (process.slug or "").strip().lower()
    process.title = (process.title or "").strip()
    process.currency = (process.currency or "").strip().upper()


def _validate(process: Process) -> None:
    errors: dict[str, list[str]] = {}
    try:
        process.full_clean(exclude=["jurisdiction"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if process.slug in RESERVED_SLUGS:
        errors.setdefault("slug", []).append(_("This address is reserved; choose another."))
    _check_calendar(process, errors)
    _check_ballot(process, errors)
    _check_counting(process, errors)
    if errors:
        raise ValidationError(errors)


def _check_calendar(process: Process, errors: dict[str, list[str]]) -> None:
    dates = [getattr(process, name) for name in DATE_FIELDS]
    if any(d is None for d in dates):
        return  # full_clean has said which one is missing
    ideas_open, ideas_close, voting_open, voting_close = dates
    if not ideas_open < ideas_close:
        errors.setdefault("ideas_close_at", []).append(
            _("Idea collection must close after it opens.")
        )
    if not ideas_close <= voting_open:
        errors.setdefault("voting_open_at", []).append(
            _("Voting cannot open before idea collection closes.")
        )
    if not voting_open < voting_close:
        errors.setdefault("voting_close_at", []).append(_("Voting must close after it opens."))


def _check_ballot(process: Process, errors: dict[str, list[str]]) -> None:
    kind = process.ballot_kind
    if kind == BallotKind.CUMULATIVE:
        if not process.points_total:
            errors.setdefault("points_total", []).append(
                _("A cumulative ballot needs the number of points each voter shares out.")
            )
        elif (
            process.max_points_per_project is not None
            and process.max_points_per_project > process.points_total
        ):
            errors.setdefault("max_points_per_project", []).append(
                _("This cannot be more than the points each voter has.")
            )
        elif process.max_points_per_project == 0:
            errors.setdefault("max_points_per_project", []).append(
                _("Leave this empty for no limit, or give at least one point.")
            )
    if kind in (BallotKind.APPROVAL, BallotKind.KNAPSACK, BallotKind.RANKED):
        if process.max_choices is not None and process.min_choices > process.max_choices:
            errors.setdefault("max_choices", []).append(
                _("The maximum cannot be lower than the minimum.")
            )
        if process.max_choices == 0:
            errors.setdefault("max_choices", []).append(
                _("Leave this empty for no limit, or allow at least one project.")
            )


def _check_counting(process: Process, errors: dict[str, list[str]]) -> None:
    if process.ballot_kind not in BallotKind.values or process.rule not in Rule.values:
        return  # full_clean has said so
    vote_type = PABULIB_VOTE_TYPE[BallotKind(process.ballot_kind)]
    if process.rule == Rule.PHRAGMEN:
        if vote_type not in PHRAGMEN_VOTE_TYPES:
            errors.setdefault("rule", []).append(
                _("Sequential Phragmén counts approval and choose-one ballots only.")
            )
    elif process.satisfaction not in satisfactions_for(vote_type):
        errors.setdefault("satisfaction", []).append(
            _("This measure does not apply to this ballot; choose one of: %(choices)s.")
            % {"choices": ", ".join(satisfactions_for(vote_type))}
        )
    if process.completion != Completion.NONE and process.rule != Rule.MES:
        errors.setdefault("completion", []).append(
            _("Only the Method of Equal Shares has a completion step.")
        )


def _validate_unit(unit: BudgetUnit) -> None:
    errors: dict[str, list[str]] = {}
    if not unit.name:
        errors["name"] = [_("Give the budget unit a name.")]
    if unit.budget is None or unit.budget < 1:
        errors["budget"] = [_("The budget must be more than zero.")]
    if unit.area is not None:
        if unit.area.jurisdiction_id != unit.process.jurisdiction_id:
            errors["area"] = [_("This area is not in the process's city.")]
        elif (
            BudgetUnit.objects.filter(process_id=unit.process_id, area=unit.area)
            .exclude(pk=unit.pk)
            .exists()
        ):
            errors["area"] = [_("This area already has a budget unit.")]
    if (
        unit.name
        and BudgetUnit.objects.filter(process_id=unit.process_id, name=unit.name)
        .exclude(pk=unit.pk)
        .exists()
    ):
        errors["name"] = [_("A budget unit with this name already exists.")]
    if errors:
        raise ValidationError(errors)


def _not_frozen(process: Process, message: str) -> None:
    if voting_has_opened(process):
        raise ValidationError(message)


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a field value for the audit trail."""
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _copy_into(target: Process, source: Process) -> None:
    for field in Process._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
