"""axe-core finds no WCAG 2.2 AA violation on any page, empty, with errors, after success.

Pages are also photographed at desktop and phone width into screenshots/.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.axe import violations
from tests.browser.conftest import PHONE, shoot

pytestmark = pytest.mark.browser

PIN = "lat=40.0211&lon=-75.1811"


def check(page, label: str, failures: list[str], screenshot: str | None = None) -> None:
    if page.locator("[data-map]").count():
        page.locator(".area-label").first.wait_for()  # the map has drawn its districts
    found = violations(page)
    failures += [f"{label}: {v}" for v in found]
    if screenshot:
        shoot(page, f"desktop-{screenshot}")


def test_report_journey_pages_in_every_state(town, page, settings):
    failures: list[str] = []
    page.goto("/")
    check(page, "home", failures, "home")
    page.goto("/report/")
    check(page, "report: services", failures, "report-services")
    page.goto("/report/?q=pothol")
    check(page, "report: search results", failures, "report-search")
    page.goto("/report/?q=xyzzy")
    check(page, "report: no results", failures)
    page.goto("/report/POTHOLE/")
    check(page, "location: empty", failures, "report-location")
    page.goto("/report/POTHOLE/?step=location")
    check(page, "location: error", failures, "report-location-error")
    page.goto(f"/report/POTHOLE/details/?{PIN}")
    expect(page.get_by_text("Is it one of these?")).to_be_visible()
    check(page, "details: empty with duplicates", failures, "report-details")
    page.get_by_label("Email address").fill("ana@")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert page.title().startswith("Error:")
    check(page, "details: errors", failures, "report-details-error")
    page.get_by_label("Smaller than a plate").check()
    page.get_by_label("Email address").fill("ana@example.com")
    page.get_by_label("Depth in cm").fill("5")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Report sent")).to_be_visible()
    check(page, "sent", failures, "report-sent")
    assert failures == [], "\n".join(failures)


def test_track_browse_and_account_pages_in_every_state(town, page):
    failures: list[str] = []
    pothole, outreach = town["pothole"], town["outreach"]
    page.goto("/track/")
    check(page, "track: empty", failures)
    page.goto("/track/?id=12")
    check(page, "track: error", failures)
    page.goto(f"/requests/{pothole.public_id}/")
    # The photo has loaded (decoded to real pixels), however long the server took.
    page.wait_for_function("() => document.querySelector('.photos img')?.complete")
    assert page.locator(".photos img").evaluate("img => img.naturalWidth") > 0
    check(page, "request", failures, "request")
    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Follow this request").click()
    check(page, "request: follow error", failures)
    page.get_by_label("Email address").fill("neighbour@example.com")
    page.get_by_role("button", name="Follow this request").click()
    expect(page.get_by_role("status").filter(has_text="Check your email")).to_be_visible()
    check(page, "request: follow sent", failures)
    page.goto(f"/requests/{outreach.public_id}/")
    check(page, "request: sensitive", failures)
    page.goto("/requests/")
    check(page, "browse", failures, "browse")
    page.goto("/requests/?status=closed&service=POTHOLE")
    check(page, "browse: nothing found", failures)
    page.goto("/login/")
    page.get_by_role("button", name="Email me a sign-in link").click()
    check(page, "sign in: error", failures)
    page.get_by_label("Email address").fill("ana@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    check(page, "sign in: link sent", failures)
    path = re.search(r"http://\S+(/login/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(path)
    check(page, "sign in: confirm", failures)
    page.get_by_role("button", name="Sign in now").click()
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    check(page, "my requests", failures, "my-requests")
    for url, name in (("/accessibility/", "accessibility"), ("/privacy/", "privacy")):
        page.goto(url)
        check(page, name, failures, name)
    page.goto("/no-such-page/")
    check(page, "404", failures)
    assert failures == [], "\n".join(failures)


def test_spanish_pages_and_the_rate_limit_page(town, open_session, settings):
    failures: list[str] = []
    page = open_session(locale="es-ES").page
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "es"
    check(page, "es: home", failures, "es-home")
    page.goto(f"/report/POTHOLE/details/?{PIN}")
    page.get_by_role("button", name="Enviar informe").click()
    expect(page.get_by_role("heading", name="Hay un problema")).to_be_visible()
    check(page, "es: details errors", failures, "es-report-details-error")
    settings.TOWNHALL = {**settings.TOWNHALL, "RATE_LIMITS": {"sign_in": "0/h"}}
    page.goto("/login/")
    page.get_by_label("Correo electrónico").fill("ana@example.com")
    page.get_by_role("button", name="Enviarme un enlace para iniciar sesión").click()
    expect(page.get_by_role("heading", name="Demasiados intentos")).to_be_visible()
    check(page, "es: 429", failures)
    assert failures == [], "\n".join(failures)


def test_phone_screenshots_and_axe_at_360_px(town, open_session):
    failures: list[str] = []
    page = open_session(viewport=PHONE, is_mobile=True, has_touch=True).page
    for url, name in (
        ("/", "home"),
        ("/report/", "report-services"),
        ("/report/POTHOLE/", "report-location"),
        (f"/report/POTHOLE/details/?{PIN}", "report-details"),
        (f"/requests/{town['pothole'].public_id}/", "request"),
        ("/requests/", "browse"),
    ):
        page.goto(url)
        if page.locator("[data-map]").count():
            page.locator(".area-label").first.wait_for()
        failures += [f"phone {name}: {v}" for v in violations(page)]
        shoot(page, f"phone-{name}")
    assert failures == [], "\n".join(failures)
