"""Reading and writing Pabulib files: what an election officer importing a .pb file sees."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tests.budgeting.rules.helpers import DATA
from townhall.budgeting.rules import (
    PabulibParseError,
    anonymised,
    dumps_pabulib,
    parse_pabulib,
    parse_pabulib_text,
    write_pabulib,
)

GOOD = """\ufeffMETA
key;value
description;Test election
num_projects;3
num_votes;4
budget;1000.0
vote_type;approval
PROJECTS
project_id;cost;name;category;district
1;500;"Park; with a ""quoted"" name";green,sport;North
2;300.00;Library;culture;None
10;400;"Two
lines";;South

VOTES
voter_id;vote;age;sex
a1;1,2;34;F
a2; 10 ,1;None;M
a3;;51;
a4;2,2;;
"""


def test_a_well_formed_file_gives_projects_ballots_and_budget():
    e = parse_pabulib_text(GOOD)
    assert e.budget == 1000 and isinstance(e.budget, int)
    assert e.vote_type == "approval"
    assert e.project_ids == ["1", "2", "10"]
    assert [p.cost for p in e.projects] == [500, 300, 400]
    park = e.project("1")
    assert park.name == 'Park; with a "quoted" name'
    assert park.categories == ("green", "sport")
    assert park.district == "North"
    assert e.project("2").district is None  # "None" means absent
    assert e.project("10").name == "Two\nlines"
    assert e.num_voters == 4
    assert e.ballot(0) == ["1", "2"]
    assert e.ballot(1) == ["10", "1"]  # spaces around ids are ignored
    assert e.ballot(2) == []  # an empty ballot still counts as a voter
    assert e.ballot(3) == ["2"]  # approving twice is approving once
    assert any("listed twice" in w for w in e.warnings)
    assert e.voter_fields["age"] == ["34", None, "51", None]
    assert e.voter_fields["sex"] == ["F", "M", None, None]


def test_crlf_line_endings_and_a_missing_bom_parse_the_same():
    crlf = GOOD.replace("\ufeff", "").replace("\n", "\r\n")
    a, b = parse_pabulib_text(GOOD), parse_pabulib_text(crlf)
    assert a.projects == b.projects
    assert a.voter_ids == b.voter_ids
    assert np.array_equal(a.indices, b.indices)


def test_fractional_costs_and_budget_stay_exact():
    text = GOOD.replace("budget;1000.0", "budget;1000,5").replace("2;300.00;", "2;300.25;")
    e = parse_pabulib_text(text)
    assert e.budget == Fraction(2001, 2)
    assert e.project("2").cost == Fraction(1201, 4)


def test_cumulative_points_are_read_alongside_the_vote():
    text = """META
key;value
budget;100
vote_type;cumulative
PROJECTS
project_id;cost
p1;60
p2;50
VOTES
voter_id;vote;points
1;p1,p2;2,1
2;p2;3
"""
    e = parse_pabulib_text(text)
    assert e.ballot(0) == ["p1", "p2"]
    assert e.ballot_points(0) == [2, 1]
    assert e.ballot_points(1) == [3]


def test_sections_may_come_in_any_order_and_repeat():
    text = """PROJECTS
