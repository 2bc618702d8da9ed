"""Counting, comparing, explaining and publishing results; the pages residents and staff see.

The verifiability promise is tested the way a resident would check it: download the
published .pb, check its SHA-256, count it with the same rule, get the same winners.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tests.budgeting.factories import make_process
from tests.staff import conftest as personas
from townhall.audit.models import AuditEvent
from townhall.budgeting.models import (
    Ballot,
    BudgetUnit,
    Completion,
    Process,
    Project,
    Rule,
    Satisfaction,
    UnitResult,
)
from townhall.budgeting.pabulib_io import import_pabulib
from townhall.budgeting.results import (
    CountingError,
    _with_supporters,
    count_process,
    current_results,
    describe,
    publish_results,
)
from townhall.budgeting.rules import parse_pabulib_text, tally
from townhall.lib.actors import Actor

people = personas.people
_fast_passwords = personas._fast_passwords

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pabulib"
ACTOR = Actor.system("test")
REMBERTOW = "Poland_Warszawa_2022_Rembertow.pb"
TOULOUSE = "France_Toulouse_2022_20_-_Arenes_Romaines_Ancely_Saint-Martin_du_Touch_Purpan.pb"


def past(city, name: str, slug: str = "past", **options) -> Process:
    return import_pabulib(ACTOR, city, [(name, (DATA / name).read_bytes())], slug, **options)


def vote(process: Process, unit: BudgetUnit, *ballots: list[Project]) -> None:
    Ballot.objects.bulk_create(
        [
            Ballot(process=process, unit=unit, channel="online", projects=[p.pk for p in b])
            for b in ballots
        ]
    )


@pytest.fixture
def closed(city):
    """A closed Riverton vote: citywide unit with three projects and five ballots."""
    process = make_process(city, phase="counting", rule=Rule.GREEDY, completion="none")
    unit = process.units.get(area__isnull=True)
    tree, crossing, garden = Project.objects.filter(unit=unit).order_by("pk")
    # Budget 100,000: tree 50,000, crossing 33,333, garden 25,000.
    vote(
        process,
        unit,
        [tree],
        [tree],
        [tree, crossing],
        [garden],
        [],
    )
    return process, unit, (tree, crossing, garden)


# --- counting ----------------------------------------------------------------------------


def test_counting_stores_a_result_per_unit_with_its_published_file(closed):
    process, unit, (tree, crossing, garden) = closed
    results = count_process(ACTOR, process)
    assert len(results) == process.units.count()
    result = next(r for r in results if r.unit_id == unit.pk)
    # Greedy by votes: tree (3), then crossing (1) and garden (1) tie on votes; ties go to
    # the smaller id in string order, and both still fit.
    assert result.selected == [tree.code, crossing.code, garden.code][: len(result.selected)]
    assert result.selected[0] == tree.code
    assert result.voters == 5 and result.budget == unit.budget
    assert result.cost == sum(p.cost for p in (tree, crossing, garden) if p.code in result.selected)
    assert result.pb_sha256 == hashlib.sha256(result.pb_file.encode("utf-8")).hexdigest()
    assert (result.rule, result.satisfaction, result.completion) == ("greedy", "cost", "none")
    assert result.is_current
    event = AuditEvent.objects.get(action="pb.results.counted")
    assert event.object_id == str(process.pk)
    assert {u["pb_sha256"] for u in event.data["units"]} == {r.pb_sha256 for r in results}


def test_share_of_voters_with_a_winner_counts_empty_ballots_as_voters(closed):
    process, unit, (tree, crossing, garden) = closed
    Project.objects.filter(pk=crossing.pk).update(estimated_cost=60_000_00)  # no longer fits
    result = next(r for r in count_process(ACTOR, process) if r.unit_id == unit.pk)
    greedy = result.comparison["rules"]["greedy"]
    assert greedy["selected"] == [tree.code, garden.code]
    # Voters 1-3 have the tree, voter 4 the garden, voter 5 handed in an empty ballot.
    assert (greedy["voters"], greedy["voters_with_winner"]) == (5, 4)
    assert greedy["share_with_winner"] == 0.8
    assert greedy["leftover"] == unit.budget - tree.cost - garden.cost
    projects = result.comparison["projects"]
    assert projects[tree.code]["votes"] == 3
    assert projects[tree.code]["selected_by"] == ["greedy", "mes", "phragmen"]
    # The crossing, with one vote, would need to pass the tree (3 votes) to fit, and the
    # tree's id comes first: 3 more supporters. It came before the garden, which was funded
    # with the money the crossing could not use.
    assert projects[crossing.code]["explanation"] == {
        "kind": "needed",
        "supporters": 3,
        "exact": True,
        "skipped": True,
    }


def test_winners_are_counted_per_district_and_category(city):
    process = make_process(city, phase="counting", rule=Rule.GREEDY, completion="none")
    unit = process.units.get(area__isnull=True)
    tree, crossing, garden = Project.objects.filter(unit=unit).order_by("pk")
    Project.objects.filter(pk=tree.pk).update(lat=40.02, lon=-75.18)  # in Northside
    Project.objects.filter(pk=garden.pk).update(lat=40.02, lon=-75.12)  # in Southside
    vote(process, unit, [tree, garden], [tree], [garden])
    result = next(r for r in count_process(ACTOR, process) if r.unit_id == unit.pk)
    greedy = result.comparison["rules"]["greedy"]
    assert greedy["by_district"] == [
        ["Northside", 1, tree.cost],
        ["Southside", 1, garden.cost],
    ]
    assert greedy["by_category"] == [["Green spaces", 2, tree.cost + garden.cost]]
    # A district unit's projects are all in its district.
    north = process.units.get(area__code="north")
    counted = UnitResult.objects.get(unit=north, is_current=True)
    assert all(row[0] == "Northside" for row in counted.comparison["rules"]["mes"]["by_district"])


def test_votes_are_counted_only_once_voting_has_closed(city):
    process = make_process(city, phase="voting")
    with pytest.raises(CountingError, match="not closed"):
        count_process(ACTOR, process)
    assert not UnitResult.objects.exists()
    assert not AuditEvent.objects.filter(action="pb.results.counted").exists()


def test_a_recount_replaces_the_current_result_and_keeps_the_old_one(closed):
    process, unit, projects = closed
    first = {r.unit_id: r.pk for r in count_process(ACTOR, process)}
    vote(process, unit, [projects[2]], [projects[2]])
    second = count_process(ACTOR, process)
    assert UnitResult.objects.filter(unit=unit).count() == 2
    assert UnitResult.objects.get(pk=first[unit.pk]).is_current is False
    assert [r.pk for r in current_results(process)] == [r.pk for r in second]


# --- verifiability -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        (REMBERTOW, None),  # greedy, as the file says
        (REMBERTOW, Rule.MES),
        (TOULOUSE, Rule.PHRAGMEN),
        ("Poland_Czestochowa_2020_Wrzosowiak.pb", None),  # cumulative, greedy by points
        ("Poland_Krakow_2020_Lagiewniki-Borek_Falecki.pb", Rule.MES),  # ordinal
        ("Poland_Poznan_2025_6_-_Ogrody_Solacz_Winiary_Wola__small.pb", None),  # choose-1
    ],
)
def test_anyone_recounting_the_published_file_gets_the_published_winners(city, name, rule):
    process = past(city, name)
    if rule is not None:
        Process.objects.filter(pk=process.pk).update(
            rule=rule,
            satisfaction=Satisfaction.CARDINALITY if rule == Rule.PHRAGMEN else Satisfaction.COST,
            completion=Completion.ADD1 if rule == Rule.MES else Completion.NONE,
        )
    count_process(ACTOR, process, explain_seconds=2)
    publish_results(ACTOR, process)
    result = current_results(process)[0]
    unit = result.unit

    response = Client().get(f"/budgeting/{process.slug}/results/{unit.pk}.pb")
    assert response.status_code == 200
    downloaded = response.content
    page = Client().get(f"/budgeting/{process.slug}/results/").content.decode()
    assert hashlib.sha256(downloaded).hexdigest() == result.pb_sha256
    assert result.pb_sha256 in page

    recount = tally(
        parse_pabulib_text(downloaded.decode("utf-8")),
        result.rule,
        result.satisfaction,
        result.completion,
    )
    assert recount.selected == result.selected
    assert recount.cost * 100 == result.cost


def test_the_published_file_marks_the_funded_projects(city):
    process = past(city, TOULOUSE)
    result = count_process(ACTOR, process)[0]
    election = parse_pabulib_text(result.pb_file)
    funded = {p.id for p in election.projects if p.fields.get("selected") == "1"}
    assert funded == set(result.selected)
    assert election.meta["rule"] == "greedy"


# --- "needed N more supporters" ----------------------------------------------------------


def _funded_with(election, code: str, k: int, rule, satisfaction, completion, points=None):
    extended = _with_supporters(election, election.project_index(code), k, points)
    return code in tally(extended, rule, satisfaction, completion).selected


def test_greedy_explanations_are_exact(city):
    process = past(city, REMBERTOW)
    result = count_process(ACTOR, process)[0]
    election = parse_pabulib_text(result.pb_file)
    explained = {
        code: entry["explanation"]
        for code, entry in result.comparison["projects"].items()
        if "explanation" in entry
    }
    assert set(explained) == set(election.project_ids) - set(result.selected)
    for code, explanation in explained.items():
        if explanation["kind"] == "over_budget":
            assert election.project(code).cost > election.budget
            continue
        n = explanation["supporters"]
        assert explanation["exact"] is True
        assert _funded_with(election, code, n, "greedy", "cost", "none"), code
        assert not _funded_with(election, code, n - 1, "greedy", "cost", "none"), code


def test_greedy_by_points_explanations_give_each_supporter_the_most_points(city):
    process = past(city, "Poland_Czestochowa_2020_Wrzosowiak.pb")
    result = count_process(ACTOR, process)[0]
    assert result.comparison["explain"]["added_points"] == 10  # max_sum_points
    election = parse_pabulib_text(result.pb_file)
    for code, entry in result.comparison["projects"].items():
        explanation = entry.get("explanation")
        if not explanation or explanation["kind"] != "needed":
            continue
        n = explanation["supporters"]
        assert _funded_with(election, code, n, "greedy", "points", "none", 10), code
        assert not _funded_with(election, code, n - 1, "greedy", "points", "none", 10), code


def test_equal_shares_explanations_come_from_recounting(city):
    process = past(city, TOULOUSE, rule=Rule.MES)
    Process.objects.filter(pk=process.pk).update(rule=Rule.MES, completion=Completion.ADD1)
    result = count_process(ACTOR, process, explain_seconds=20)[0]
    election = parse_pabulib_text(result.pb_file)
    assert result.comparison["explain"]["method"] == "search"
    checked = 0
    for code, entry in result.comparison["projects"].items():
        explanation = entry.get("explanation")
        if not explanation:
            continue
        assert explanation["kind"] == "needed" and explanation["exact"] is False
        n = explanation["supporters"]
        assert _funded_with(election, code, n, "mes", "cost", "add1"), code
        assert not _funded_with(election, code, n - 1, "mes", "cost", "add1"), code
        checked += 1
    assert checked == election.num_projects - len(result.selected) > 0


def test_explanations_out_of_time_say_so(city):
    process = past(city, TOULOUSE)
    Process.objects.filter(pk=process.pk).update(rule=Rule.MES, completion=Completion.ADD1)
    result = count_process(ACTOR, process, explain_seconds=0)[0]
    kinds = {
        e["explanation"]["kind"]
        for e in result.comparison["projects"].values()
        if "explanation" in e
    }
    assert kinds == {"not_computed"}
    publish_results(ACTOR, process)
    page = Client().get(f"/budgeting/{process.slug}/results/").content.decode()
    assert "was not computed for this count" in page


# --- publishing --------------------------------------------------------------------------


def test_publishing_marks_the_official_winners_funded_once(closed):
    process, unit, (tree, crossing, garden) = closed
    with pytest.raises(CountingError, match="Count the votes first"):
        publish_results(ACTOR, process)
    results = count_process(ACTOR, process)
    publish_results(ACTOR, process)
    process.refresh_from_db()
    assert process.results_published_at is not None
    winners = {(r.unit_id, code) for r in results for code in r.selected}
    for project in Project.objects.filter(process=process):
        assert project.is_funded == ((project.unit_id, project.code) in winners)
    assert AuditEvent.objects.filter(action="pb.results.published").count() == 1
    with pytest.raises(CountingError, match="already published"):
        publish_results(ACTOR, process)
    with pytest.raises(CountingError, match="no longer be recounted"):
        count_process(ACTOR, process)


def test_ballots_added_after_the_count_must_be_counted_before_publishing(closed):
    process, unit, projects = closed
    count_process(ACTOR, process)
    vote(process, unit, [projects[1]])
    with pytest.raises(CountingError, match="count again"):
        publish_results(ACTOR, process)
    process.refresh_from_db()
    assert process.results_published_at is None


def test_the_command_line_counts_and_publishes(city):
    process = past(city, TOULOUSE, slug="toulouse")
    out = StringIO()
    call_command("pb_count", "toulouse", "--publish", stdout=out)
    text = out.getvalue()
    assert "286 voters" in text and "Published." in text
    process.refresh_from_db()
    assert process.results_published_at is not None
    with pytest.raises(CommandError, match="already published|no longer be recounted"):
        call_command("pb_count", "toulouse")
    with pytest.raises(CommandError, match="no process"):
        call_command("pb_count", "nowhere")


# --- residents' pages --------------------------------------------------------------------


def test_results_are_not_shown_before_they_are_published(closed):
    process, unit, _projects = closed
    client = Client()
    page = client.get(f"/budgeting/{process.slug}/results/")
    assert page.status_code == 404
    assert "Results not published yet" in page.content.decode()
    count_process(ACTOR, process)
    assert client.get(f"/budgeting/{process.slug}/results/").status_code == 404
    assert client.get(f"/budgeting/{process.slug}/results/{unit.pk}.pb").status_code == 404
    assert client.get(f"/budgeting/{process.slug}/results/{unit.pk}/").status_code == 404
    Process.objects.filter(pk=process.pk).update(is_published=False)
    assert client.get(f"/budgeting/{process.slug}/results/").status_code == 404
    assert client.get("/budgeting/nowhere/results/").status_code == 404


def test_the_results_page_shows_winners_comparison_and_reasons(city):
    process = past(city, REMBERTOW, slug="rembertow")
    count_process(ACTOR, process)
    publish_results(ACTOR, process)
    result = current_results(process)[0]
    report = describe(result)
    page = Client().get("/budgeting/rembertow/results/").content.decode()
    first = Project.objects.get(process=process, code=result.selected[0])
    assert first.title in page
    assert "Greedy: most votes first" in page and "Equal Shares with Add1" in page
    greedy, mes = report.columns[0], report.columns[1]
    assert f"{greedy.share_percent}%" in page and f"{mes.share_percent}%" in page
    assert "Voters with at least one winning project" in page
    top_loser = report.not_funded[0]
    assert top_loser.reason == "needed"
    assert f"It needed {top_loser.supporters} more supporters to be funded." in page
    assert "The projects were put in order of their number of votes" in page
    assert f"/budgeting/rembertow/results/{result.unit_id}.pb" in page
    assert "townhall pb tally rembertow-rembertow.pb --rule greedy --satisfaction cost" in page

    download = Client().get(f"/budgeting/rembertow/results/{result.unit_id}.pb")
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="rembertow-rembertow.pb"'


def test_a_process_with_several_budgets_lists_them_and_each_has_its_page(closed):
    process, unit, _projects = closed
    count_process(ACTOR, process)
    publish_results(ACTOR, process)
    client = Client()
    overview = client.get(f"/budgeting/{process.slug}/results/").content.decode()
    for each in process.units.all():
        assert f"/budgeting/{process.slug}/results/{each.pk}/" in overview
    detail = client.get(f"/budgeting/{process.slug}/results/{unit.pk}/")
    assert detail.status_code == 200
    assert "Winning projects" in detail.content.decode()
    assert client.get(f"/budgeting/{process.slug}/results/999999/").status_code == 404


# --- back office ---------------------------------------------------------------------------


def test_staff_count_preview_then_publish(closed, people):
    process, unit, projects = closed
    admin = people.client("admin")
    url = f"/staff/budgeting/{process.slug}/results/"
    assert "Count the votes" in admin.get(url).content.decode()
    response = admin.post(f"{url}count/")
    assert response.status_code == 302 and response["Location"] == url
    preview = admin.get(url).content.decode()
    assert "Counted, not published" in preview and "Publish the results" in preview
    assert Client().get(f"/budgeting/{process.slug}/results/").status_code == 404
    assert admin.post(f"{url}publish/").status_code == 302
    process.refresh_from_db()
    assert process.results_published_at is not None
    assert Client().get(f"/budgeting/{process.slug}/results/").status_code == 200


def test_analysts_read_the_preview_but_only_supervisors_count_and_admins_publish(closed, people):
    process, _unit, _projects = closed
    url = f"/staff/budgeting/{process.slug}/results/"
    assert people.client("analyst").get(url).status_code == 200
    assert people.client("analyst").post(f"{url}count/").status_code == 403
    assert people.client("staff").get(url).status_code == 403
    assert people.client("supervisor").post(f"{url}count/").status_code == 302
    assert people.client("supervisor").post(f"{url}publish/").status_code == 403
    assert UnitResult.objects.filter(unit__process=process).exists()


def test_counting_too_early_is_explained_to_staff(city, people):
    process = make_process(city, phase="voting")
    admin = people.client("admin")
    url = f"/staff/budgeting/{process.slug}/results/"
    admin.post(f"{url}count/")
    assert "Voting has not closed yet" in admin.get(url).content.decode()
    assert not UnitResult.objects.exists()


def test_staff_import_pabulib_files_through_the_page(city, people):
    admin = people.client("admin")
    files = [
        SimpleUploadedFile(name, (DATA / name).read_bytes(), content_type="text/plain")
        for name in ("Poland_Warszawa_2017_Miedzeszyn.pb", "Poland_Warszawa_2017_Stare_Bielany.pb")
    ]
    assert admin.get("/staff/budgeting/new/import/").status_code == 200
    response = admin.post(
        "/staff/budgeting/new/import/",
        {"pb_files": files, "slug": "warsaw-2017", "title": "", "rule": "mes", "publish": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/budgeting/warsaw-2017/results/"
    process = Process.objects.get(slug="warsaw-2017")
    assert process.units.count() == 2 and process.is_published
    assert people.client("supervisor").get("/staff/budgeting/new/import/").status_code == 403


def test_a_bad_upload_shows_the_line_and_writes_nothing(city, people):
    bad = SimpleUploadedFile("bad.pb", b"META\nkey;value\nbudget;10\nvote_type;approval\n")
    response = people.client("admin").post(
        "/staff/budgeting/new/import/",
        {"pb_files": [bad], "slug": "bad", "rule": "mes"},
    )
    assert response.status_code == 400
    assert "bad.pb: missing PROJECTS section" in response.content.decode()
    assert not Process.objects.filter(slug="bad").exists()


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_ships_a_real_past_vote_with_published_results(city):
    from townhall.demo.pb_import import SLUG, load_past_election

    process = load_past_election(ACTOR, city)
    assert process.results_published_at is not None
    assert load_past_election(ACTOR, city).pk == process.pk  # only once
    result = current_results(process)[0]
    rules = result.comparison["rules"]
    assert result.rule == "greedy" and result.voters == 11_039
    # Equal Shares gives many more voters a winning project than the city's greedy count.
    assert rules["mes"]["share_with_winner"] - rules["greedy"]["share_with_winner"] > 0.05
    page = Client().get(f"/budgeting/{SLUG}/results/")
    assert page.status_code == 200 and result.pb_sha256 in page.content.decode()
    assert timezone.now() - process.results_published_at < timedelta(minutes=5)


def test_townhall_pb_count_and_import_reach_the_database_commands(city, capsys, monkeypatch):
    from django.db import connections

    from townhall.cli import main

    # A command run from the command line closes every connection when it ends, the test's
    # own included on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    with pytest.raises(SystemExit) as exited:
        main(["pb", "count", "nowhere"])
    assert exited.value.code == 1
    assert "no process 'nowhere'" in capsys.readouterr().err
    assert main(["pb", "import", str(DATA / TOULOUSE), "--slug", "toulouse-cli"]) == 0
    assert "286 ballots" in capsys.readouterr().out


def test_a_rule_that_cannot_count_the_ballot_is_a_clear_error(closed):
    process, _unit, _projects = closed
    Process.objects.filter(pk=process.pk).update(satisfaction=Satisfaction.POINTS)
    with pytest.raises(CountingError, match="does not apply to this ballot"):
        count_process(ACTOR, process)
    assert not UnitResult.objects.exists()
