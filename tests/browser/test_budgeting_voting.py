"""The residents' ballot in a real browser: axe-clean in every state for four ballot kinds,
the running total live with JavaScript, and a whole vote without JavaScript."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.axe import violations
from tests.browser.conftest import PHONE, shoot
from tests.budgeting.factories import make_process
from tests.factories import make_city
from townhall.budgeting.models import Ballot, BallotKind, BudgetUnit, Process, Project
from townhall.budgeting.services import generate_codes
from townhall.lib.actors import Actor

pytestmark = pytest.mark.browser

ADMIN = Actor.system("test")
KINDS = {
    BallotKind.APPROVAL: {"max_choices": 2},
    BallotKind.KNAPSACK: {"min_spend_percent": 10},
    BallotKind.CUMULATIVE: {"points_total": 10, "max_points_per_project": 6},
    BallotKind.RANKED: {"max_choices": 2},
}


@pytest.fixture
def ballots(transactional_db):
    """One process per ballot kind, each with voting codes for the test to use."""
    cache.clear()
    city = make_city()
    found = {}
    for kind, options in KINDS.items():
        process = make_process(city, kind=kind, slug=f"vote-{kind}", **options)
        found[kind] = (process, generate_codes(ADMIN, process, 3, "browser"))
    yield found
    cache.clear()


def citywide(process: Process) -> BudgetUnit:
    return BudgetUnit.objects.get(process=process, area__isnull=True)


def check(page, label: str, failures: list[str], screenshot: str | None = None) -> None:
    failures += [f"{label}: {v}" for v in violations(page)]
    if screenshot:
        shoot(page, f"desktop-{screenshot}")


def sign_in(page, process: Process, code: str) -> None:
    page.goto(f"/budgeting/{process.slug}/vote/")
    page.get_by_label("Voting code").fill(code)
    page.get_by_role("button", name="Continue with my code").click()
    page.get_by_role("heading", name="Choose a budget to vote on").wait_for()


def make_a_mistake(page, kind: str, first: Project, second: Project, third: Project) -> None:
    """Fill the ballot so that it breaks that kind's rule."""
    # Approval: three projects of at most two; knapsack: 1/2 + 1/3 + 1/4 of the budget.
    if kind in (BallotKind.APPROVAL, BallotKind.KNAPSACK):
        for project in (first, second, third):
            page.get_by_label(project.title).check()
    elif kind == BallotKind.CUMULATIVE:  # 6 + 6 of 10 points
        page.get_by_label(first.title).fill("6")
        page.get_by_label(second.title).fill("6")
    else:  # the same project twice
        page.get_by_label("Place 1").select_option(str(first.pk))
        page.get_by_label("Place 2").select_option(str(first.pk))


def fill_correctly(page, kind: str, first: Project, second: Project, third: Project) -> None:
    if kind in (BallotKind.APPROVAL, BallotKind.KNAPSACK):
        page.get_by_label(third.title).uncheck()
    elif kind == BallotKind.CUMULATIVE:
        page.get_by_label(second.title).fill("4")
    else:
        page.get_by_label("Place 2").select_option(str(second.pk))


def test_ballot_pages_of_every_kind_are_accessible_in_every_state(ballots, open_session):
    failures: list[str] = []
    for kind, (process, codes) in ballots.items():
        page = open_session().page
        first, second, third = Project.objects.filter(unit=citywide(process)).order_by("pk")
        page.goto(f"/budgeting/{process.slug}/vote/")
        check(page, f"{kind} sign-in", failures, f"vote-sign-in-{kind}")
        page.get_by_label("Voting code").fill("ABCD-EFGH-JKMN")
        page.get_by_role("button", name="Continue with my code").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        assert page.title().startswith("Error:")
        check(page, f"{kind} sign-in error", failures)
        sign_in(page, process, codes[0])
        check(page, f"{kind} budgets", failures, f"vote-budgets-{kind}")
        page.get_by_role("link", name="Vote – Citywide").click()
        page.get_by_role("button", name="Review my vote").wait_for()
        check(page, f"{kind} ballot empty", failures, f"vote-ballot-{kind}")
        make_a_mistake(page, kind, first, second, third)
        page.get_by_role("button", name="Review my vote").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        check(page, f"{kind} ballot error", failures, f"vote-ballot-error-{kind}")
        fill_correctly(page, kind, first, second, third)
        page.get_by_role("button", name="Review my vote").click()
        page.get_by_role("heading", name="Check your vote").wait_for()
        check(page, f"{kind} review", failures, f"vote-review-{kind}")
        page.get_by_role("button", name="Confirm my vote").click()
        page.get_by_role("heading", name="Your vote is recorded").wait_for()
        check(page, f"{kind} receipt", failures, f"vote-done-{kind}")
        assert Ballot.objects.filter(process=process).count() == 1
    assert failures == [], "\n".join(failures)


