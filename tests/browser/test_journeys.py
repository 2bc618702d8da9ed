"""Whole journeys in a real browser: keyboard only, without JavaScript, on the map."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from townhall.servicedesk.models import ServiceRequest

pytestmark = pytest.mark.browser

FOCUS_VISIBLE = """() => {
  const style = getComputedStyle(document.activeElement);
  return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) ||
    style.boxShadow !== 'none';
}"""


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has focus, checking every stop shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            continue
        assert page.evaluate(FOCUS_VISIBLE), page.evaluate(
            "[document.activeElement.outerHTML, getComputedStyle(document.activeElement).outline,"
            " getComputedStyle(document.activeElement).boxShadow]"
        )
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_whole_report_with_the_keyboard_only(town, page):
    page.goto("/")
    tab_to(page, "a.skip-link")
    tab_to(page, "nav a[href='/report/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/report/")
    tab_to(page, "#id_q")
    page.keyboard.type("pothol")
    page.keyboard.press("Enter")
    page.wait_for_url("**/report/?q=pothol")
    assert page.evaluate("document.activeElement.id") == "results-heading"  # focus moved
    tab_to(page, ".results a[href='/report/POTHOLE/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/report/POTHOLE/")
    tab_to(page, "#place-query")
    page.keyboard.type("Elm")
    page.keyboard.press("Enter")
    tab_to(page, ".place-results button")
    page.keyboard.press("Enter")
    page.get_by_text("Pin placed in Northside.").wait_for()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/details/**")
    tab_to(page, "#id_attr_SIZE_0")
    page.keyboard.press("ArrowDown")  # radios move with the arrow keys
    tab_to(page, "#id_description")
    page.keyboard.type("Big enough to bend a wheel")
    tab_to(page, "#id_email")
    page.keyboard.type("ana@example.com")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/report/sent/**")
    report = ServiceRequest.objects.latest("pk")
    expect(page.get_by_text(report.public_id)).to_be_visible()
    assert report.attributes == {"SIZE": "large"}
    assert report.address == "1234 Elm St" and report.area.code == "north"


def test_the_error_summary_takes_focus_and_its_links_reach_the_fields(town, page):
    page.goto("/report/POTHOLE/details/?lat=40.02&lon=-75.18")
    page.get_by_role("button", name="Send report").click()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.get_by_role("link", name="How big is it?").click()
    assert page.evaluate("document.activeElement.id") == "id_attr_SIZE_0"


def test_without_javascript_an_address_and_area_are_enough(town, open_session):
    page = open_session(java_script_enabled=False).page
    page.goto("/report/POTHOLE/")
    assert not page.locator("#location-map").is_visible()
    page.get_by_label("Address or description of the place").fill("Corner of Oak St and 5th St")
    page.locator("#id_area").select_option("south")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Larger than a plate").check()
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url("**/report/sent/**")
    report = ServiceRequest.objects.latest("pk")
    assert report.address == "Corner of Oak St and 5th St, Southside" and report.lat is None


def test_a_pin_placed_by_clicking_the_map(town, page):
    page.goto("/report/STREETLIGHT/")
    page.locator(".leaflet-interactive, .area-label").first.wait_for(state="attached")
    box = page.locator("#location-map").bounding_box()
    # The two districts fill the middle of the map; a click left of centre is Northside.
    page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5)
    page.get_by_text("Pin placed in Northside.").wait_for()
    assert page.locator("#id_lat").input_value() and page.locator("#id_lon").input_value()
    assert page.locator(".leaflet-marker-icon").get_attribute("alt")
    page.mouse.click(box["x"] + 5, box["y"] + box["height"] - 5)  # off the city
    page.get_by_text("That place is outside the city.").wait_for()
    assert page.locator("#id_lat").input_value() == ""


def test_near_my_location_uses_the_browsers_position(town, open_session):
    page = open_session(geolocation={"latitude": 40.0205, "longitude": -75.1805},
                        permissions=["geolocation"]).page  # fmt: skip
    page.goto("/requests/")
    page.get_by_role("button", name="Near my location").click()
    page.wait_for_url("**/requests/?lat=40.0205*")
    expect(page.get_by_text(town["pothole"].public_id)).to_be_visible()
    assert not page.get_by_text(town["light"].public_id).is_visible()
