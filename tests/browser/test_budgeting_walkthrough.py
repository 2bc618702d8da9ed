"""What the end-to-end walk of participatory budgeting found, checked in a real browser:
the ballot of a second district says at once that it is closed (with and without
JavaScript, on a phone), a project's map frames its district, and the back office's
process navigation reaches voting, results and the Pabulib import. Every page axe-clean."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.axe import violations
from tests.browser.conftest import PHONE, shoot
from tests.budgeting.factories import make_process
from tests.factories import make_city
from tests.staff.conftest import make_person, signed_in
from townhall.accounts.models import Role
from townhall.budgeting.models import BallotKind, BudgetUnit, Project
from townhall.budgeting.services import generate_codes
from townhall.lib.actors import Actor

pytestmark = pytest.mark.browser

ADMIN = Actor.system("test")


def check(page, label: str, failures: list[str], screenshot: str | None = None) -> None:
    if page.locator("[data-map]:visible").count():
        page.locator(".area-label").first.wait_for()  # the map has drawn its districts
    failures += [f"{label}: {v}" for v in violations(page)]
    if screenshot:
        shoot(page, screenshot)


@pytest.fixture
def vote(transactional_db):
    cache.clear()
    city = make_city()
    process = make_process(city, kind=BallotKind.KNAPSACK, slug="walk")
    units = list(BudgetUnit.objects.filter(process=process).order_by("position"))
    yield process, units, generate_codes(ADMIN, process, 2, "browser")
    cache.clear()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_second_district_is_refused_before_the_ballot(vote, open_session, javascript):
    process, (_citywide, north, south), codes = vote
    failures: list[str] = []
    page = open_session(viewport=PHONE, java_script_enabled=javascript).page
    page.goto(f"/budgeting/{process.slug}/vote/")
    page.get_by_label("Voting code").fill(codes[0 if javascript else 1])
    page.get_by_role("button", name="Continue with my code").click()
    page.get_by_role("link", name=f"Vote – {north.name}").click()
    page.get_by_label(Project.objects.filter(unit=north).order_by("pk")[0].title).check()
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Confirm my vote").click()
    page.get_by_role("heading", name="Your vote is recorded").wait_for()
    # The other district's ballot, opened from a bookmark or the back button.
    page.goto(f"/budgeting/{process.slug}/vote/{south.pk}/")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == f"You cannot vote in {south.name}"
    expect(page.get_by_text(f"You have already voted in {north.name}")).to_be_visible()
    assert page.locator("input[name=project]").count() == 0
    if javascript:  # axe runs as a script: the same page without it is checked here
        check(page, "district closed", failures, "phone-pb-district-closed")
    else:
        shoot(page, "phone-pb-district-closed-nojs")
    page.get_by_role("link", name=f"See or change your vote in {north.name}").click()
    expect(page.get_by_text("You have already voted here")).to_be_visible()
    assert failures == [], "\n".join(failures)


def test_a_project_map_frames_its_district(vote, open_session):
    process, (_citywide, north, _south), _codes = vote
    project = Project.objects.filter(unit=north).order_by("pk")[0]
    Project.objects.filter(pk=project.pk).update(lat=40.02, lon=-75.18)
    failures: list[str] = []
    page = open_session().page
    page.goto(f"/budgeting/{process.slug}/projects/{project.code}/")
    check(page, "project with its district", failures, "desktop-pb-project-map-district")
    box = page.locator("#project-map").bounding_box()
    outline = page.locator("#project-map path[stroke-width='4']")
    assert outline.count() == 1  # the project's district, drawn boldly
    shape = outline.bounding_box()
    # The district fills most of the map (not a dot on an empty box, not a far-off city).
    assert shape["height"] > box["height"] * 0.5 or shape["width"] > box["width"] * 0.5
    expect(page.locator("#project-map .area-label", has_text=north.name)).to_be_visible()
    assert failures == [], "\n".join(failures)


def test_the_process_navigation_in_the_back_office(vote, open_session, live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    process, _units, _codes = vote
    client = signed_in(make_person("ada", Role.ADMIN, ["DPW"]))
    session = open_session()
    session.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = session.page
    failures: list[str] = []
    page.goto("/staff/budgeting/")
    page.get_by_role("link", name="Import a past election (Pabulib .pb files)").click()
    page.get_by_role("heading", name="Import a past election").wait_for()
    check(page, "import", failures)
    page.goto(f"/staff/budgeting/{process.slug}/")
    nav = page.get_by_role("navigation", name="This process")
    check(page, "dashboard", failures, "desktop-staff-pb-subnav")
    nav.get_by_role("link", name="Voting").click()
    page.get_by_role("heading", name=f"Turnout: {process.title}").wait_for()
    expect(page.get_by_role("navigation", name="Voting")).to_be_visible()
    check(page, "turnout", failures, "desktop-staff-pb-voting-subnav")
    page.get_by_role("navigation", name="This process").get_by_role(
        "link", name="Count and results"
    ).click()
    page.get_by_role("heading", name=f"Count and results: {process.title}").wait_for()
    check(page, "results", failures)
    assert failures == [], "\n".join(failures)