project_id;cost
a;10
VOTES
voter_id;vote
1;a
META
key;value
budget;10
vote_type;approval
PROJECTS
project_id;cost
b;5
VOTES
voter_id;vote
2;b,a
"""
    e = parse_pabulib_text(text)
    assert e.project_ids == ["a", "b"]
    assert [e.ballot(i) for i in range(2)] == [["a"], ["b", "a"]]


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (("10 ,1", "10,999"), "line 18 in VOTES: unknown project id '999'"),
        (("2;300.00;", "2;abc;"), "line 11 in PROJECTS: cost of project '2' is not a number"),
        (
            ("2;300.00;", "1;300.00;"),
            "line 11 in PROJECTS: duplicate project id '1' (first on line 10)",
        ),
        (("vote_type;approval", "vote_type;plurality"), "line 1 in META: vote_type must be one of"),
        (("budget;1000.0\n", ""), "line 1 in META: missing 'budget'"),
        (("budget;1000.0", "budget;-5"), "line 1 in META: budget is negative"),
        (("project_id;cost;name", "project_id;price;name"), "line 9 in PROJECTS: the header needs"),
        (
            ("voter_id;vote;age", "voter_id;ballot;age"),
            "line 16 in VOTES: the header needs a 'vote'",
        ),
        (("\ufeffMETA\n", "\ufeffhello\nMETA\n"), "line 1: expected a section title"),
        (("a4;2,2;;", "a4;2;;;;x"), "line 20 in VOTES: 6 values for 4 columns"),
        (("num_votes;4\n", "num_votes\n"), "line 5 in META: expected a 'key;value' row"),
    ],
)
def test_a_broken_file_is_rejected_with_line_and_section(mutation, expected):
    old, new = mutation
    assert old in GOOD
    with pytest.raises(PabulibParseError) as caught:
        parse_pabulib_text(GOOD.replace(old, new, 1))
    assert str(caught.value).startswith(expected), str(caught.value)


def test_the_error_carries_line_and_section_as_data():
    with pytest.raises(PabulibParseError) as caught:
        parse_pabulib_text(GOOD.replace("10 ,1", "10,999"))
    assert (caught.value.line, caught.value.section) == (18, "VOTES")


def test_points_must_match_the_projects_voted_for():
    text = """META
key;value
budget;100
vote_type;cumulative
PROJECTS
project_id;cost
p1;60
p2;50
VOTES
voter_id;vote;points
1;p1,p2;2
"""
    with pytest.raises(PabulibParseError, match="line 11 in VOTES: 2 projects in 'vote' but 1"):
        parse_pabulib_text(text)


def test_a_missing_section_is_named():
    with pytest.raises(PabulibParseError, match="missing VOTES section"):
        parse_pabulib_text(GOOD.split("VOTES")[0])


def test_a_file_that_is_not_utf8_is_rejected(tmp_path):
    path = tmp_path / "latin1.pb"
    path.write_bytes(
        GOOD.replace("\ufeff", "").replace("Library", "Bibliothèque").encode("latin-1")
    )
    with pytest.raises(PabulibParseError, match="line 11: the file is not valid UTF-8"):
        parse_pabulib(path)


def _same(a, b) -> bool:
    return (
        a.meta == b.meta
        and a.projects == b.projects
        and a.budget == b.budget
        and a.voter_ids == b.voter_ids
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and a.voter_fields == b.voter_fields
        and (a.points is None) == (b.points is None)
        and (a.points is None or np.array_equal(a.points * b.points_denominator,
                                                b.points * a.points_denominator))
    )  # fmt: skip


def test_writing_then_reading_gives_back_the_same_election(tmp_path):
    e = parse_pabulib_text(GOOD)
    path = tmp_path / "out.pb"
    write_pabulib(e, path)
    assert _same(parse_pabulib(path), e)


@pytest.mark.parametrize(
    "name",
    [
        "Poland_Katowice_2022_Zawodzie.pb",  # cumulative
        "Poland_Krakow_2022_Lagiewniki-Borek_Falecki.pb",  # ordinal
        "Poland_Wroclaw_2018_Rejon_nr_2_250.pb",  # choose-1
        "France_Toulouse_2022_20_-_Arenes_Romaines_Ancely_Saint-Martin_du_Touch_Purpan.pb",
    ],
)
def test_real_files_round_trip(name):
    e = parse_pabulib(DATA / name)
    assert _same(parse_pabulib_text(dumps_pabulib(e)), e)


def test_the_published_file_drops_personal_columns_and_counts_the_same():
    from townhall.budgeting.rules import tally

    e = parse_pabulib(DATA / "Poland_Katowice_2022_Zawodzie.pb")
    assert e.voter_fields  # age, sex, ... in the original
    public = anonymised(e)
    text = dumps_pabulib(public)
    assert "voter_id;vote;points\n" in text
    republished = parse_pabulib_text(text)
    assert republished.voter_ids[:3] == ["1", "2", "3"]
    assert republished.voter_fields == {}
    for rule in ("greedy", "mes"):
        assert tally(republished, rule).selected == tally(e, rule).selected
