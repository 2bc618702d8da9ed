"""Which status may follow which. Every change goes through ``services.change_status``."""

from __future__ import annotations

from townhall.servicedesk.models import Status

S = Status
_RESOLUTIONS = {S.CLOSED, S.NO_FURTHER_ACTION, S.NOT_RESPONSIBLE}

TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.ACTION_SCHEDULED, S.DUPLICATE})
    | _RESOLUTIONS,
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.ACTION_SCHEDULED, S.DUPLICATE}) | _RESOLUTIONS,
    S.IN_PROGRESS: frozenset({S.ACTION_SCHEDULED, S.DUPLICATE}) | _RESOLUTIONS,
    S.ACTION_SCHEDULED: frozenset({S.IN_PROGRESS}) | _RESOLUTIONS,
    S.REOPENED: frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.ACTION_SCHEDULED, S.DUPLICATE})
    | _RESOLUTIONS,
    S.CLOSED: frozenset({S.REOPENED}),
    S.NO_FURTHER_ACTION: frozenset({S.REOPENED}),
    S.NOT_RESPONSIBLE: frozenset({S.REOPENED}),
    S.DUPLICATE: frozenset({S.REOPENED}),
}

# Statuses that only a dedicated action sets: a duplicate needs its original (merge).
NEEDS_ACTION: dict[str, str] = {S.DUPLICATE: "merge"}


class TransitionNotAllowed(ValueError):
    """The workflow does not allow this change of status."""


def allowed_next(status: str) -> list[Status]:
    """Statuses a person may choose next, in the catalogue's order."""
    nexts = TRANSITIONS.get(status, frozenset())
    return [s for s in Status if s in nexts and s not in NEEDS_ACTION]


def check_transition(before: str, after: str, *, via: str = "") -> None:
    if after == before:
        return  # a note without a status change
    if after not in TRANSITIONS.get(before, frozenset()):
        raise TransitionNotAllowed(
            f"a request cannot go from {Status(before).label} to {Status(after).label}"
        )
    if NEEDS_ACTION.get(after, via) != via:
        raise TransitionNotAllowed(f"use {NEEDS_ACTION[after]} to mark a request {after}")
