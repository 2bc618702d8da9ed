"""Navigation inside one participatory-budgeting process in the back office: the process's
sub-navigation (setup, review, voting, results, delivery) and the dashboard's links to the
voting pages, each shown only to the people who may open it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from townhall.accounts.models import Role
from townhall.budgeting.models import Process
from townhall.staff.permissions import (
    PB_DECIDE,
    PB_ELIGIBILITY,
    PB_PAPER,
    PB_READERS,
)

# Who may read a process's count and results before they are published.
PB_RESULTS_READERS = PB_DECIDE | {Role.ANALYST}

# (URL name in "staff:pb", label, who sees the link), in the order of a process's life.
PROCESS_PAGES = (
    ("process", _("Overview"), PB_READERS),
    ("units", _("Budget units"), PB_READERS),
    ("categories", _("Categories"), PB_READERS),
    ("review", _("Review"), PB_READERS),
    ("comments", _("Comments"), PB_READERS),
    ("turnout", _("Voting"), PB_READERS),
    ("results", _("Count and results"), PB_RESULTS_READERS),
    ("delivery", _("Delivery"), PB_READERS),
)

# The dashboard's "Voting and results" links.
VOTING_SECTIONS = (
    ("turnout", _("Turnout"), PB_READERS),
    ("census", _("Census (who may vote)"), PB_ELIGIBILITY),
    ("codes", _("Voting codes"), PB_ELIGIBILITY),
    ("paper", _("Paper ballots"), PB_PAPER),
    ("results", _("Count and results"), PB_RESULTS_READERS),
)


def _links(
    user: Any, process: Process, pages: tuple[tuple[str, Any, frozenset[str]], ...], here: str
) -> list[tuple[str, str, bool]]:
    role = getattr(user, "role", None)
    return [
        (reverse(f"staff:pb:{name}", args=[process.slug]), str(label), name == here)
        for name, label, roles in pages
        if role in roles
    ]


def process_nav(user: Any, process: Process, here: str) -> list[tuple[str, str, bool]]:
    """(url, label, is the current page) for each page of the process ``user`` may open."""
    return _links(user, process, PROCESS_PAGES, here)


def voting_sections(user: Any, process: Process) -> list[tuple[str, str]]:
    return [(url, label) for url, label, _current in _links(user, process, VOTING_SECTIONS, "")]
