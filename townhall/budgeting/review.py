"""Reviewing proposals: staff assess feasibility and cost, put projects on the ballot,
reject them with a public reason, merge duplicates; and moderation of comments and ideas.

Review decisions shape the ballot, so they are only possible before voting opens.
Moderation (hiding an abusive comment or idea) is possible at any time, except hiding a
project that is already on an open ballot, which would change the ballot under voters.

Every reason and note written here is public: residents see it on the idea's page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.audit import record
from townhall.budgeting.models import Comment, Process, Project, ProjectStatus, Support
from townhall.budgeting.setup import voting_has_opened
from townhall.lib.actors import Actor

# Projects a reviewer can still decide on (rejected ones can be reconsidered).
DECIDABLE = (ProjectStatus.PROPOSED, ProjectStatus.ON_BALLOT, ProjectStatus.REJECTED)
REASON_MAX = 2000
HIDE_REASON_MAX = 300


def assess_project(actor: Actor, project: Project, assessed_cost: int | None, note: str) -> Project:
    """Record the reviewers' cost (minor units; None keeps the resident's estimate) and a
    public note on feasibility."""
    note = _text(note, "note", REASON_MAX)
    if assessed_cost is not None and assessed_cost < 1:
        raise ValidationError({"assessed_cost": _("The cost must be more than zero.")})
    with transaction.atomic():
        current = _lock_for_review(project)
        before = {"assessed_cost": current.assessed_cost, "review_note": current.review_note}
        current.assessed_cost = assessed_cost
        current.review_note = note
        current.reviewed_at = timezone.now()
        current.save(update_fields=["assessed_cost", "review_note", "reviewed_at"])
        record(
            actor,
            "pb.project.assessed",
            current,
            before=before,
            assessed_cost=assessed_cost,
            note=note,
        )
    _refresh(project, current)
    return current


def accept_project(actor: Actor, project: Project, note: str = "") -> Project:
    """Put a proposal on the ballot. Its cost (assessed, or else estimated) must fit the
    budget of its unit, or it could never be funded."""
    note = _text(note, "note", REASON_MAX)
    with transaction.atomic():
        current = _lock_for_review(project)
        if current.hidden:
            raise ValidationError(_("A hidden proposal cannot go on the ballot."))
        if current.cost > current.unit.budget:
            raise ValidationError(
                _("It costs more than the whole budget of %(unit)s; assess the cost first.")
                % {"unit": current.unit.name}
            )
        before = current.status
        current.status = ProjectStatus.ON_BALLOT
        if note:
            current.review_note = note
        current.reviewed_at = timezone.now()
        current.save(update_fields=["status", "review_note", "reviewed_at"])
        record(actor, "pb.project.accepted", current, before=before, cost=current.cost, note=note)
    _refresh(project, current)
    return current


def reject_project(actor: Actor, project: Project, reason: str) -> Project:
    """Keep a proposal off the ballot, with the reason residents will read."""
    reason = _text(reason, "reason", REASON_MAX)
    if not reason:
        raise ValidationError({"reason": _("Give the reason residents will read.")})
    with transaction.atomic():
        current = _lock_for_review(project)
        before = current.status
        current.status = ProjectStatus.REJECTED
        current.review_note = reason
        current.reviewed_at = timezone.now()
        current.save(update_fields=["status", "review_note", "reviewed_at"])
        record(actor, "pb.project.rejected", current, before=before, reason=reason)
    _refresh(project, current)
    return current


def merge_projects(actor: Actor, source: Project, target: Project, note: str) -> Project:
    """Fold ``source`` into ``target``: the source is marked merged and points to the
    target, its supporters (and those of ideas merged into it before) support the target,
    each person once. Returns the target."""
    note = _text(note, "note", REASON_MAX)
    if not note:
        raise ValidationError({"note": _("Say why these ideas were merged; residents read it.")})
    if source.pk == target.pk:
        raise ValidationError({"target": _("A proposal cannot be merged into itself.")})
    with transaction.atomic():
        # Lock both in primary-key order so two opposite merges cannot deadlock.
        locked = {
            p.pk: p
            for p in Project.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        current, into = locked[source.pk], locked[target.pk]
        if current.process_id != into.process_id:
            raise ValidationError({"target": _("Both proposals must be in the same process.")})
        _check_reviewable(current)
        if into.status not in (ProjectStatus.PROPOSED, ProjectStatus.ON_BALLOT) or into.hidden:
            raise ValidationError(
                {"target": _("Merge into a proposal that is still open or on the ballot.")}
            )
        supporters = set(into.supports.values_list("user_id", flat=True))
        carried = [
            Support(project=into, user_id=support.user_id, created_at=support.created_at)
            for support in current.supports.order_by("created_at", "pk")
            if support.user_id not in supporters
        ]
        Support.objects.bulk_create(carried)
        # Ideas merged into the source before now point straight at the target.
        earlier = list(current.merged_from.values_list("pk", flat=True))
        Project.objects.filter(pk__in=earlier).update(merged_into=into)
        before = current.status
        current.status = ProjectStatus.MERGED
        current.merged_into = into
        current.review_note = note
        current.reviewed_at = timezone.now()
        current.save(update_fields=["status", "merged_into", "review_note", "reviewed_at"])
        record(
            actor,
            "pb.project.merged",
            current,
            before=before,
            into=into.pk,
            into_code=into.code,
            supporters_carried=len(carried),
            repointed=earlier,
            note=note,
        )
    _refresh(source, current)
    return into


def hide_project(actor: Actor, project: Project, reason: str) -> Project:
    """Moderation: take an idea out of public view (abuse, personal data, spam)."""
    reason = _text(reason, "reason", HIDE_REASON_MAX)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for hiding it.")})
    with transaction.atomic():
        current = Project.objects.select_for_update().select_related("process").get(pk=project.pk)
        if current.status == ProjectStatus.ON_BALLOT and voting_has_opened(current.process):
            raise ValidationError(
                _("This project is on an open ballot: hiding it would change the ballot.")
            )
        current.hidden = True
        current.save(update_fields=["hidden"])
        record(actor, "pb.project.hidden", current, reason=reason)
    _refresh(project, current)
    return current


def restore_project(actor: Actor, project: Project) -> Project:
    """Undo :func:`hide_project`. Like hiding, refused for a project on the ballot once
    voting has opened: it would appear on a ballot that voters have already filled in."""
    with transaction.atomic():
        current = Project.objects.select_for_update().select_related("process").get(pk=project.pk)
        if current.status == ProjectStatus.ON_BALLOT and voting_has_opened(current.process):
            raise ValidationError(
                _("This project is on an open ballot: restoring it would change the ballot.")
            )
        current.hidden = False
        current.save(update_fields=["hidden"])
        record(actor, "pb.project.restored", current)
    _refresh(project, current)
    return current


def hide_comment(actor: Actor, comment: Comment, reason: str) -> Comment:
    """Moderation: hide a comment; its page says it was hidden and why."""
    reason = _text(reason, "reason", HIDE_REASON_MAX)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for hiding it.")})
    with transaction.atomic():
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        current.hidden_at = timezone.now()
        current.hidden_reason = reason
        current.save(update_fields=["hidden_at", "hidden_reason"])
        record(actor, "pb.comment.hidden", current, project=current.project_id, reason=reason)
    comment.hidden_at, comment.hidden_reason = current.hidden_at, current.hidden_reason
    return current


def restore_comment(actor: Actor, comment: Comment) -> Comment:
    """Undo :func:`hide_comment`."""
    with transaction.atomic():
        current = Comment.objects.select_for_update().get(pk=comment.pk)
        before = current.hidden_reason
        current.hidden_at = None
        current.hidden_reason = ""
        current.save(update_fields=["hidden_at", "hidden_reason"])
        record(actor, "pb.comment.restored", current, project=current.project_id, before=before)
    comment.hidden_at, comment.hidden_reason = None, ""
    return current


def review_is_open(process: Process) -> bool:
    """Whether review decisions (assess, accept, reject, merge) are still possible."""
    return not voting_has_opened(process)


# --- helpers --------------------------------------------------------------------------


def _lock_for_review(project: Project) -> Project:
    current = (
        Project.objects.select_for_update().select_related("process", "unit").get(pk=project.pk)
    )
    _check_reviewable(current)
    return current


def _check_reviewable(project: Project) -> None:
    if voting_has_opened(project.process):
        raise ValidationError(_("Voting has opened: the ballot can no longer change."))
    if project.status not in DECIDABLE:
        raise ValidationError(
            _("This proposal is %(status)s and cannot be reviewed.")
            % {"status": project.get_status_display().lower()}
        )


def _text(value: str | None, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: _("Keep it under %(limit)d characters.") % {"limit": limit}})
    return value


def _refresh(target: Project, source: Project) -> None:
    for field in Project._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
