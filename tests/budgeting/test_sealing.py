"""Sealing the ballot box: after voting closes nothing stored links a ballot to a voter."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.budgeting.factories import make_process
from tests.budgeting.test_voting import ADMIN, VOTER, code_voter, projects, staff, units
from townhall.audit.models import AuditEvent
from townhall.budgeting import voting
from townhall.budgeting.models import Ballot, PaperEntry, Process, VotingCode
from townhall.budgeting.sealing import SealingError, seal_ballot_box
from townhall.budgeting.services import cast_ballot, count_process, enter_paper_ballot


def _close_voting(process: Process) -> None:
    Process.objects.filter(pk=process.pk).update(
        voting_close_at=timezone.now() - timedelta(minutes=1)
    )
    process.refresh_from_db()


def _contents() -> Counter[tuple[int, str, str, str]]:
    return Counter(
        (unit, channel, repr(projects_), repr(points))
        for unit, channel, projects_, points in Ballot.objects.values_list(
            "unit_id", "channel", "projects", "points"
        )
    )


def _vote(process: Process) -> tuple[list[str], voting.VoterPass]:
    """Three code voters in the citywide unit, one of whom changes their mind."""
    citywide, _north, _south = units(process)
    a, b, c = projects(citywide)
    passes = [code_voter(process) for _ in range(3)]
    cast_ballot(VOTER, process, passes[0], citywide, [a.pk])
    cast_ballot(VOTER, process, passes[1], citywide, [b.pk, c.pk])
    cast_ballot(VOTER, process, passes[2], citywide, [c.pk])
    cast_ballot(VOTER, process, passes[0], citywide, [b.pk])
    return [str(pk) for pk in Ballot.objects.values_list("pk", flat=True)], passes[0]


@pytest.mark.django_db
def test_sealing_keeps_every_vote_and_drops_keys_locators_and_order(city):
    process = make_process(city)
    before_ids, first_voter = _vote(process)
    before = _contents()
    with pytest.raises(SealingError):
        seal_ballot_box(ADMIN, process)  # voting is still open
    _close_voting(process)

    assert seal_ballot_box(ADMIN, process) == 3
    assert _contents() == before  # the same votes ...
    after = list(Ballot.objects.values_list("pk", "locator"))
    assert {str(pk) for pk, _ in after}.isdisjoint(before_ids)  # ... under new keys
    assert {locator for _, locator in after} == {""}
    # Even the voter's own code no longer finds a ballot.
    citywide = units(process)[0]
    assert not Ballot.objects.filter(locator=first_voter.locator(citywide.pk)).exists()
    assert VotingCode.objects.filter(has_voted=True).count() == 3
    event = AuditEvent.objects.get(action="pb.ballots.sealed")
    assert event.data == {"ballots": 3}
    assert seal_ballot_box(ADMIN, process) == 0  # once only


@pytest.mark.django_db
def test_counting_seals_first_and_paper_entries_keep_their_ballots(city):
    process = make_process(city)
    _vote(process)
    citywide = units(process)[0]
    a = projects(citywide)[0]
    first, second = staff("first"), staff("second")
    enter_paper_ballot(first, process, citywide, "S-1", [a.pk])
    entry = enter_paper_ballot(second, process, citywide, "S-1", [a.pk])
    paper_projects = Ballot.objects.get(pk=entry.ballot_id).projects
    _close_voting(process)

    count_process(ADMIN, process)
    process.refresh_from_db()
    assert process.ballots_sealed_at is not None
    entry = PaperEntry.objects.get(sheet="S-1")
    assert entry.ballot is not None and entry.ballot.projects == paper_projects
    assert not Ballot.objects.exclude(locator="").exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_no_ballot_shares_a_transaction_with_a_has_voted_mark(city):
    if connection.vendor != "postgresql":
        pytest.skip("transaction ids (xmin) are PostgreSQL's")
    process = make_process(city)
    _vote(process)

    def shared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM budgeting_ballot b JOIN budgeting_votingcode c"
                " ON b.xmin = c.xmin WHERE c.has_voted"
            )
            return int(cursor.fetchone()[0])

    assert shared() > 0  # while voting is open, a first ballot and its mark share one
    _close_voting(process)
    seal_ballot_box(ADMIN, process)
    assert shared() == 0
