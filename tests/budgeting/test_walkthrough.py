"""Regressions found by walking the participatory-budgeting pages end to end as staff,
residents and voters would (issue 5 QA pass). Each test names the symptom it guards."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from tests.budgeting.factories import make_process
from tests.staff import conftest as personas
from townhall.accounts.models import Role, User
from townhall.budgeting import voting
from townhall.budgeting.models import (
    Ballot,
    BallotKind,
    BudgetUnit,
    PaperEntryStatus,
    Process,
    Project,
    ProjectPhoto,
    ProjectStatus,
)
from townhall.budgeting.results import CountingError, counting_problem
from townhall.budgeting.services import (
    count_process,
    enter_paper_ballot,
    generate_codes,
    publish_results,
)
from townhall.lib.actors import Actor
from townhall.portal.views.pb_ideas import ProposalForm, parse_amount

pytestmark = pytest.mark.django_db
people = personas.people
_fast_passwords = personas._fast_passwords

ADMIN = Actor.system("test")


@pytest.fixture(autouse=True)
def _clean_state():
    cache.clear()
    with translation.override(translation.get_language()):
        yield
    cache.clear()


def _units(process: Process) -> tuple[BudgetUnit, BudgetUnit, BudgetUnit]:
    citywide, north, south = BudgetUnit.objects.filter(process=process).order_by("position")
    return citywide, north, south


def _first_project(unit: BudgetUnit) -> Project:
    return Project.objects.filter(unit=unit).order_by("pk").first()  # type: ignore[return-value]


# --- The ballot of a second district says at once that it is closed ------------------------


def _voter_in_north(city) -> tuple[Client, Process, BudgetUnit, BudgetUnit]:
    process = make_process(city, kind=BallotKind.KNAPSACK)
    _citywide, north, south = _units(process)
    client = Client()
    (code,) = generate_codes(ADMIN, process, 1, "web")
    client.post(f"/budgeting/{process.slug}/vote/", {"via": "code", "code": code})
    done = client.post(
        f"/budgeting/{process.slug}/vote/{north.pk}/",
        {"project": [_first_project(north).pk], "action": "confirm"},
    )
    assert done.status_code == 302
    return client, process, north, south


def test_a_second_district_ballot_says_it_is_closed_before_the_voter_fills_it_in(city):
    # Symptom: the ballot of another district opened normally; only "Confirm" refused it.
    client, process, north, south = _voter_in_north(city)
    url = f"/budgeting/{process.slug}/vote/{south.pk}/"
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "You have already voted in Northside" in text
    assert 'name="project"' not in text and "Review my vote" not in text
    assert f'href="/budgeting/{process.slug}/vote/{north.pk}/"' in text
    # Reviewing (a stale tab, a bookmarked form) is refused the same way, before any review.
    review = client.post(url, {"project": [_first_project(south).pk], "action": "review"})
    assert review.status_code == 400
    assert "Check your vote" not in review.content.decode()
    assert "You have already voted in Northside" in review.content.decode()
    assert Ballot.objects.filter(unit=south).count() == 0
    # The district the voter did vote in is still theirs to change.
    again = client.get(f"/budgeting/{process.slug}/vote/{north.pk}/").content.decode()
    assert "You have already voted here" in again and 'name="project"' in again


def test_the_district_closed_helper_names_the_district_voted_in(city):
    process = make_process(city)
    citywide, north, south = _units(process)
    (code,) = generate_codes(ADMIN, process, 1, "t")
    voter = voting.verify_voter(process, code=code)
    assert voting.district_voted_elsewhere(voter, south) is None
    from townhall.budgeting.services import cast_ballot

    cast_ballot(ADMIN, process, voter, north, [_first_project(north).pk])
    assert voting.district_voted_elsewhere(voter, south) == north
    assert voting.district_voted_elsewhere(voter, north) is None
    assert voting.district_voted_elsewhere(voter, citywide) is None
    process.one_district_per_voter = False
    process.save(update_fields=["one_district_per_voter"])
    assert voting.district_voted_elsewhere(voter, BudgetUnit.objects.get(pk=south.pk)) is None


# --- Costs are typed the way people write money --------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("en", "12500", "12500"),
        ("en", "12,500", "12500"),
        ("en", "$12,500.50", "12500.50"),
        ("en", " 1,250,000 ", "1250000"),
        ("en", "99.5", "99.5"),
        ("en", "12 500", "12500"),
        ("es", "12.500", "12500"),
        ("es", "12.500,50", "12500.50"),
        ("es", "12 500", "12500"),
        ("es", "12\u00a0500", "12500"),
        ("es", "99,5", "99.5"),
        ("es", "1.250.000 $", "1250000"),
    ],
)
def test_amounts_are_read_with_thousands_separators(language, typed, expected):
    # Symptom: "12,500" was refused ("Enter a number") and, in Spanish, "12.500" was read as
    # 12.5 ("no more than 2 decimal places").
    with translation.override(language):
        assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize("typed", ["", "abc", "12,50,0.0.1x", "--5", "1e5"])
def test_text_that_is_not_an_amount_is_refused(typed):
    assert parse_amount(typed) is None


def test_the_proposal_form_takes_a_cost_with_thousands_separators(city):
    process = make_process(city, phase="ideas")
    citywide = process.units.get(area__isnull=True)
    data = {
        "unit": str(citywide.pk),
        "title": "Benches",
        "description": "Five benches.",
        "estimated_cost": "12,500",
    }
    form = ProposalForm(data, process=process)
    assert form.is_valid(), form.errors
    assert form.cost_minor("USD") == 12_500_00
    with translation.override("es"):
        form = ProposalForm({**data, "estimated_cost": "12.500"}, process=process)
        assert form.is_valid(), form.errors
        assert form.cost_minor("USD") == 12_500_00
    refused = ProposalForm({**data, "estimated_cost": "twelve"}, process=process)
    assert not refused.is_valid() and "estimated_cost" in refused.errors


# --- Paper sheets still being typed in are not left out of published results ---------------


def _clerk(name: str, role: str = Role.STAFF) -> Actor:
    user = User.objects.create_user(username=name, password="x", role=role)
    return Actor(label=f"staff:{name}", user=user, channel="staff")


def test_results_cannot_be_published_while_paper_sheets_are_unsettled(city):
    # Symptom: a sheet waiting for its second entry (or whose entries disagree) was silently
    # left out of the count, and publishing then closed paper entry for good.
    process = make_process(city, phase="counting")
    citywide, _north, _south = _units(process)
    first, second = _clerk("ann"), _clerk("bob")
    project = _first_project(citywide)
    enter_paper_ballot(first, process, citywide, "S-1", [project.pk])
    assert counting_problem(process) is None  # a preview count is still allowed
    count_process(ADMIN, process)
    with pytest.raises(CountingError, match="paper"):
        publish_results(ADMIN, process)
    process.refresh_from_db()
    assert process.results_published_at is None
    # Once both entries agree, a new count can be published.
    entry = enter_paper_ballot(second, process, citywide, "S-1", [project.pk])
    assert entry.status == PaperEntryStatus.MATCHED
    count_process(ADMIN, process)
    publish_results(ADMIN, process)
    process.refresh_from_db()
    assert process.results_published_at is not None


def test_staff_see_unsettled_paper_sheets_before_counting(city, people):
    process = make_process(city, phase="counting")
    citywide, _north, _south = _units(process)
    project = _first_project(citywide)
    enter_paper_ballot(_clerk("ann"), process, citywide, "S-9", [project.pk])
    page = people.client("admin").get(f"/staff/budgeting/{process.slug}/results/")
    text = page.content.decode()
    assert "1 paper sheet is not settled yet" in text
    assert f'href="/staff/budgeting/{process.slug}/paper/' in text


# --- The back office ------------------------------------------------------------------------


def _ids(html: str) -> Counter[str]:
    return Counter(re.findall(r'\sid="([^"]+)"', html))


def test_each_form_on_a_proposal_review_page_has_its_own_field_ids(city, people):
    # Symptom: the assess, accept and merge notes were all id="id_note" (and reject/hide
    # reasons both id="id_reason"): the labels named the first field, not their own.
    process = make_process(city, phase="review")
    Project.objects.filter(process=process).update(status=ProjectStatus.PROPOSED)
    project = Project.objects.filter(process=process).order_by("pk").first()
    assert project is not None
    html = people.client("admin").get(f"/staff/budgeting/proposals/{project.pk}/").content
    text = html.decode()
    duplicates = [i for i, n in _ids(text).items() if n > 1]
    assert duplicates == []
    for target in re.findall(r'<label for="([^"]+)"', text):
        assert f'id="{target}"' in text


def test_the_process_navigation_reaches_voting_results_and_import(city, people):
    # Symptom: no link led to turnout, to the results page, or to the Pabulib import page.
    process = make_process(city, phase="counting")
    admin = people.client("admin")
    slug = process.slug
    for url in (
        f"/staff/budgeting/{slug}/",
        f"/staff/budgeting/{slug}/units/",
        f"/staff/budgeting/{slug}/review/",
        f"/staff/budgeting/{slug}/results/",
        f"/staff/budgeting/{slug}/census/",
    ):
        text = admin.get(url).content.decode()
        assert 'class="subnav"' in text, url
        assert f'href="/staff/budgeting/{slug}/voting/"' in text, url
        assert f'href="/staff/budgeting/{slug}/results/"' in text, url
    listing = admin.get("/staff/budgeting/").content.decode()
    assert 'href="/staff/budgeting/new/import/"' in listing
    new = admin.get("/staff/budgeting/new/").content.decode()
    assert 'href="/staff/budgeting/new/import/"' in new
    # Links appear only to people who may open them.
    agent = people.client("agent").get(f"/staff/budgeting/{slug}/").content.decode()
    assert f'href="/staff/budgeting/{slug}/voting/"' in agent
    assert f'href="/staff/budgeting/{slug}/results/"' not in agent
    assert (
        'href="/staff/budgeting/new/import/"'
        not in people.client("agent").get("/staff/budgeting/").content.decode()
    )


def test_the_staff_stylesheet_styles_the_sub_navigation():
    from django.contrib.staticfiles import finders

    path = finders.find("staff/staff.css")
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        css = handle.read()
    assert ".subnav" in css


# --- Residents' pages ---------------------------------------------------------------------


def test_the_project_map_knows_the_district_of_its_budget(city, client):
    # Symptom: the map zoomed onto the pin alone: a dot on an empty box.
    process = make_process(city, phase="voting")
    _citywide, north, _south = _units(process)
    project = _first_project(north)
    Project.objects.filter(pk=project.pk).update(lat=40.02, lon=-75.18)
    text = client.get(f"/budgeting/{process.slug}/projects/{project.code}/").content.decode()
    assert f'data-focus-area="{north.area.code}"' in text  # type: ignore[union-attr]
    listing = client.get(f"/budgeting/{process.slug}/projects/").content.decode()
    assert 'data-fit="areas"' in listing


def test_the_budget_table_does_not_break_amounts_inside_words():
    from django.contrib.staticfiles import finders

    path = finders.find("portal/pb-ideas.css")
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        css = handle.read()
    assert re.search(r"\.pb-table[^{]*\{[^}]*overflow-wrap:\s*normal", css)


def test_the_index_does_not_say_the_most_supported_projects_win(client, city):
    make_process(city)
    text = client.get("/budgeting/").content.decode()
    assert "most support are funded" not in text


def test_after_the_results_the_process_page_counts_funded_projects(client, city):
    # Symptom: after publication the page still said the money "will be spent" and counted
    # the projects on the ballot.
    process = make_process(city, phase="results")
    citywide = process.units.get(area__isnull=True)
    winner = _first_project(citywide)
    Project.objects.filter(pk=winner.pk).update(is_funded=True)
    text = client.get(f"/budgeting/{process.slug}/").content.decode()
    assert "will be spent" not in text and "Funded projects" in text
    assert "$50,000 went to the winning projects" in text


def test_reviewers_see_the_photos_of_a_proposal(city, people):
    # Symptom: the review page showed no photo, so reviewers judged ideas without them.
    process = make_process(city, phase="review")
    project = Project.objects.filter(process=process).order_by("pk").first()
    assert project is not None
    Project.objects.filter(pk=project.pk).update(status=ProjectStatus.PROPOSED)
    photo = ProjectPhoto.objects.create(
        project=project, image="budgeting/bench.jpg", alt_text="Broken bench by the pond"
    )
    url = f"/staff/budgeting/proposals/{project.pk}/"
    text = people.client("staff").get(url).content.decode()
    assert f'src="/budgeting/{process.slug}/photos/{photo.pk}"' in text
    assert 'alt="Broken bench by the pond"' in text
    Project.objects.filter(pk=project.pk).update(hidden=True)
    text = people.client("staff").get(url).content.decode()
    assert "/photos/" not in text and "1 photo, not shown" in text
