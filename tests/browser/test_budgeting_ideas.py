"""Participatory budgeting for residents in a real browser: axe finds nothing on the process,
projects and project pages or on the propose form (empty, with errors, after success), and a
proposal can be made with the keyboard only."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.axe import violations
from tests.browser.conftest import PHONE, shoot
from tests.browser.test_journeys import tab_to
from tests.budgeting.factories import make_process
from tests.servicedesk.test_media import photo_with_gps
from townhall.budgeting.models import (
    DeliveryStatus,
    DeliveryUpdate,
    Project,
    ProjectPhoto,
    ProjectStatus,
)
from townhall.places.models import Jurisdiction

pytestmark = pytest.mark.browser


def check(page, label: str, failures: list[str], screenshot: str | None = None) -> None:
    if page.locator("[data-map]:visible").count():
        page.locator(".area-label").first.wait_for()  # the map has drawn its districts
    failures += [f"{label}: {v}" for v in violations(page)]
    if screenshot:
        shoot(page, f"desktop-{screenshot}")


def sign_in(page, email: str = "ana@example.com") -> None:
    """Through the portal's emailed link, from wherever sign-in was asked for."""
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    path = re.search(r"http://\S+(/login/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(path)
    page.get_by_role("button", name="Sign in now").click()


@pytest.fixture
def process(town):
    process = make_process(Jurisdiction.objects.default(), phase="ideas")
    Project.objects.filter(process=process, code="4").update(
        lat=40.02, lon=-75.18, address="Elm St park", review_note=""
    )
    return process


def test_budgeting_pages_in_every_state(process, page):
    failures: list[str] = []
    page.goto("/budgeting/")
    check(page, "processes", failures, "pb-processes")
    page.get_by_role("link", name=process.title).click()
    expect(page.get_by_role("heading", name="Now: Idea collection")).to_be_visible()
    check(page, "process", failures, "pb-process")
    page.goto(f"/budgeting/{process.slug}/projects/")
    page.locator(".leaflet-interactive").first.wait_for()
    assert page.locator(".leaflet-interactive").count() == 1  # one project has a place
    check(page, "projects", failures, "pb-projects")
    page.goto(f"/budgeting/{process.slug}/projects/?status=rejected")
    check(page, "projects: none", failures)
    page.goto(f"/budgeting/{process.slug}/projects/4/")
    check(page, "project", failures, "pb-project")
    page.get_by_role("link", name="Sign in to support this idea").click()
    sign_in(page)
    page.wait_for_url(f"**/budgeting/{process.slug}/projects/4/")
    page.get_by_role("button", name="Support this idea").click()
    expect(page.get_by_text("1 person supports this idea.")).to_be_visible()
    check(page, "project: supported", failures)
    page.get_by_role("button", name="Publish comment").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    check(page, "project: comment error", failures, "pb-project-comment-error")
    page.get_by_label("Your comment").fill("Yes please, the park needs shade.")
    page.get_by_role("button", name="Publish comment").click()
    expect(page.get_by_text("Yes please, the park needs shade.")).to_be_visible()
    check(page, "project: commented", failures)

    page.goto(f"/budgeting/{process.slug}/propose/")
    check(page, "propose: empty", failures, "pb-propose")
    page.locator("#id_photo_1").set_input_files(
        {"name": "river.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}
    )
    page.get_by_role("button", name="Publish my idea").click()
    assert page.title().startswith("Error:")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    check(page, "propose: errors", failures, "pb-propose-errors")
    page.get_by_label("Title of your idea").fill("Shade trees on the river path")
    page.get_by_label("Describe your idea").fill("Twenty trees between the bridges.")
    page.get_by_label(re.compile("^Northside")).check()
    page.get_by_label("Green spaces").check()
    page.get_by_label("Estimated cost").fill("18000")
    page.get_by_label("Address or description of the place").fill("River path")
    page.locator("#id_photo_1").set_input_files(
        {"name": "river.jpg", "mimeType": "image/jpeg", "buffer": photo_with_gps()}
    )
    page.get_by_label("What photo 1 shows").fill("The river path without any shade")
    page.get_by_role("button", name="Publish my idea").click()
    expect(page.get_by_role("heading", name="Shade trees on the river path")).to_be_visible()
    # The photo has loaded (decoded to real pixels), however long the server took.
    page.wait_for_function("() => document.querySelector('.photos img')?.complete")
    assert page.locator(".photos img").evaluate("img => img.naturalWidth") > 0
    check(page, "propose: success", failures, "pb-propose-sent")
    project = Project.objects.get(title="Shade trees on the river path")
    assert project.estimated_cost == 18_000_00 and project.unit.name == "Northside"
    assert ProjectPhoto.objects.get(project=project).alt_text.startswith("The river path")
    assert failures == [], "\n".join(failures)


def test_a_funded_project_with_its_delivery(town, page):
    process = make_process(Jurisdiction.objects.default(), phase="results", slug="pb-2025")
    project = process.projects.get(code="1")
    Project.objects.filter(pk=project.pk).update(
        is_funded=True, delivery_status=DeliveryStatus.IN_PROGRESS, delivery_progress=60
    )
    Project.objects.filter(process=process, code="2").update(
        status=ProjectStatus.REJECTED, review_note="The street is being rebuilt next year."
    )
    DeliveryUpdate.objects.create(
        project=project, status=DeliveryStatus.IN_PROGRESS, progress=60, note="Half planted."
    )
    failures: list[str] = []
    page.goto(f"/budgeting/{process.slug}/")
    check(page, "process: results", failures, "pb-process-results")
    page.goto(f"/budgeting/{process.slug}/projects/1/")
    expect(page.get_by_text("Progress: 60% done")).to_be_visible()
    check(page, "project: funded", failures, "pb-project-funded")
    page.goto(f"/budgeting/{process.slug}/projects/2/")
    expect(page.get_by_text("The street is being rebuilt next year.")).to_be_visible()
    check(page, "project: rejected", failures)
    assert failures == [], "\n".join(failures)


def test_a_proposal_with_the_keyboard_only(process, page):
    page.goto(f"/budgeting/{process.slug}/")
    tab_to(page, f"a[href='/budgeting/{process.slug}/propose/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/**")
    sign_in(page)
    page.wait_for_url(f"**/budgeting/{process.slug}/propose/")
    tab_to(page, "#id_title")
    page.keyboard.type("Benches by the pond")
    tab_to(page, "#id_description")
    page.keyboard.type("Three benches facing the water.")
    tab_to(page, "#id_unit_0")
    page.keyboard.press("ArrowDown")  # Citywide → Northside
    tab_to(page, "#id_estimated_cost")
    page.keyboard.type("2500")
    tab_to(page, "#place-query")
    page.keyboard.type("Elm")
    page.keyboard.press("Enter")
    tab_to(page, ".place-results button")
    page.keyboard.press("Enter")
    page.get_by_text("Pin placed in Northside.").wait_for()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/budgeting/{process.slug}/projects/10/")
    project = Project.objects.get(code="10", process=process)
    assert project.title == "Benches by the pond" and project.unit.name == "Northside"
    assert project.lat is not None and project.address == "1234 Elm St"


def test_without_javascript_the_list_and_a_proposal_by_address(process, open_session):
    page = open_session(java_script_enabled=False).page
    page.goto(f"/budgeting/{process.slug}/projects/")
    assert not page.locator("#projects-map").is_visible()
    expect(page.get_by_role("link", name="Tree planting (Northside)")).to_be_visible()
    page.get_by_label("Budget").select_option(label="Southside")
    page.get_by_role("button", name="Show").click()
    assert not page.get_by_role("link", name="Tree planting (Northside)").is_visible()
    page.goto(f"/budgeting/{process.slug}/propose/")
    sign_in(page, "bo@example.com")
    page.wait_for_url(f"**/budgeting/{process.slug}/propose/")
    assert not page.locator("#propose-map").is_visible()
    page.get_by_label("Title of your idea").fill("A drinking fountain")
    page.get_by_label("Describe your idea").fill("By the playground.")
    page.get_by_label(re.compile("^Southside")).check()
    page.get_by_label("Estimated cost").fill("3000.50")
    page.get_by_label("Address or description of the place").fill("Oak St playground")
    page.get_by_role("button", name="Publish my idea").click()
    expect(page.get_by_role("heading", name="A drinking fountain")).to_be_visible()
    project = Project.objects.get(title="A drinking fountain")
    assert project.lat is None and project.address == "Oak St playground"
    assert project.estimated_cost == 3000_50


def test_phone_width(process, open_session):
    page = open_session(viewport=PHONE, is_mobile=True, has_touch=True).page
    failures: list[str] = []
    for url, name in (
        (f"/budgeting/{process.slug}/", "pb-process"),
        (f"/budgeting/{process.slug}/projects/", "pb-projects"),
        (f"/budgeting/{process.slug}/projects/4/", "pb-project"),
    ):
        page.goto(url)
        if page.locator("[data-map]:visible").count():
            page.locator(".area-label").first.wait_for()
        failures += [f"phone {name}: {v}" for v in violations(page)]
        shoot(page, f"phone-{name}")
    assert failures == [], "\n".join(failures)
