"""Idea collection: residents propose projects, support them and talk about them.

Every verb here takes the acting person first, checks the phase of the process, writes in
one transaction and records one audit event. Bad input raises Django's
:class:`~django.core.exceptions.ValidationError` before anything is written: a dict keyed
by the argument at fault (``title``, ``estimated_cost``, ``location``, ``photos``...) for
input mistakes, a plain message with a ``code`` for a closed phase or a missing sign-in.
"""

from __future__ import annotations

import numbers
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from townhall.audit import record
from townhall.budgeting.models import (
    BudgetUnit,
    Category,
    Comment,
    Phase,
    Process,
    Project,
    ProjectPhoto,
    ProjectStatus,
    Support,
)
from townhall.lib import images
from townhall.lib.actors import Actor
from townhall.lib.geo import valid_lat_lon
from townhall.places.models import Area

MAX_TITLE_CHARS = 200
MAX_ADDRESS_CHARS = 300
MAX_ALT_CHARS = 300
MAX_COMMENT_CHARS = 2000
# The phases in which each verb is open.
COMMENT_PHASES = (Phase.IDEAS, Phase.REVIEW, Phase.VOTING)


@dataclass(frozen=True)
class PhotoUpload:
    """A photo as uploaded (any accepted format, any metadata) and its text alternative."""

    content: bytes
    alt_text: str
    name: str = ""


# --- Reading helpers the pages share -----------------------------------------------------


def max_description_chars() -> int:
    return int(settings.TOWNHALL["MAX_DESCRIPTION_CHARS"])


def max_photos() -> int:
    return int(settings.TOWNHALL["MAX_PHOTOS"])


def can_propose(process: Process) -> bool:
    return process.phase == Phase.IDEAS


def can_support(project: Project) -> bool:
    return (
        project.process.phase == Phase.IDEAS
        and project.status == ProjectStatus.PROPOSED
        and not project.hidden
    )


def can_comment(project: Project) -> bool:
    return (
        project.process.phase in COMMENT_PHASES
        and project.status != ProjectStatus.WITHDRAWN
        and not project.hidden
    )


def next_code(process: Process) -> str:
    """One more than the highest numeric code in the process (imported codes may be any
    text; a proposal never reuses one)."""
    taken = set(Project.objects.filter(process=process).values_list("code", flat=True))
    highest = max((int(code) for code in taken if code.isdigit()), default=0)
    number = highest + 1
    while str(number) in taken:
        number += 1
    return str(number)


# --- Verbs -------------------------------------------------------------------------------


