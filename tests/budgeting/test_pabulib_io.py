"""Pabulib files in and out: real past elections become processes, and a process's ballots
become a .pb file that counts exactly like the original."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from tests.budgeting.factories import make_process
from townhall.audit.models import AuditEvent
from townhall.budgeting.models import (
    Ballot,
    BallotChannel,
    BallotKind,
    BudgetUnit,
    Category,
    Completion,
    Process,
    Project,
    Rule,
    Satisfaction,
)
from townhall.budgeting.pabulib_io import (
    PabulibImportError,
    dumps,
    election_for_unit,
    import_pabulib,
    to_minor,
    to_whole,
)
from townhall.budgeting.rules import parse_pabulib, parse_pabulib_text, tally
from townhall.lib.actors import Actor

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pabulib"
ACTOR = Actor.system("test")
REMBERTOW = "Poland_Warszawa_2022_Rembertow.pb"
MIEDZESZYN = "Poland_Warszawa_2017_Miedzeszyn.pb"
STARE_BIELANY = "Poland_Warszawa_2017_Stare_Bielany.pb"
# One file of each ballot type, small enough to import in a test.
ONE_OF_EACH = [
    "Poland_Warszawa_2022_Rembertow.pb",  # approval, max_length 15
    "Poland_Czestochowa_2020_Wrzosowiak.pb",  # cumulative, 10 points
    "Poland_Krakow_2020_Lagiewniki-Borek_Falecki.pb",  # ordinal
    "Poland_Wroclaw_2018_Rejon_nr_2_250.pb",  # choose-1
    "France_Toulouse_2022_20_-_Arenes_Romaines_Ancely_Saint-Martin_du_Touch_Purpan.pb",
]


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def imported(city, *names: str, slug: str = "past", **options) -> Process:
    return import_pabulib(ACTOR, city, [(n, read(n)) for n in names], slug, **options)


# --- import ------------------------------------------------------------------------------


def test_a_real_district_vote_becomes_a_past_process_with_its_projects_and_ballots(city):
    process = imported(city, REMBERTOW, slug="rembertow-2022")
    original = parse_pabulib(DATA / REMBERTOW)

    assert process.title == "Warszawa 2022 – Rembertów"
    assert process.summary == "District PB in Warszawa, Rembertów"
    assert (process.ballot_kind, process.min_choices, process.max_choices) == (
        BallotKind.APPROVAL,
        1,
        15,
    )
    # META says greedy, which we count by: the city's own rule is kept.
    assert (process.rule, process.satisfaction, process.completion) == (
        Rule.GREEDY,
        Satisfaction.COST,
        Completion.NONE,
    )
    assert process.currency == "PLN" and process.is_published
    warsaw = ZoneInfo(city.timezone)
    assert process.voting_open_at == datetime(2021, 6, 15, tzinfo=warsaw)
    assert process.voting_close_at == datetime(2021, 7, 1, tzinfo=warsaw)  # end of 30.06
    assert process.results_published_at is None
    assert process.source == f"pabulib:{REMBERTOW}"
    assert process.source_sha256 == hashlib.sha256(read(REMBERTOW)).hexdigest()

    unit = process.units.get()
    assert unit.name == "Rembertów" and unit.area is None
    assert unit.budget == 935_751_00  # minor units
    assert unit.pabulib_meta["_sha256"] == process.source_sha256
    assert unit.pabulib_meta["rule"] == "greedy"

    projects = {p.code: p for p in Project.objects.filter(process=process)}
    assert len(projects) == 66
    park = projects["129"]
    assert park.title == "Budujemy nowy park w Rembertowie! Rejon Strażacka/Kordiana"
    assert park.estimated_cost == 142_300_00 and park.cost == 142_300_00
    assert park.lat == pytest.approx(52.261088881101)
    assert {c.name for c in park.categories.all()} == {
        "urban greenery",
        "public space",
        "environmental protection",
    }
    assert park.extra["beneficiaries"].startswith("people with disabilities")
    assert park.extra["selected"] == "1"  # what the city funded at the time, kept
    assert Category.objects.filter(process=process).count() == len(
        {c for p in original.projects for c in p.categories}
    )

    ballots = Ballot.objects.filter(process=process)
    assert ballots.count() == original.num_voters == 1288
    assert set(ballots.values_list("channel", flat=True)) == {BallotChannel.IMPORTED}
    assert not ballots.exclude(locator="").exists()
    pk_to_code = {p.pk: code for code, p in projects.items()}
    stored = sorted(tuple(pk_to_code[pk] for pk in b.projects) for b in ballots)
    expected = sorted(tuple(original.ballot(i)) for i in range(original.num_voters))
    assert stored == expected

    event = AuditEvent.objects.get(action="pb.process.imported")
    assert event.object_id == str(process.pk)
    assert event.data["files"] == [{"name": REMBERTOW, "sha256": process.source_sha256}]
    assert event.data["ballots"] == 1288


def test_two_files_become_one_process_with_a_unit_each(city):
    process = imported(city, MIEDZESZYN, STARE_BIELANY, slug="warsaw-2017", title="Warsaw 2017")
    assert process.title == "Warsaw 2017"
    units = list(process.units.order_by("position"))
    assert [u.name for u in units] == ["Miedzeszyn", "Stare Bielany"]
    assert [u.budget for u in units] == [117_063_00, 800_000_00]
    # Warsaw's 2017 ballot was limited by money, not by a number of projects.
    assert process.ballot_kind == BallotKind.KNAPSACK
    digests = [hashlib.sha256(read(n)).hexdigest() for n in (MIEDZESZYN, STARE_BIELANY)]
    manifest = f"{digests[0]}  {MIEDZESZYN}\n{digests[1]}  {STARE_BIELANY}\n"
    assert process.source_sha256 == hashlib.sha256(manifest.encode()).hexdigest()
    assert [u.pabulib_meta["_sha256"] for u in units] == digests
    assert Ballot.objects.filter(unit=units[0]).count() == 545
    assert Ballot.objects.filter(unit=units[1]).count() == 1335
    assert AuditEvent.objects.filter(action="pb.process.imported").count() == 1


def test_a_file_naming_a_district_of_the_city_is_mapped_to_that_area(city):
    text = read("Poland_Zabrze_2020_Biskupice.pb").decode().replace("Biskupice", "Northside")
    process = import_pabulib(ACTOR, city, [("north.pb", text)], "northside-2020")
    unit = process.units.get()
    assert unit.area is not None and unit.area.code == "north"


def test_project_ids_used_by_two_files_get_a_prefix_and_still_count_the_same(city):
    name = "Poland_Zabrze_2020_Biskupice.pb"
    process = imported(city, name, name, slug="twice")
    units = list(process.units.order_by("position"))
    assert [u.name for u in units] == ["Biskupice", "Biskupice (2)"]
    codes = sorted(Project.objects.filter(process=process).values_list("code", flat=True))
    assert codes == ["1-P0050", "1-P0081", "2-P0050", "2-P0081"]
    original = tally(parse_pabulib(DATA / name), "greedy")
    for k, unit in enumerate(units, start=1):
        ours = tally(parse_pabulib_text(dumps(unit)), "greedy")
        assert ours.selected == [f"{k}-{code}" for code in original.selected]


def test_a_rule_we_do_not_count_by_falls_back_to_the_citys_choice(city):
    # Gdynia's "greedy-no-skip" stops at the first project that does not fit.
    process = imported(city, "Poland_Gdynia_2022_Babie_Doly__large.pb", rule=Rule.PHRAGMEN)
    assert process.rule == Rule.PHRAGMEN
    other = imported(city, "Poland_Katowice_2020_Srodmiescie.pb", slug="katowice")
    assert (other.rule, other.completion) == (Rule.MES, Completion.ADD1)
    assert other.ballot_kind == BallotKind.CUMULATIVE
    assert (other.points_total, other.satisfaction) == (3, Satisfaction.POINTS)


# --- round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ONE_OF_EACH)
def test_import_then_export_counts_the_same_winners_as_the_original_file(city, name):
    original = parse_pabulib(DATA / name)
    process = imported(city, name)
    exported = parse_pabulib_text(dumps(process.units.get()))
    assert exported.vote_type == original.vote_type
    assert exported.num_voters == original.num_voters
    assert exported.budget == original.budget
    sat = "points" if original.vote_type == "cumulative" else "cost"
    for rule, satisfaction, completion in (
        ("greedy", sat, "none"),
        ("mes", "cost", "add1"),
        ("mes", "cardinality", "none"),
    ):
        want = tally(original, rule, satisfaction, completion)
        got = tally(exported, rule, satisfaction, completion)
        assert got.selected == want.selected, (rule, satisfaction, completion)
        assert got.cost == want.cost


def test_the_exported_file_says_what_pabulib_expects_and_nothing_about_voters(city):
    process = imported(city, REMBERTOW)
    text = dumps(process.units.get())
    meta = parse_pabulib_text(text).meta
    for key in ("description", "country", "unit", "instance", "num_projects", "num_votes",
                "budget", "vote_type", "rule", "date_begin", "date_end"):  # fmt: skip
        assert meta.get(key), key
    assert (meta["num_votes"], meta["budget"], meta["vote_type"]) == ("1288", "935751", "approval")
    assert (meta["date_begin"], meta["date_end"], meta["max_length"]) == (
        "15.06.2021",
        "30.06.2021",
        "15",
    )
    assert "_sha256" not in meta and "_source" not in meta
    votes_header = text.split("\nVOTES\n", 1)[1].splitlines()[0]
    assert votes_header == "voter_id;vote"  # no age, sex or voting method
    election = parse_pabulib_text(text)
    assert election.voter_ids == [str(i) for i in range(1, 1289)]


def test_a_live_process_exports_whole_currency_units_in_an_identity_free_order(city):
    process = make_process(city, phase="counting")
    unit = process.units.get(area__isnull=True)
    a, b, c = Project.objects.filter(unit=unit).order_by("pk")
    a.estimated_cost = 1_234_56  # $1,234.56
    a.save()
    for chosen in ([a.pk, b.pk], [c.pk], [b.pk, a.pk], [a.pk]):
        Ballot.objects.create(process=process, unit=unit, channel="online", projects=chosen)
    first = dumps(unit)
    election = parse_pabulib_text(first)
    assert election.budget == 100_000
    assert election.project(a.code).cost == to_whole(1_234_56, "USD")
    assert "1234.56" in first
    assert [election.ballot(i) for i in range(4)] == sorted(
        [[a.code, b.code], [c.code], [b.code, a.code], [a.code]],
        key=lambda ids: ",".join(ids),
    )
    # The same ballots, stored in another order, give the very same bytes.
    Ballot.objects.filter(unit=unit).delete()
    for chosen in ([a.pk], [b.pk, a.pk], [c.pk], [a.pk, b.pk]):
        Ballot.objects.create(process=process, unit=unit, channel="online", projects=chosen)
    assert dumps(unit) == first
    assert election_for_unit(unit).meta["description"] == "Municipal PB in Riverton"


def test_money_converts_exactly_both_ways():
    assert to_whole(1_234_56, "PLN") == to_whole(123_456, "EUR")
    assert to_minor(to_whole(1_234_56, "USD"), "USD") == 1_234_56
    assert to_minor(500, "JPY") == 500
    with pytest.raises(ValueError):
        to_minor(to_whole(1, "USD") / 2, "USD")


# --- bad input ---------------------------------------------------------------------------


def _nothing_written() -> None:
    assert not Process.objects.exists()
    assert not BudgetUnit.objects.exists()
    assert not Project.objects.exists()
    assert not Ballot.objects.exists()
    assert not AuditEvent.objects.filter(action="pb.process.imported").exists()


def test_a_broken_vote_names_the_file_line_and_section_and_writes_nothing(city):
    lines = read(REMBERTOW).decode().splitlines(keepends=True)
    votes = next(k for k, line in enumerate(lines) if line.strip() == "VOTES")
    bad = votes + 3  # the second ballot
    lines[bad] = lines[bad].replace(";", ";99999,", 1)
    good = read(MIEDZESZYN)
    with pytest.raises(PabulibImportError) as caught:
        import_pabulib(ACTOR, city, [(MIEDZESZYN, good), ("bad.pb", "".join(lines))], "broken")
    error = caught.value
    assert (error.file, error.line, error.section) == ("bad.pb", bad + 1, "VOTES")
    assert str(error) == f"bad.pb: line {bad + 1} in VOTES: unknown project id '99999'"
    _nothing_written()


def test_a_cost_finer_than_a_cent_is_refused_with_its_line(city):
    text = read("Poland_Zabrze_2020_Biskupice.pb").decode()
    lines = text.splitlines()
    row = next(k for k, line in enumerate(lines) if line.startswith("P0081;"))
    cost = lines[row].split(";")[1]
    lines[row] = lines[row].replace(f";{cost};", f";{cost}.125;", 1)
    with pytest.raises(PabulibImportError) as caught:
        import_pabulib(ACTOR, city, [("fine.pb", "\n".join(lines))], "fine")
    assert (caught.value.line, caught.value.section) == (row + 1, "PROJECTS")
    assert "more decimals than PLN allows" in str(caught.value)
    _nothing_written()


@pytest.mark.parametrize(
    ("files", "slug", "message"),
    [
        ([REMBERTOW, "Poland_Gdansk_2020_Kokoszki.pb"], "mixed", "same vote_type"),
        ([REMBERTOW], "Not A Slug!", "lower-case letters"),
        ([REMBERTOW], "results", "reserved"),
        ([], "empty", "at least one"),
    ],
)
def test_files_that_cannot_make_one_process_are_refused(city, files, slug, message):
    with pytest.raises(PabulibImportError, match=message):
        imported(city, *files, slug=slug)
    _nothing_written()


def test_an_address_already_taken_is_refused_and_nothing_more_is_written(city):
    imported(city, MIEDZESZYN, slug="taken")
    with pytest.raises(PabulibImportError, match="already exists"):
        imported(city, REMBERTOW, slug="taken")
    assert Process.objects.count() == 1 and Ballot.objects.count() == 545


def test_a_file_that_is_not_utf8_names_its_line(city):
    data = read(MIEDZESZYN).replace(b"Miedzeszyn", "Miedzeszyn\xe9".encode("latin-1"), 1)
    with pytest.raises(PabulibImportError, match=r"^latin\.pb: line 3: the file is not valid"):
        import_pabulib(ACTOR, city, [("latin.pb", data)], "latin")
    _nothing_written()


# --- scale and the command line ----------------------------------------------------------


def test_fifty_thousand_voters_import_in_reasonable_time(city):
    name = "Poland_Lodz_2020.pb"  # 51,472 voters, 151 projects
    started = time.perf_counter()
    process = imported(city, name, slug="lodz-2020")
    seconds = time.perf_counter() - started
    assert Ballot.objects.filter(process=process).count() == 51_472
    assert seconds < 60, f"{seconds:.1f} s"


def test_the_command_line_imports_files_and_reports_errors(city, tmp_path):
    out = StringIO()
    call_command(
        "pb_import", str(DATA / MIEDZESZYN), str(DATA / STARE_BIELANY), "--slug", "cli-2017",
        stdout=out,
    )  # fmt: skip
    assert "2 budget unit(s), 1,880 ballots" in out.getvalue()
    assert Process.objects.get(slug="cli-2017").units.count() == 2
    broken = tmp_path / "broken.pb"
    broken.write_text("META\nkey;value\nvote_type;approval\n", encoding="utf-8")
    with pytest.raises(CommandError, match="broken.pb: missing PROJECTS section"):
        call_command("pb_import", str(broken), "--slug", "broken")
    with pytest.raises(CommandError, match="No such file"):
        call_command("pb_import", str(tmp_path / "missing.pb"), "--slug", "missing")