def test_the_running_total_follows_every_change(ballots, open_session):
    process, codes = ballots[BallotKind.KNAPSACK]
    session = open_session()
    page = session.page
    sign_in(page, process, codes[1])
    unit = citywide(process)
    page.goto(f"/budgeting/{process.slug}/vote/{unit.pk}/")
    half, third, quarter = Project.objects.filter(unit=unit).order_by("pk")
    total = page.locator("[data-total-text]")
    assert total.get_attribute("aria-live") == "polite"
    assert page.get_by_role("button", name="Update total").is_hidden()  # not needed with JS
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_label(half.title).check()
    assert total.text_content() == "Chosen: $50,000 of $100,000. Left: $50,000."
    page.get_by_label(third.title).check()
    page.get_by_label(quarter.title).check()
    assert "That is $8,333.33 over the budget" in total.text_content()
    assert "pb-over" in page.locator("[data-total]").get_attribute("class")
    page.get_by_label(quarter.title).uncheck()
    assert total.text_content() == "Chosen: $83,333.33 of $100,000. Left: $16,666.67."
    assert requests == []  # all of it in the page

    points, codes = ballots[BallotKind.CUMULATIVE]
    sign_in(page, points, codes[1])
    unit = citywide(points)
    page.goto(f"/budgeting/{points.slug}/vote/{unit.pk}/")
    first, second, _third = Project.objects.filter(unit=unit).order_by("pk")
    page.get_by_label(first.title).fill("3")
    total = page.locator("[data-total-text]")
    assert total.text_content() == "Points given: 3 of 10. Points left: 7."
    page.get_by_label(second.title).fill("9")
    assert "That is 2 too many" in total.text_content()
    shoot(page, "desktop-vote-ballot-cumulative-live")


def test_a_whole_vote_without_javascript(ballots, open_session):
    process, codes = ballots[BallotKind.KNAPSACK]
    page = open_session(java_script_enabled=False, viewport=PHONE).page
    sign_in(page, process, codes[2])
    page.get_by_role("link", name="Vote – Citywide").click()
    unit = citywide(process)
    half, third, _quarter = Project.objects.filter(unit=unit).order_by("pk")
    page.get_by_label(half.title).check()
    page.get_by_label(third.title).check()
    page.get_by_role("button", name="Update total").click()  # the server adds it up
    assert (
        page.locator("[data-total-text]").text_content()
        == "Chosen: $83,333.33 of $100,000. Left: $16,666.67."
    )
    assert page.get_by_label(half.title).is_checked()  # choices survive the round trip
    shoot(page, "phone-vote-ballot-nojs")
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Change my choices").click()
    assert page.get_by_label(third.title).is_checked()
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Confirm my vote").click()
    page.get_by_role("heading", name="Your vote is recorded").wait_for()
    expect(page.get_by_text("You can change it until")).to_be_visible()
    assert Ballot.objects.get(unit=unit).projects == sorted([half.pk, third.pk])
    page.get_by_role("button", name="Finish and sign out of voting").click()
    page.get_by_text("You have signed out of voting").wait_for()


# --- Back office --------------------------------------------------------------------------


def as_staff(open_session, live_server, role: str, name: str):
    """A browser signed in to the back office (both steps) as a new person with ``role``."""
    from django.conf import settings

    from tests.staff.conftest import make_person, signed_in

    client = signed_in(make_person(name, role, ["DPW"]))
    session = open_session()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    session.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return session.page


