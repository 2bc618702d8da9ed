"""Participatory-budgeting results in a real browser: axe finds nothing on the results pages
(one budget, several budgets, not yet published) nor on the back office's count and import
pages, the tables reflow on a phone, and the ballots download with the printed SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from tests.browser.axe import violations
from tests.browser.conftest import PHONE, shoot
from tests.budgeting.factories import make_process
from tests.staff.conftest import make_person, signed_in
from townhall.accounts.models import Role
from townhall.budgeting.models import Ballot, Project
from townhall.budgeting.pabulib_io import import_pabulib
from townhall.budgeting.results import count_process, current_results, publish_results
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pabulib"
ACTOR = Actor.system("test")
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def check(page, label: str, failures: list[str], screenshot: str | None = None) -> None:
    failures += [f"{label}: {v}" for v in violations(page)]
    if screenshot:
        shoot(page, f"desktop-{screenshot}")


@pytest.fixture
def rembertow(town):
    city = Jurisdiction.objects.default()
    name = "Poland_Warszawa_2022_Rembertow.pb"
    process = import_pabulib(ACTOR, city, [(name, (DATA / name).read_bytes())], "rembertow")
    count_process(ACTOR, process)
    publish_results(ACTOR, process)
    return process


@pytest.fixture
def riverton_vote(town):
    process = make_process(Jurisdiction.objects.default(), phase="counting")
    for unit in process.units.all():
        projects = list(Project.objects.filter(unit=unit).order_by("pk"))
        Ballot.objects.bulk_create(
            [
                Ballot(process=process, unit=unit, channel="online", projects=[p.pk for p in b])
                for b in ([projects[0]], [projects[0], projects[1]], [projects[2]], [])
            ]
        )
    return process


def test_results_pages_are_accessible(rembertow, riverton_vote, page):
    failures: list[str] = []
    page.goto(f"/budgeting/{riverton_vote.slug}/results/")
    expect(page.get_by_role("heading", name="Results not published yet")).to_be_visible()
    check(page, "not yet", failures)

    count_process(ACTOR, riverton_vote)
    publish_results(ACTOR, riverton_vote)
    page.goto(f"/budgeting/{riverton_vote.slug}/results/")
    expect(page.get_by_role("heading", name="Results in each budget")).to_be_visible()
    check(page, "several budgets", failures, "pb-results-overview")
    page.get_by_role("link", name="Citywide", exact=True).click()
    expect(page.get_by_role("heading", name="Results for Citywide")).to_be_visible()
    check(page, "one budget of several", failures, "pb-results-unit")

    page.goto("/budgeting/rembertow/results/")
    expect(page.get_by_role("heading", name="Winning projects")).to_be_visible()
    page.get_by_text("How to recount this file").first.click()  # open the details
    check(page, "a real election", failures, "pb-results-rembertow")
    assert failures == [], "\n".join(failures)


def test_the_download_matches_the_printed_fingerprint(rembertow, page):
    result = current_results(rembertow)[0]
    page.goto("/budgeting/rembertow/results/")
    printed = page.locator(".pb-hash").first.inner_text().strip()
    assert printed == result.pb_sha256
    with page.expect_download() as info:
        page.get_by_role("link", name="Ballots of Rembertów (.pb file)").click()
    download = info.value
    assert download.suggested_filename == "rembertow-rembertow.pb"
    data = Path(download.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == printed


def test_results_reflow_on_a_phone(rembertow, open_session):
    page = open_session(viewport=PHONE).page
    page.goto("/budgeting/rembertow/results/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shoot(page, "phone-pb-results")
    # Wide tables scroll inside their own labelled region, reachable by keyboard.
    region = page.get_by_role("region", name="Comparison of counting rules")
    assert region.get_attribute("tabindex") == "0"


def test_back_office_count_and_import_pages_are_accessible(riverton_vote, open_session, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Signed in with both factors by the test client; the browser borrows its session.
    client = signed_in(make_person("boss", Role.ADMIN, []))
    session = open_session()
    session.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": session.base_url,
            }
        ]
    )
    page = session.page

    failures: list[str] = []
    page.goto(f"/staff/budgeting/{riverton_vote.slug}/results/")
    check(page, "staff: before the count", failures)
    page.get_by_role("button", name="Count the votes").click()
    expect(page.get_by_role("button", name="Publish the results")).to_be_visible()
    check(page, "staff: preview", failures, "staff-pb-results")
    page.goto("/staff/budgeting/new/import/")
    check(page, "staff: import", failures)
    page.get_by_label("Web address").fill("broken")
    page.get_by_label("Pabulib files (.pb)").set_input_files(
        files=[{"name": "bad.pb", "mimeType": "text/plain", "buffer": b"META\nkey;value\n"}]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("bad.pb: missing PROJECTS section")).to_be_visible()
    check(page, "staff: import error", failures, "staff-pb-import-error")
    assert failures == [], "\n".join(failures)
