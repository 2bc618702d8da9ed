"""The participatory-budgeting back office in a real browser: axe finds nothing on the
process list, the process form (empty and with errors), the dashboard, units, categories,
the review queue and a proposal's review page (with errors), comment moderation and
delivery; and a reviewer rejects a proposal with the keyboard only."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.axe import violations
from tests.browser.conftest import shoot
from tests.budgeting.factories import make_process
from tests.staff.conftest import make_person, signed_in
from townhall.accounts.models import Role
from townhall.budgeting.models import Comment, DeliveryStatus, Project, ProjectStatus
from townhall.budgeting.services import record_delivery_update
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction

pytestmark = pytest.mark.browser


def check(page, label: str, failures: list[str], screenshot: str | None = None) -> None:
    failures += [f"{label}: {v}" for v in violations(page)]
    if screenshot:
        shoot(page, f"desktop-{screenshot}")


def as_staff(open_session, live_server, role: str, name: str):
    """A browser signed in to the back office (both steps) as a new person with ``role``."""
    client = signed_in(make_person(name, role, ["DPW"]))
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
    return session.page


@pytest.fixture
def processes(town, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    city = Jurisdiction.objects.default()
    review = make_process(city, phase="review", slug="pb-review")
    Project.objects.filter(process=review).update(status=ProjectStatus.PROPOSED)
    first = review.projects.order_by("pk").first()
    Project.objects.filter(pk=first.pk).update(
        lat=40.02, lon=-75.18, address="Elm St park", review_note=""
    )
    Comment.objects.create(project=first, body="Great idea, the park needs shade.")
    done = make_process(city, phase="results", slug="pb-done")
    funded = done.projects.order_by("pk").first()
    Project.objects.filter(pk=funded.pk).update(is_funded=True)
    record_delivery_update(
        Actor.system("test"), funded, DeliveryStatus.PLANNING, 10, "Design under way."
    )
    return {"review": review, "first": first, "done": done, "funded": funded}


def test_setup_pages_in_every_state(processes, open_session, live_server):
    failures: list[str] = []
    page = as_staff(open_session, live_server, Role.ADMIN, "ada")
    page.goto("/staff/")
    page.get_by_role("link", name="Participatory budgeting").click()
    check(page, "processes", failures, "staff-pb-processes")
    page.get_by_role("link", name="New process").click()
    check(page, "new process", failures, "staff-pb-process-new")
    page.get_by_label("Title").fill("Riverton Decides 2031")
    page.get_by_role("button", name="Create process").click()
    page.wait_for_url("**/new/")
    page.get_by_role("alert").first.wait_for()
    assert page.title().startswith("Error:")
    check(page, "new process: errors", failures, "staff-pb-process-errors")
    slug = processes["review"].slug
    page.goto(f"/staff/budgeting/{slug}/")
    check(page, "dashboard", failures, "staff-pb-dashboard")
    page.goto(f"/staff/budgeting/{slug}/edit/")
    check(page, "edit", failures)
    page.goto(f"/staff/budgeting/{slug}/units/")
    page.get_by_role("button", name="Add").click()
    check(page, "units: errors", failures, "staff-pb-units")
    page.goto(f"/staff/budgeting/{slug}/categories/")
    check(page, "categories", failures)
    page.goto(f"/staff/budgeting/{processes['done'].slug}/edit/")
    check(page, "edit: frozen", failures)
    assert failures == [], "\n".join(failures)


def test_review_moderation_and_delivery_pages(processes, open_session, live_server):
    failures: list[str] = []
    page = as_staff(open_session, live_server, Role.SUPERVISOR, "sam")
    slug = processes["review"].slug
    page.goto(f"/staff/budgeting/{slug}/review/")
    check(page, "review queue", failures, "staff-pb-review")
    first = processes["first"]
    page.get_by_role("link", name=first.title).click()
    check(page, "review project", failures, "staff-pb-review-project")
    # Keyboard only: a rejection without a reason is refused, then made with one.
    reject = page.get_by_role("button", name="Reject")
    reject.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/reject/")
    assert page.title().startswith("Error:")
    check(page, "review project: errors", failures, "staff-pb-review-errors")
    page.get_by_label("Reason residents will read").focus()
    page.keyboard.type("The park is owned by the state.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/proposals/{first.pk}/")
    expect(page.get_by_text(f"{first.code} was rejected.")).to_be_visible()
    assert Project.objects.get(pk=first.pk).status == ProjectStatus.REJECTED
    check(page, "review project: rejected", failures)
    page.goto(f"/staff/budgeting/{slug}/comments/")
    check(page, "comments", failures, "staff-pb-comments")
    done = processes["done"]
    page.goto(f"/staff/budgeting/{done.slug}/delivery/")
    check(page, "delivery", failures, "staff-pb-delivery")
    page.get_by_role("link", name=processes["funded"].title).click()
    page.get_by_label("Progress (%)").fill("150")
    page.get_by_role("button", name="Publish update").click()
    page.get_by_text("Ensure this value is less than or equal to 100.").wait_for()
    check(page, "delivery project: errors", failures, "staff-pb-delivery-project")
    assert failures == [], "\n".join(failures)
