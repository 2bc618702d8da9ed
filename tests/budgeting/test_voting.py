"""Eligibility and voting: census, codes, ballots of every kind, paper double entry."""

from __future__ import annotations

import math
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from tests.budgeting.factories import make_process
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.budgeting import voting
from townhall.budgeting.models import (
    Ballot,
    BallotChannel,
    BallotKind,
    BudgetUnit,
    CensusEntry,
    PaperEntryStatus,
    Process,
    Project,
    VotingCode,
)
from townhall.budgeting.services import (
    cast_ballot,
    enter_paper_ballot,
    generate_codes,
    import_census,
    mark_voted_on_paper,
    resolve_paper_entry,
    revoke_code,
)
from townhall.lib.actors import Actor

pytestmark = pytest.mark.django_db

CENSUS = "identifier,birth_date,district\nAB-123 456,1980-02-03,north\nzz 9,1990-12-31,Southside\n"


def staff(name: str, role: str = Role.STAFF) -> Actor:
    user = User.objects.create_user(username=name, password="x", role=role)
    return Actor(label=f"staff:{name}", user=user, channel="staff")


ADMIN = Actor.system("test")
VOTER = Actor(label="web:anonymous", ip="192.0.2.7")


def problem_codes(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {e.code or "" for e in exc.value.error_list}


def units(process: Process) -> tuple[BudgetUnit, BudgetUnit, BudgetUnit]:
    citywide, north, south = BudgetUnit.objects.filter(process=process).order_by("position")
    return citywide, north, south


def projects(unit: BudgetUnit) -> list[Project]:
    """Tree planting (budget/2), Safer crossings (budget/3), Community garden (budget/4)."""
    return list(Project.objects.filter(unit=unit).order_by("pk"))


def code_voter(process: Process, area: object = None) -> voting.VoterPass:
    (code,) = generate_codes(ADMIN, process, 1, "test", area=area)  # type: ignore[arg-type]
    return voting.verify_voter(process, code=code)


# --- Credentials and the census ---------------------------------------------------------


def test_identifiers_are_normalised_before_digesting():
    assert voting.normalise_identifier("  ab-12 345\t") == "AB12345"
    assert voting.normalise_identifier("ab–12") == "AB12"  # an en dash, as pasted from a letter


def test_census_import_stores_only_digests_and_reports_counts(city):
    process = make_process(city)
    result = import_census(ADMIN, process, CENSUS)
    assert (result.added, result.already_listed, result.with_birth_date) == (2, 0, True)
    assert result.by_district == {"north": 1, "south": 1}
    stored = list(CensusEntry.objects.filter(process=process).values_list("digest", flat=True))
    assert len(stored) == 2 and all(len(d) == 64 for d in stored)
    assert not any("AB123456" in d or "1980" in d for d in stored)
    event = AuditEvent.objects.get(action="pb.census.imported")
    assert event.data["added"] == 2 and "AB123456" not in str(event.data)


def test_census_import_appends_and_counts_people_already_listed(city):
    process = make_process(city)
    import_census(ADMIN, process, CENSUS)
    again = import_census(ADMIN, process, CENSUS + "NEW-1,2001-01-01,\n")
    assert (again.added, again.already_listed) == (1, 2)
    assert CensusEntry.objects.filter(process=process).count() == 3


def test_census_errors_are_reported_by_line_and_nothing_is_written(city):
    process = make_process(city)
    text = (
        "identifier,birth_date,district\n"
        "A1,1980-02-03,north\n"
        ",1980-02-03,north\n"  # line 3: no identifier
        "A2,03/02/1980,north\n"  # line 4: not an ISO date
        "A3,1980-02-03,atlantis\n"  # line 5: no such district
        "\n"
        "a-1,1980-02-03,south\n"  # line 7: the same person as line 2
        "A4,1980-02-03\n"  # line 8: a value missing
    )
    with pytest.raises(ValidationError) as caught:
        import_census(ADMIN, process, text)
    lines = [e.params["line"] for e in caught.value.error_list]  # type: ignore[index]
    assert lines == [3, 4, 5, 7, 8]
    messages = caught.value.messages
    assert messages[0].startswith("Line 3:") and "line 2" in messages[3]
    assert CensusEntry.objects.count() == 0
    assert not AuditEvent.objects.filter(action="pb.census.imported").exists()


def test_census_header_must_name_the_columns(city):
    process = make_process(city)
    with pytest.raises(ValidationError) as caught:
        import_census(ADMIN, process, "name,dob\nAna,1990-01-01\n")
    assert caught.value.messages[0].startswith("Line 1:")
    with pytest.raises(ValidationError):
        import_census(ADMIN, process, "")


def test_census_voter_signs_in_with_identifier_and_birth_date(city):
    process = make_process(city)
    import_census(ADMIN, process, CENSUS)
    north = city.areas.get(code="north")
    voter = voting.verify_voter(process, identifier="ab123456 ", birth_date=date(1980, 2, 3))
    assert voter.kind == voting.CENSUS and voter.area_id == north.pk
    citywide, north_unit, south_unit = units(process)
    assert set(voter.unit_ids) == {citywide.pk, north_unit.pk}
    for wrong in ({"birth_date": date(1980, 2, 4)}, {}):
        with pytest.raises(ValidationError) as caught:
            voting.verify_voter(process, identifier="AB123456", **wrong)
        assert problem_codes(caught) == {"not_found"}


def test_a_census_without_birth_dates_needs_the_identifier_only(city):
    process = make_process(city)
    import_census(ADMIN, process, "identifier\nX-1\n")
    assert voting.verify_voter(process, identifier="x1").kind == voting.CENSUS
    assert voting.verify_voter(process, identifier="x1", birth_date=date(2000, 1, 1))


# --- Codes --------------------------------------------------------------------------------


def test_codes_are_printable_unambiguous_and_stored_as_digests(city):
    process = make_process(city)
    made = generate_codes(ADMIN, process, 50, "letters-1")
    assert len(set(made)) == 50
    for code in made:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert not set("".join(groups)) & set("0O1IL")
    stored = set(VotingCode.objects.values_list("digest", flat=True))
    assert not {voting.normalise_code(c) for c in made} & stored
    assert voting.CODE_LENGTH * math.log2(len(voting.CODE_ALPHABET)) >= 50
    event = AuditEvent.objects.get(action="pb.codes.generated")
    assert event.data["count"] == 50 and made[0] not in str(event.data)


def test_a_code_is_accepted_however_it_is_typed(city):
    process = make_process(city)
    (code,) = generate_codes(ADMIN, process, 1, "b")
    typed = code.lower().replace("-", " ")
    assert voting.verify_voter(process, code=typed).kind == voting.CODE
    with pytest.raises(ValidationError) as caught:
        voting.verify_voter(process, code="ABCD-EFGH-0000")
    assert problem_codes(caught) == {"code_format"}
    with pytest.raises(ValidationError) as caught:
        voting.verify_voter(process, code="ABCD-EFGH-JKMN")
    assert problem_codes(caught) == {"not_found"}


def test_code_generation_checks_its_input(city):
    process = make_process(city)
    with pytest.raises(ValidationError) as caught:
        generate_codes(ADMIN, process, 0, " ")
    assert set(caught.value.message_dict) == {"count", "batch"}
    assert not VotingCode.objects.exists()


def test_a_code_is_one_voter_its_second_use_changes_the_same_ballot(city):
    process = make_process(city)
    citywide, _north, _south = units(process)
    first, second = generate_codes(ADMIN, process, 2, "b")
    a, b, c = projects(citywide)
    cast_ballot(VOTER, process, voting.verify_voter(process, code=first), citywide, [a.pk])
    cast_ballot(VOTER, process, voting.verify_voter(process, code=first), citywide, [b.pk])
    cast_ballot(VOTER, process, voting.verify_voter(process, code=second), citywide, [c.pk])
    assert sorted(Ballot.objects.values_list("projects", flat=True)) == [[b.pk], [c.pk]]
    assert VotingCode.objects.filter(has_voted=True).count() == 2


def test_a_revoked_code_cannot_vote_and_its_ballot_is_withdrawn(city):
    process = make_process(city)
    citywide, _north, _south = units(process)
    (code,) = generate_codes(ADMIN, process, 1, "b")
    voter = voting.verify_voter(process, code=code)
    cast_ballot(VOTER, process, voter, citywide, [projects(citywide)[0].pk])
    revoked = revoke_code(ADMIN, process, code)
    assert revoked.revoked_at is not None and not Ballot.objects.exists()
    assert AuditEvent.objects.get(action="pb.code.revoked").data["ballots_withdrawn"] == 1
    with pytest.raises(ValidationError) as caught:
        voting.verify_voter(process, code=code)
    assert problem_codes(caught) == {"revoked"}
    with pytest.raises(ValidationError) as caught:  # a pass taken before the revocation
        cast_ballot(VOTER, process, voter, citywide, [projects(citywide)[0].pk])
    assert problem_codes(caught) == {"revoked"}


# --- Ballot kinds -------------------------------------------------------------------------


def _cast(process: Process, unit: BudgetUnit, choices: voting.Choices) -> Ballot:
    return cast_ballot(VOTER, process, code_voter(process), unit, choices)


def _refused(process: Process, unit: BudgetUnit, choices: voting.Choices) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        _cast(process, unit, choices)
    return problem_codes(caught)


def test_approval_ballots_respect_minimum_and_maximum(city):
    process = make_process(city, kind=BallotKind.APPROVAL, min_choices=2, max_choices=2)
    citywide, north, _south = units(process)
    a, b, c = projects(citywide)
    ballot = _cast(process, citywide, [c.pk, a.pk])
    assert ballot.projects == [a.pk, c.pk] and ballot.points == []  # no click order kept
    assert _refused(process, citywide, [a.pk]) == {"too_few"}
    assert _refused(process, citywide, [a.pk, b.pk, c.pk]) == {"too_many"}
    assert _refused(process, citywide, [a.pk, a.pk]) >= {"duplicate"}
    assert "not_on_ballot" in _refused(process, citywide, [a.pk, projects(north)[0].pk])


def test_only_projects_on_the_ballot_can_be_chosen(city):
    process = make_process(city)
    citywide, _north, _south = units(process)
    a, b, _c = projects(citywide)
    Project.objects.filter(pk=b.pk).update(status="rejected")
    assert _refused(process, citywide, [b.pk]) == {"not_on_ballot"}
    assert _cast(process, citywide, [a.pk]).projects == [a.pk]


def test_knapsack_ballots_stay_within_the_budget_and_minimum_share(city):
    process = make_process(city, kind=BallotKind.KNAPSACK, min_spend_percent=50)
    citywide, _north, _south = units(process)  # budget 100,000.00; costs 1/2, 1/3, 1/4
    half, third, quarter = projects(citywide)
    assert _cast(process, citywide, [half.pk, third.pk]).projects == sorted([half.pk, third.pk])
    assert _refused(process, citywide, [half.pk, third.pk, quarter.pk]) == {"over_budget"}
    assert _refused(process, citywide, [quarter.pk]) == {"under_min_spend"}
    assert _refused(process, citywide, []) >= {"too_few"}


def test_knapsack_uses_the_assessed_cost(city):
    process = make_process(city, kind=BallotKind.KNAPSACK)
    citywide, _north, _south = units(process)
    half, third, _quarter = projects(citywide)
    Project.objects.filter(pk=third.pk).update(assessed_cost=citywide.budget // 2 + 1)
    assert _refused(process, citywide, [half.pk, third.pk]) == {"over_budget"}


def test_cumulative_ballots_share_out_whole_points(city):
    process = make_process(
        city, kind=BallotKind.CUMULATIVE, points_total=10, max_points_per_project=6
    )
    citywide, _north, _south = units(process)
    a, b, c = projects(citywide)
    ballot = _cast(process, citywide, {c.pk: 4, a.pk: 6, b.pk: 0})
    assert ballot.projects == [a.pk, c.pk] and ballot.points == [6, 4]
    assert _refused(process, citywide, {a.pk: 6, b.pk: 5}) == {"points_total"}
    assert _refused(process, citywide, {a.pk: 7}) == {"points_per_project"}
    assert "points_negative" in _refused(process, citywide, {a.pk: -1, b.pk: 2})
    assert "points_integer" in _refused(process, citywide, {a.pk: 1.5, b.pk: 2})  # type: ignore[dict-item]
    assert _refused(process, citywide, {a.pk: 0}) == {"too_few"}
    assert _refused(process, citywide, [a.pk]) == {"shape"}


def test_ranked_ballots_keep_the_order_of_preference(city):
    process = make_process(city, kind=BallotKind.RANKED, min_choices=2, max_choices=3)
    citywide, _north, _south = units(process)
    a, b, c = projects(citywide)
    assert _cast(process, citywide, [c.pk, a.pk, b.pk]).projects == [c.pk, a.pk, b.pk]
    assert _refused(process, citywide, [c.pk]) == {"too_few"}
    assert "duplicate" in _refused(process, citywide, [c.pk, c.pk])


def test_choose_one_ballots_take_exactly_one_project(city):
    process = make_process(city, kind=BallotKind.CHOOSE_ONE)
    citywide, _north, _south = units(process)
    a, b, _c = projects(citywide)
    assert _cast(process, citywide, [b.pk]).projects == [b.pk]
    assert _refused(process, citywide, [a.pk, b.pk]) == {"too_many"}
    assert _refused(process, citywide, []) == {"too_few"}


# --- Casting ------------------------------------------------------------------------------


def test_changing_a_ballot_replaces_it_and_the_ballot_says_nothing_of_the_voter(city):
    process = make_process(city)
    import_census(ADMIN, process, CENSUS)
    citywide, _north, _south = units(process)
    a, b, _c = projects(citywide)
    sign_in = {"identifier": "AB123456", "birth_date": date(1980, 2, 3)}
    first = cast_ballot(VOTER, process, voting.verify_voter(process, **sign_in), citywide, [a.pk])
    again = cast_ballot(VOTER, process, voting.verify_voter(process, **sign_in), citywide, [b.pk])
    assert first.pk == again.pk and Ballot.objects.count() == 1
    ballot = Ballot.objects.get()
    assert ballot.projects == [b.pk] and ballot.channel == BallotChannel.ONLINE
    entry = CensusEntry.objects.get(has_voted=True)
    # Nothing on the ballot row equals or contains anything of the census entry.
    row = {f.attname: getattr(ballot, f.attname) for f in Ballot._meta.concrete_fields}
    assert set(row) == {"id", "process_id", "unit_id", "locator", "channel", "projects", "points"}
    assert entry.digest not in str(row) and str(entry.pk) != str(ballot.pk)
    assert ballot.locator != entry.digest and len(ballot.locator) == 64
    # The audit trail says a ballot was cast and changed in the unit, and nothing more.
    events = list(AuditEvent.objects.filter(action__startswith="pb.ballot").order_by("pk"))
    assert [e.action for e in events] == ["pb.ballot.cast", "pb.ballot.changed"]
    for event in events:
        assert event.object_type == "budgeting.budgetunit" and event.object_id == str(citywide.pk)
        # No account, no address: the events' order follows the ballot rows' order.
        assert (event.actor_id, event.ip, event.actor_label) == (None, None, "voter")
        text = str(event.data)
        assert ballot.locator not in text and str(ballot.pk) not in text
        assert str(a.pk) not in str(event.data.get("projects", "")) and "projects" not in text


def test_the_same_voter_gets_an_unlinked_locator_in_each_unit(city):
    process = make_process(city)
    citywide, north, _south = units(process)
    voter = code_voter(process, area=city.areas.get(code="north"))
    one = cast_ballot(VOTER, process, voter, citywide, [projects(citywide)[0].pk])
    two = cast_ballot(VOTER, process, voter, north, [projects(north)[0].pk])
    assert one.locator != two.locator
    assert voting.voted_units(voter) == {citywide.pk, north.pk}


def test_voting_only_while_voting_is_open(city):
    for phase in ("ideas", "review", "counting", "results"):
        process = make_process(city, phase=phase, slug=f"pb-{phase}")
        with pytest.raises(ValidationError) as caught:
            voting.verify_voter(process, code="ABCD-EFGH-JKMN")
        assert problem_codes(caught) == {"phase"}
    process = make_process(city, slug="open")
    citywide, _north, _south = units(process)
    voter = code_voter(process)
    Process.objects.filter(pk=process.pk).update(
        voting_close_at=process.voting_open_at, voting_open_at=process.ideas_close_at
    )
    process.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        cast_ballot(VOTER, process, voter, citywide, [projects(citywide)[0].pk])
    assert problem_codes(caught) == {"phase"}
    assert not Ballot.objects.exists()


def test_census_and_codes_close_with_voting(city):
    process = make_process(city, phase="counting")
    with pytest.raises(ValidationError):
        import_census(ADMIN, process, CENSUS)
    with pytest.raises(ValidationError):
        generate_codes(ADMIN, process, 1, "late")


def test_a_voter_from_a_known_district_votes_citywide_and_there_only(city):
    process = make_process(city)
    import_census(ADMIN, process, CENSUS)
    citywide, north, south = units(process)
    voter = voting.verify_voter(process, identifier="AB123456", birth_date=date(1980, 2, 3))
    cast_ballot(VOTER, process, voter, north, [projects(north)[0].pk])
    with pytest.raises(ValidationError) as caught:
        cast_ballot(VOTER, process, voter, south, [projects(south)[0].pk])
    assert problem_codes(caught) == {"unit"}


def test_a_voter_of_unknown_district_may_vote_in_one_district_only(city):
    process = make_process(city)
    citywide, north, south = units(process)
    voter = code_voter(process)  # a code without a district
    assert set(voter.unit_ids) == {citywide.pk, north.pk, south.pk}
    cast_ballot(VOTER, process, voter, north, [projects(north)[0].pk])
    cast_ballot(VOTER, process, voter, citywide, [projects(citywide)[0].pk])
    cast_ballot(VOTER, process, voter, north, [projects(north)[1].pk])  # a change: fine
    with pytest.raises(ValidationError) as caught:
        cast_ballot(VOTER, process, voter, south, [projects(south)[0].pk])
    assert problem_codes(caught) == {"other_district"}
    assert Ballot.objects.count() == 2


def test_without_the_one_district_rule_every_district_is_open(city):
    process = make_process(city, one_district_per_voter=False)
    _citywide, north, south = units(process)
    voter = code_voter(process, area=city.areas.get(code="north"))
    cast_ballot(VOTER, process, voter, north, [projects(north)[0].pk])
    cast_ballot(VOTER, process, voter, south, [projects(south)[0].pk])
    assert Ballot.objects.count() == 2


def test_a_pass_for_another_process_is_refused(city):
    process = make_process(city)
    other = make_process(city, slug="other")
    voter = code_voter(other)
    citywide, _north, _south = units(process)
    with pytest.raises(ValidationError) as caught:
        cast_ballot(VOTER, process, voter, citywide, [projects(citywide)[0].pk])
    assert problem_codes(caught) == {"wrong_process"}


@override_settings(SECRET_KEY="another-key-entirely-for-this-test-only")
def test_digests_depend_on_the_secret_key(city):
    process = make_process(city)
    import_census(ADMIN, process, "identifier\nK-1\n")
    with (
        override_settings(SECRET_KEY="the-key-was-rotated-and-the-census-is-lost"),
        pytest.raises(ValidationError),
    ):
        voting.verify_voter(process, identifier="K1")
    assert voting.verify_voter(process, identifier="K1")


# --- Paper ballots ------------------------------------------------------------------------


def test_paper_double_entry_that_agrees_counts_the_ballot(city):
    process = make_process(city, kind=BallotKind.RANKED, max_choices=3)
    citywide, _north, _south = units(process)
    a, b, _c = projects(citywide)
    ana, ben = staff("ana"), staff("ben")
    entry = enter_paper_ballot(ana, process, citywide, "S-001", [b.pk, a.pk])
    assert entry.status == PaperEntryStatus.AWAITING_SECOND and not Ballot.objects.exists()
    entry = enter_paper_ballot(ben, process, citywide, "S-001", [b.pk, a.pk])
    assert entry.status == PaperEntryStatus.MATCHED
    ballot = Ballot.objects.get()
    assert ballot.channel == BallotChannel.PAPER and ballot.locator == ""
    assert ballot.projects == [b.pk, a.pk] and entry.ballot == ballot
    with pytest.raises(ValidationError):  # a third entry
        enter_paper_ballot(staff("cy"), process, citywide, "S-001", [b.pk, a.pk])
    assert AuditEvent.objects.filter(action="pb.paper.entered").count() == 2


def test_the_second_entry_must_be_by_another_person(city):
    process = make_process(city)
    citywide, _north, _south = units(process)
    ana = staff("ana")
    a = projects(citywide)[0]
    enter_paper_ballot(ana, process, citywide, "7", [a.pk])
    with pytest.raises(ValidationError) as caught:
        enter_paper_ballot(ana, process, citywide, "7", [a.pk])
    assert problem_codes(caught) == {"same_person"}
    assert not Ballot.objects.exists()


def test_paper_entries_that_disagree_wait_for_a_supervisor(city):
    process = make_process(city, kind=BallotKind.CUMULATIVE, points_total=5)
    citywide, _north, _south = units(process)
    a, b, _c = projects(citywide)
    enter_paper_ballot(staff("ana"), process, citywide, "9", {a.pk: 3, b.pk: 2})
    entry = enter_paper_ballot(staff("ben"), process, citywide, "9", {a.pk: 2, b.pk: 3})
    assert entry.status == PaperEntryStatus.MISMATCH and not Ballot.objects.exists()
    with pytest.raises(ValidationError) as caught:
        resolve_paper_entry(staff("dee"), entry, {a.pk: 3, b.pk: 2})
    assert problem_codes(caught) == {"forbidden"}
    boss = staff("boss", Role.SUPERVISOR)
    entry = resolve_paper_entry(boss, entry, {a.pk: 3, b.pk: 2})
    assert entry.status == PaperEntryStatus.RESOLVED
    ballot = Ballot.objects.get()
    assert (ballot.projects, ballot.points) == ([a.pk, b.pk], [3, 2])
    with pytest.raises(ValidationError):
        resolve_paper_entry(boss, entry, spoiled=True)


def test_a_spoiled_sheet_counts_for_nothing(city):
    process = make_process(city)
    citywide, _north, _south = units(process)
    a = projects(citywide)[0]
    enter_paper_ballot(staff("ana"), process, citywide, "11", None)
    entry = enter_paper_ballot(staff("ben"), process, citywide, "11", None)
    assert entry.status == PaperEntryStatus.SPOILED and not Ballot.objects.exists()
    enter_paper_ballot(staff("cy"), process, citywide, "12", None)
    entry = enter_paper_ballot(staff("dee"), process, citywide, "12", [a.pk])
    assert entry.status == PaperEntryStatus.MISMATCH
    entry = resolve_paper_entry(staff("eve", Role.ADMIN), entry, spoiled=True)
    assert entry.status == PaperEntryStatus.SPOILED and not Ballot.objects.exists()


def test_paper_entries_follow_the_ballot_rules(city):
    process = make_process(city, max_choices=1)
    citywide, _north, _south = units(process)
    a, b, _c = projects(citywide)
    with pytest.raises(ValidationError) as caught:
        enter_paper_ballot(staff("ana"), process, citywide, "1", [a.pk, b.pk])
    assert problem_codes(caught) == {"too_many"}


def test_paper_and_online_cannot_both_be_used(city):
    process = make_process(city)
    import_census(ADMIN, process, CENSUS)
    citywide, _north, _south = units(process)
    clerk = staff("clerk")
    # Voted online: the polling station refuses them.
    voter = voting.verify_voter(process, identifier="AB123456", birth_date=date(1980, 2, 3))
    cast_ballot(VOTER, process, voter, citywide, [projects(citywide)[0].pk])
    with pytest.raises(ValidationError) as caught:
        mark_voted_on_paper(clerk, process, "AB-123456", date(1980, 2, 3))
    assert problem_codes(caught) == {"voted_online"}
    # Voted on paper: online voting refuses them, even with a pass taken earlier.
    early = voting.verify_voter(process, identifier="ZZ9", birth_date=date(1990, 12, 31))
    entry = mark_voted_on_paper(clerk, process, "zz 9", date(1990, 12, 31))
    assert entry.voted_on_paper and entry.has_voted
    with pytest.raises(ValidationError) as caught:
        voting.verify_voter(process, identifier="ZZ9", birth_date=date(1990, 12, 31))
    assert problem_codes(caught) == {"voted_on_paper"}
    with pytest.raises(ValidationError) as caught:
        cast_ballot(VOTER, process, early, citywide, [projects(citywide)[0].pk])
    assert problem_codes(caught) == {"voted_on_paper"}
    with pytest.raises(ValidationError) as caught:
        mark_voted_on_paper(clerk, process, "ZZ9", date(1990, 12, 31))
    assert problem_codes(caught) == {"voted_on_paper"}
    assert AuditEvent.objects.filter(action="pb.census.voted_on_paper").count() == 1


def test_turnout_counts_ballots_per_unit_and_channel(city):
    process = make_process(city)
    citywide, north, _south = units(process)
    a = projects(citywide)[0]
    _cast(process, citywide, [a.pk])
    _cast(process, citywide, [a.pk])
    enter_paper_ballot(staff("ana"), process, citywide, "1", [a.pk])
    enter_paper_ballot(staff("ben"), process, citywide, "1", [a.pk])
    counts = voting.turnout(process)
    by_unit = {t.unit.pk: (t.online, t.paper) for t in counts.units}
    assert by_unit[citywide.pk] == (2, 1) and by_unit[north.pk] == (0, 0)
    assert (counts.codes, counts.codes_used) == (2, 2)


# --- Residents' pages ---------------------------------------------------------------------


@pytest.fixture
def voting_client(client, settings):
    from django.core.cache import cache

    cache.clear()
    return client


def _sign_in_with_code(client, process: Process) -> str:
    (code,) = generate_codes(ADMIN, process, 1, "web")
    response = client.post(f"/budgeting/{process.slug}/vote/", {"via": "code", "code": code})
    assert response.status_code == 302 and response["Location"].endswith("/vote/budgets/")
    return code


def test_a_whole_vote_without_javascript(city, voting_client):
    process = make_process(city, kind=BallotKind.KNAPSACK)
    citywide, north, south = units(process)
    half, third, quarter = projects(citywide)
    client = voting_client
    page = client.get(f"/budgeting/{process.slug}/vote/")
    assert page.status_code == 200 and "Sign in to vote" in page.content.decode()
    code = _sign_in_with_code(client, process)
    # The clear code is nowhere in the session.
    assert voting.normalise_code(code) not in str(dict(client.session))
    assert code not in str(dict(client.session))
    budgets = client.get(f"/budgeting/{process.slug}/vote/budgets/").content.decode()
    assert "Citywide" in budgets and "Northside" in budgets and "Southside" in budgets
    url = f"/budgeting/{process.slug}/vote/{citywide.pk}/"
    empty = client.get(url).content.decode()
    assert "Chosen: $0 of $100,000. Left: $100,000." in empty
    # "Update total" recomputes on the server.
    data = {"project": [half.pk, third.pk, quarter.pk], "action": "update"}
    over = client.post(url, data)
    assert over.status_code == 200
    assert "That is $8,333.33 over the budget" in over.content.decode()
    assert not Ballot.objects.exists()
    # Review refuses an over-budget ballot with an error summary.
    refused = client.post(url, {**data, "action": "review"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "There is a problem" in text and f'href="#project-{half.pk}"' in text
    # A valid ballot: review (nothing stored yet), then confirm.
    data = {"project": [half.pk, quarter.pk], "action": "review"}
    review = client.post(url, data).content.decode()
    assert "Check your vote" in review and not Ballot.objects.exists()
    assert f'name="project" value="{half.pk}"' in review
    confirmed = client.post(url, {**data, "action": "confirm"})
    assert confirmed.status_code == 302 and confirmed["Location"].endswith(f"{citywide.pk}/done/")
    receipt = client.get(confirmed["Location"]).content.decode()
    assert "Your vote is recorded" in receipt and "You can change it until" in receipt
    assert Ballot.objects.get().projects == sorted([half.pk, quarter.pk])
    # Coming back shows the ballot and changing it replaces it.
    again = client.get(url).content.decode()
    assert "You have already voted here" in again and "checked" in again
    client.post(url, {"project": [third.pk], "action": "confirm"})
    assert Ballot.objects.get().projects == [third.pk]
    # One district only: after voting in Northside, Southside is closed.
    client.post(
        f"/budgeting/{process.slug}/vote/{north.pk}/",
        {"project": [projects(north)[0].pk], "action": "confirm"},
    )
    budgets = client.get(f"/budgeting/{process.slug}/vote/budgets/").content.decode()
    assert "You have voted in Northside" in budgets
    refused = client.post(
        f"/budgeting/{process.slug}/vote/{south.pk}/",
        {"project": [projects(south)[0].pk], "action": "confirm"},
    )
    assert refused.status_code == 400 and "one district only" in refused.content.decode()
    # Finishing forgets the pass.
    client.post(f"/budgeting/{process.slug}/vote/finish/")
    assert client.get(url).status_code == 302


def test_the_next_person_on_a_shared_device_signs_in_as_themselves(city, voting_client):
    process = make_process(city)
    citywide, _north, _south = units(process)
    first = _sign_in_with_code(voting_client, process)
    page = voting_client.get(f"/budgeting/{process.slug}/vote/").content.decode()
    assert "Someone is already signed in" in page and 'name="code"' in page
    _sign_in_with_code(voting_client, process)
    voting_client.post(
        f"/budgeting/{process.slug}/vote/{citywide.pk}/",
        {"project": [projects(citywide)[0].pk], "action": "confirm"},
    )
    assert not voting.voted_units(voting.verify_voter(process, code=first))
    assert Ballot.objects.count() == 1


def test_cumulative_and_ranked_ballot_pages(city, voting_client):
    process = make_process(city, kind=BallotKind.CUMULATIVE, points_total=10, slug="points")
    citywide, _north, _south = units(process)
    a, b, _c = projects(citywide)
    _sign_in_with_code(voting_client, process)
    url = f"/budgeting/{process.slug}/vote/{citywide.pk}/"
    page = voting_client.post(
        url, {f"points-{a.pk}": "4", f"points-{b.pk}": "x", "action": "update"}
    )
    text = page.content.decode()
    assert page.status_code == 400 and "Enter a whole number of points" in text
    assert "Points given: 4 of 10. Points left: 6." in text
    voting_client.post(url, {f"points-{a.pk}": "4", f"points-{b.pk}": "6", "action": "confirm"})
    assert Ballot.objects.get().points == [4, 6]

    ranked = make_process(city, kind=BallotKind.RANKED, max_choices=2, slug="ranked")
    citywide, _north, _south = units(ranked)
    a, b, c = projects(citywide)
    _sign_in_with_code(voting_client, ranked)
    url = f"/budgeting/{ranked.slug}/vote/{citywide.pk}/"
    page = voting_client.get(url).content.decode()
    assert 'id="rank-1"' in page and 'id="rank-2"' in page and 'id="rank-3"' not in page
    voting_client.post(url, {"rank-1": str(c.pk), "rank-2": str(a.pk), "action": "confirm"})
    assert Ballot.objects.get(unit=citywide).projects == [c.pk, a.pk]


def test_census_sign_in_errors_and_the_rate_limit(city, voting_client, settings):
    process = make_process(city)
    import_census(ADMIN, process, CENSUS)
    url = f"/budgeting/{process.slug}/vote/"
    page = voting_client.get(url).content.decode()
    assert "Identity number" in page and "Voting code" not in page  # no codes issued
    wrong = voting_client.post(
        url,
        {
            "via": "census",
            "identifier": "AB123456",
            "birth_day": "3",
            "birth_month": "2",
            "birth_year": "1981",
        },
    )
    assert wrong.status_code == 400 and "could not find you" in wrong.content.decode()
    bad_date = voting_client.post(
        url, {"via": "census", "identifier": "AB1", "birth_day": "31", "birth_month": "2"}
    )
    assert "4-digit year" in bad_date.content.decode()
    right = voting_client.post(
        url,
        {
            "via": "census",
            "identifier": "ab-123 456",
            "birth_day": "03",
            "birth_month": "2",
            "birth_year": "1980",
        },
    )
    assert right.status_code == 302
    session = str(dict(voting_client.session))
    assert "AB123456" not in session and "1980" not in session
    settings.TOWNHALL = {**settings.TOWNHALL, "RATE_LIMITS": {"pb_vote": "1/h"}}
    voting_client.post(url, {"via": "code", "code": "ABCD-EFGH-JKMN"})
    limited = voting_client.post(url, {"via": "code", "code": "ABCD-EFGH-JKMN"})
    assert limited.status_code == 429


def test_the_vote_pages_outside_the_voting_phase(city, voting_client):
    process = make_process(city, phase="review")
    page = voting_client.get(f"/budgeting/{process.slug}/vote/").content.decode()
    assert "Voting has not started yet" in page
    unit = units(process)[0]
    response = voting_client.get(f"/budgeting/{process.slug}/vote/{unit.pk}/")
    assert response.status_code == 302 and response["Location"].endswith("/vote/")
    assert voting_client.get("/budgeting/nope/vote/").status_code == 404


def test_an_idle_voter_pass_expires(city, voting_client, settings):
    process = make_process(city)
    _sign_in_with_code(voting_client, process)
    session = voting_client.session
    key = f"pb.voter.{process.pk}"
    session[key] = {**session[key], "until": 0}
    session.save()
    response = voting_client.get(f"/budgeting/{process.slug}/vote/budgets/")
    assert response.status_code == 302 and key not in voting_client.session


# --- Back office ------------------------------------------------------------------------


@pytest.fixture
def office(city, settings):
    from tests.staff.conftest import PERSONAS, People, make_person

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    found = People()
    for name, (role, departments) in PERSONAS.items():
        found[name] = make_person(name, role, departments)
    return found


def test_census_upload_shows_counts_and_line_errors(city, office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    process = make_process(city)
    url = f"/staff/budgeting/{process.slug}/census/"
    admin = office.client("supervisor")
    bad = SimpleUploadedFile("c.csv", b"identifier,district\nA1,north\nA2,mars\n")
    response = admin.post(url, {"file": bad})
    text = response.content.decode()
    assert response.status_code == 400 and "Line 3:" in text and "Nothing was imported" in text
    assert not CensusEntry.objects.exists()
    good = SimpleUploadedFile("c.csv", "\ufeffidentifier,district\nA1,north\nA2,\n".encode())
    text = admin.post(url, {"file": good}).content.decode()
    assert "2 people added." in text and "2 people are on the list." in text
    assert "Northside" in text
    assert office.client("staff").get(url).status_code == 403


def test_codes_are_shown_once_on_printable_letters(city, office):
    process = make_process(city)
    url = f"/staff/budgeting/{process.slug}/codes/"
    admin = office.client("admin")
    page = admin.get(url).content.decode()
    token = page.split('name="token" value="')[1].split('"')[0]
    north = city.areas.get(code="north")
    data = {"token": token, "count": "3", "batch": "Mailing 1", "area": str(north.pk)}
    letters = admin.post(url, data)
    assert "no-store" in letters["Cache-Control"]
    text = letters.content.decode()
    assert text.count('class="letter"') == 3 and "pb-voting-letters.css" in text
    assert f"/budgeting/{process.slug}/vote/" in text and "Riverton" in text
    shown = [
        line.split("<code>")[1].split("</code>")[0]
        for line in text.splitlines()
        if "<code>" in line and "letter-code" in line
    ]
    assert len(shown) == 3 and all(voting.verify_voter(process, code=c) for c in shown)
    assert VotingCode.objects.filter(area=north).count() == 3
    again = admin.post(url, data)  # a reload of the letters page
    assert again.status_code == 302 and VotingCode.objects.count() == 3
    overview = admin.get(url).content.decode()
    assert "Mailing 1" in overview and shown[0] not in overview
    # Cancelling one from the page.
    admin.post(f"/staff/budgeting/{process.slug}/codes/revoke/", {"code": shown[0]})
    assert VotingCode.objects.filter(revoked_at__isnull=False).count() == 1


def test_paper_ballots_double_entry_through_the_pages(city, office):
    process = make_process(city)
    citywide, _north, _south = units(process)
    a, b, _c = projects(citywide)
    url = f"/staff/budgeting/{process.slug}/paper/?unit={citywide.pk}"
    form = {"unit": citywide.pk, "sheet": "P-1", "project": [a.pk]}
    first = office.client("staff").post(url, form)
    assert first.status_code == 302
    same = office.client("staff").post(url, form)
    assert same.status_code == 400 and "another person must" in same.content.decode()
    matched = office.client("agent").post(url, form, follow=True)
    assert "both entries agree" in matched.content.decode()
    assert Ballot.objects.get().channel == BallotChannel.PAPER
    # A disagreement goes to a supervisor.
    office.client("staff").post(url, {**form, "sheet": "P-2"})
    office.client("agent").post(url, {**form, "sheet": "P-2", "project": [b.pk]})
    listing = office.client("supervisor").get(f"/staff/budgeting/{process.slug}/paper/mismatches/")
    assert "Sheet P-2" in listing.content.decode()
    entry = process.paper_entries.get(sheet="P-2")
    resolve = f"/staff/budgeting/{process.slug}/paper/{entry.pk}/"
    page = office.client("supervisor").get(resolve).content.decode()
    assert a.title in page and b.title in page
    assert office.client("staff").get(resolve).status_code == 403
    done = office.client("supervisor").post(
        resolve, {"unit": citywide.pk, "project": [b.pk], "action": "resolve"}
    )
    assert done.status_code == 302
    entry.refresh_from_db()
    assert entry.status == PaperEntryStatus.RESOLVED and entry.ballot.projects == [b.pk]


def test_paper_voters_and_turnout_pages(city, office):
    process = make_process(city)
    import_census(ADMIN, process, CENSUS)
    url = f"/staff/budgeting/{process.slug}/paper/voters/"
    clerk = office.client("agent")
    unknown = clerk.post(url, {"identifier": "NOPE"})
    assert unknown.status_code == 400 and "not on the list" in unknown.content.decode()
    marked = clerk.post(url, {"identifier": "zz-9", "birth_date": "1990-12-31"}, follow=True)
    assert "Marked as voted on paper" in marked.content.decode()
    again = clerk.post(url, {"identifier": "zz-9", "birth_date": "1990-12-31"})
    assert "already voted on paper" in again.content.decode()
    turnout = office.client("analyst").get(f"/staff/budgeting/{process.slug}/voting/")
    text = turnout.content.decode()
    assert turnout.status_code == 200 and "Citywide" in text and "Of whom on paper" in text


def test_a_census_keeps_one_layout_so_nobody_is_listed_twice(city):
    process = make_process(city, phase="review")
    import_census(ADMIN, process, CENSUS)  # with dates of birth
    with pytest.raises(ValidationError) as refused:
        import_census(ADMIN, process, "identifier\nAB-123 456\n")
    assert problem_codes(refused) == {"census_layout"}
    assert CensusEntry.objects.filter(process=process).count() == 2
    other = make_process(city, phase="review", slug="pb-other")
    import_census(ADMIN, other, "identifier\nAB-123 456\n")
    with pytest.raises(ValidationError):
        import_census(ADMIN, other, CENSUS)