def test_back_office_voting_pages_in_every_state(ballots, open_session, live_server, settings):
    from townhall.accounts.models import Role

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    process, _codes = ballots[BallotKind.APPROVAL]
    base = f"/staff/budgeting/{process.slug}"
    unit = citywide(process)
    first, second, _third = Project.objects.filter(unit=unit).order_by("pk")
    failures: list[str] = []
    page = as_staff(open_session, live_server, Role.SUPERVISOR, "sue")
    page.goto(f"{base}/voting/")
    check(page, "turnout", failures, "staff-vote-turnout")
    page.goto(f"{base}/census/")
    check(page, "census", failures, "staff-vote-census")
    upload = {"name": "census.csv", "mimeType": "text/csv"}
    page.get_by_label("Census file (CSV)").set_input_files(
        {**upload, "buffer": b"identifier,district\nA1,north\nA2,mars\n"}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Line 3:")).to_be_visible()
    check(page, "census: line errors", failures, "staff-vote-census-errors")
    page.get_by_label("Census file (CSV)").set_input_files(
        {**upload, "buffer": b"identifier,district\nA1,north\nA2,south\n"}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("2 people added.")).to_be_visible()
    check(page, "census: imported", failures)
    page.goto(f"{base}/codes/")
    check(page, "codes", failures, "staff-vote-codes")
    page.get_by_role("button", name="Make codes and show the letters").click()
    check(page, "codes: errors", failures)
    page.get_by_label("Number of letters").fill("2")
    page.get_by_label("Batch name").fill("Library")
    page.get_by_role("button", name="Make codes and show the letters").click()
    assert page.locator("article.letter").count() == 2
    check(page, "letters", failures, "staff-vote-letters")
    expect(page.get_by_role("button", name="Print the letters")).to_be_visible()
    page.emulate_media(media="print")
    assert page.locator("header.bar").is_hidden()
    assert page.locator("article.letter").first.evaluate(
        "el => getComputedStyle(el).breakAfter"
    ) in {"page", "always"}
    shoot(page, "print-vote-letters")
    page.emulate_media(media="screen")
    page.goto(f"{base}/paper/")
    check(page, "paper", failures, "staff-vote-paper")
    page.get_by_role("button", name="Save this entry").click()
    check(page, "paper: errors", failures)
    page.get_by_label("Sheet number").fill("S-9")
    page.get_by_label(f"{first.code} · {first.title}").check()
    page.get_by_role("button", name="Save this entry").click()
    expect(page.get_by_text("first entry saved")).to_be_visible()
    check(page, "paper: saved", failures)
    clerk = as_staff(open_session, live_server, Role.AGENT, "cy")
    clerk.goto(f"{base}/paper/")
    clerk.get_by_label("Sheet number").fill("S-9")
    clerk.get_by_label(f"{second.code} · {second.title}").check()
    clerk.get_by_role("button", name="Save this entry").click()
    expect(clerk.get_by_text("the two entries disagree")).to_be_visible()
    page.goto(f"{base}/paper/mismatches/")
    check(page, "mismatches", failures, "staff-vote-mismatches")
    page.get_by_role("link", name="Sheet S-9").click()
    check(page, "resolve", failures, "staff-vote-resolve")
    page.get_by_label(f"{second.code} · {second.title}").check()
    page.get_by_role("button", name="Record the ballot").click()
    expect(page.get_by_text("Sheet S-9 is resolved.")).to_be_visible()
    page.goto(f"{base}/paper/voters/")
    check(page, "paper voters", failures, "staff-vote-paper-voters")
    page.get_by_label("Identity number").fill("nobody")
    page.get_by_role("button", name="Mark as voted on paper").click()
    check(page, "paper voters: error", failures)
    page.get_by_label("Identity number").fill("a-1")
    page.get_by_role("button", name="Mark as voted on paper").click()
    expect(page.get_by_text("Marked as voted on paper")).to_be_visible()
    assert failures == [], "\n".join(failures)