def submit_proposal(
    actor: Actor,
    process: Process,
    *,
    unit: BudgetUnit,
    title: str,
    description: str,
    estimated_cost: int,
    categories: Iterable[Category] = (),
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    photos: Sequence[PhotoUpload] = (),
) -> Project:
    """A resident's idea, filed during idea collection with the next free project code."""
    _require_resident(actor)
    _require_phase(process, (Phase.IDEAS,), _("Idea collection is closed for this process."))
    categories = list(categories)
    title, description, address = title.strip(), description.strip(), address.strip()
    problems: dict[str, list[str]] = {}

    def problem(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if unit.process_id != process.pk:
        problem("unit", _("Choose one of this process's budgets."))
    if not title:
        problem("title", _("Give your idea a title."))
    elif len(title) > MAX_TITLE_CHARS:
        problem(
            "title",
            _("The title is too long: use at most %(n)d characters.") % {"n": MAX_TITLE_CHARS},
        )
    if not description:
        problem("description", _("Describe your idea."))
    elif len(description) > max_description_chars():
        problem(
            "description",
            _("The description is too long: use at most %(n)d characters.")
            % {"n": max_description_chars()},
        )
    if isinstance(estimated_cost, bool) or not isinstance(estimated_cost, numbers.Integral):
        problem("estimated_cost", _("Enter the estimated cost as an amount of money."))
    elif estimated_cost < 1:
        problem("estimated_cost", _("The estimated cost must be more than zero."))
    elif unit.process_id == process.pk and estimated_cost > unit.budget:
        problem(
            "estimated_cost",
            _("The estimated cost is more than the whole budget of %(unit)s.")
            % {"unit": unit.name},
        )
    if any(c.process_id != process.pk for c in categories):
        problem("categories", _("Choose categories of this process."))
    if len(address) > MAX_ADDRESS_CHARS:
        problem(
            "address",
            _("The place is too long: use at most %(n)d characters.") % {"n": MAX_ADDRESS_CHARS},
        )
    if (lat is None) != (lon is None) or (
        lat is not None and lon is not None and not valid_lat_lon(lat, lon)
    ):
        problem("location", _("The map position is not valid. Place the pin again."))
    elif lat is not None and lon is not None and unit.process_id == process.pk:
        message = _outside(process, unit, lat, lon)
        if message:
            problem("location", message)
    cleaned = _clean_photos(photos, problems)
    if problems:
        raise ValidationError(problems)

    with transaction.atomic():
        # Serialises proposals in one process (PostgreSQL), so two never take the same code.
        Process.objects.select_for_update().filter(pk=process.pk).first()
        project = Project.objects.create(
            process=process,
            unit=unit,
            code=next_code(process),
            title=title,
            description=description,
            estimated_cost=int(estimated_cost),
            lat=lat,
            lon=lon,
            address=address,
            status=ProjectStatus.PROPOSED,
            author=actor.user,
        )
        project.categories.set(categories)
        for position, (image, alt_text) in enumerate(cleaned):
            photo = ProjectPhoto(
                project=project,
                alt_text=alt_text,
                content_type=image.content_type,
                position=position,
            )
            photo.image.save(
                f"{uuid.uuid4().hex}.{image.extension}", ContentFile(image.content), save=False
            )
            photo.save()
        record(
            actor,
            "pb.idea.submitted",
            project,
            process=process.slug,
            code=project.code,
            unit=unit.pk,
            photos=len(cleaned),
        )
    return project


def withdraw_proposal(actor: Actor, project: Project) -> Project:
    """The author takes back their idea while it has not been reviewed."""
    _require_resident(actor)
    if project.author_id is None or project.author_id != actor.user_id:
        raise ValidationError(_("Only the person who proposed an idea can withdraw it."), "author")
    _require_phase(
        project.process, (Phase.IDEAS, Phase.REVIEW), _("Ideas can no longer be withdrawn.")
    )
    if project.status != ProjectStatus.PROPOSED:
        raise ValidationError(_("This idea has already been reviewed or withdrawn."), "status")
    with transaction.atomic():
        project.status = ProjectStatus.WITHDRAWN
        project.save(update_fields=["status"])
        record(actor, "pb.idea.withdrawn", project, code=project.code)
    return project


def support_project(actor: Actor, project: Project) -> Support:
    """One "I support this idea" per person and idea, during idea collection."""
    _require_resident(actor)
    _require_phase(
        project.process,
        (Phase.IDEAS,),
        _("Ideas can only be supported while they are being collected."),
    )
    if project.hidden or project.status != ProjectStatus.PROPOSED:
        raise ValidationError(_("This idea cannot be supported."), "status")
    if Support.objects.filter(project=project, user=actor.user).exists():
        raise ValidationError(_("You already support this idea."), "duplicate")
    try:
        with transaction.atomic():
            support = Support.objects.create(project=project, user=actor.user)
            record(actor, "pb.idea.supported", project, code=project.code)
    except IntegrityError:  # a second click that raced the first
        raise ValidationError(_("You already support this idea."), "duplicate") from None
    return support


def withdraw_support(actor: Actor, project: Project) -> None:
    _require_resident(actor)
    _require_phase(
        project.process,
        (Phase.IDEAS,),
        _("Support can only be changed while ideas are being collected."),
    )
    found = Support.objects.filter(project=project, user=actor.user)
    if not found.exists():
        raise ValidationError(_("You do not support this idea."), "missing")
    with transaction.atomic():
        found.delete()
        record(actor, "pb.idea.support_withdrawn", project, code=project.code)


def add_comment(actor: Actor, project: Project, body: str) -> Comment:
    """A public comment on an idea or project, while ideas, review or voting are open."""
    _require_resident(actor)
    _require_phase(project.process, COMMENT_PHASES, _("Comments are closed for this process."))
    if project.hidden or project.status == ProjectStatus.WITHDRAWN:
        raise ValidationError(_("Comments are closed for this project."), "status")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write your comment.")]})
    if len(body) > MAX_COMMENT_CHARS:
        raise ValidationError(
            {
                "body": [
                    _("The comment is too long: use at most %(n)s characters (it has %(count)s).")
                    % {
                        "n": number_format(MAX_COMMENT_CHARS, force_grouping=True),
                        "count": number_format(len(body), force_grouping=True),
                    }
                ]
            }
        )
    with transaction.atomic():
        comment = Comment.objects.create(project=project, author=actor.user, body=body)
        record(actor, "pb.comment.added", comment, project=project.pk, code=project.code)
    return comment


# --- Checks ------------------------------------------------------------------------------


def _require_resident(actor: Actor) -> None:
    user = actor.user
    if user is None or not getattr(user, "is_active", False):
        raise ValidationError(_("Sign in to take part."), "sign_in")


def _require_phase(process: Process, phases: Sequence[Phase], message: str) -> None:
    if process.phase_at(timezone.now()) not in phases:
        raise ValidationError(message, "closed")


def _outside(process: Process, unit: BudgetUnit, lat: float, lon: float) -> str:
    """Why the point cannot be this unit's, or "" when it can."""
    areas = Area.objects.in_jurisdiction(process.jurisdiction)
    if unit.area_id is not None:
        own = areas.filter(pk=unit.area_id)
        if own.mapped().exists() and own.containing(lat, lon) is None:
            return _(
                "The place is outside %(unit)s. Move the pin inside %(unit)s, or choose the "
                "budget of the district where the place is."
            ) % {"unit": unit.name}
        return ""
    if areas.mapped().exists() and areas.containing(lat, lon) is None:
        return _("The place is outside %(city)s. Move the pin inside the city boundary.") % {
            "city": process.jurisdiction.name
        }
    return ""


def _clean_photos(
    photos: Sequence[PhotoUpload], problems: dict[str, list[str]]
) -> list[tuple[images.CleanImage, str]]:
    limits = settings.TOWNHALL
    if len(photos) > max_photos():
        problems.setdefault("photos", []).append(
            _("Choose at most %(count)d photos.") % {"count": max_photos()}
        )
        return []
    cleaned = []
    for number, upload in enumerate(photos, 1):
        label = upload.name[:80] or _("Photo %(n)d") % {"n": number}
        alt_text = upload.alt_text.strip()
        if not alt_text:
            problems.setdefault("photos", []).append(
                _("%(name)s: describe what the photo shows, for people who cannot see it.")
                % {"name": label}
            )
        elif len(alt_text) > MAX_ALT_CHARS:
            problems.setdefault("photos", []).append(
                _("%(name)s: the description is too long: use at most %(n)d characters.")
                % {"name": label, "n": MAX_ALT_CHARS}
            )
        try:
            image = images.reencode(
                upload.content,
                max_bytes=int(limits["MAX_UPLOAD_BYTES"]),
                max_pixels=int(limits["MAX_IMAGE_PIXELS"]),
            )
        except images.ImageProblem as exc:
            problems.setdefault("photos", []).append(
                _("%(name)s: %(problem)s") % {"name": label, "problem": describe_image_problem(exc)}
            )
            continue
        cleaned.append((image, alt_text))
    return cleaned


def describe_image_problem(problem: images.ImageProblem) -> str:
    """The same words the service desk uses (``lib.images.describe``)."""
    return images.describe(problem, _, lambda n: number_format(n, force_grouping=True))


__all__ = [
    "PhotoUpload",
    "add_comment",
    "can_comment",
    "can_propose",
    "can_support",
    "submit_proposal",
    "support_project",
    "withdraw_proposal",
    "withdraw_support",
]
