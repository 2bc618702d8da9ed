"""Home, information pages, languages, security headers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils.html import escape

from tests.factories import make_request
from townhall.portal.views.pages import PLAIN_WORDS
from townhall.privacy.registry import REGISTRY

pytestmark = pytest.mark.django_db


def test_home_offers_the_journeys_and_recent_activity(client, city):
    light = make_request()
    page = client.get("/").content.decode()
    for text in ("Report a problem", "Check a request", "Requests near you", light.public_id):
        assert text in page
    page = client.get("/", {"area": "south"}).content.decode()
    assert light.public_id not in page and "Recent activity in Southside" in page


def test_home_without_a_city_explains_what_to_do(client, db):
    assert "No city is set up yet" in client.get("/").content.decode()


def test_the_privacy_notice_covers_every_register_entry(client, city):
    page = client.get("/privacy/").content.decode()
    for entry in REGISTRY:
        words = PLAIN_WORDS.get(f"{entry.model}:{entry.fields[0]}") or PLAIN_WORDS.get(entry.model)
        if words is not None:
            assert escape(str(words[0])) in page
    assert page.count('class="privacy-entry"') == len(REGISTRY)
    assert "Until two years after the request closes." in page


def test_the_accessibility_statement_has_real_content(client, city):
    page = client.get("/accessibility/").content.decode()
    assert "WCAG" in page and "Known limitations" in page and "Tell us about a problem" in page


def test_spanish_from_the_browser_covers_pages_errors_and_the_catalogue(city):
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es")
    page = spanish.get("/").content.decode()
    assert '<html lang="es"' in page and "Informar de un problema" in page
    page = spanish.get("/report/").content.decode()
    assert "Bache" in page  # Service.translations
    page = spanish.get("/report/POTHOLE/details/?lat=40.02&lon=-75.18").content.decode()
    assert "Describa el problema" in page
    page = spanish.post("/report/POTHOLE/details/?lat=40.02&lon=-75.18", {}).content.decode()
    assert "Hay un problema" in page and "Este campo es obligatorio." in page


def test_the_language_switcher_remembers_the_choice(client, city):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/report/"})
    assert response.status_code == 302 and response["Location"] == "/report/"
    assert '<html lang="es"' in client.get("/").content.decode()


def test_dates_are_localised(city):
    report = make_request()
    page = Client(HTTP_ACCEPT_LANGUAGE="es").get(f"/requests/{report.public_id}/").content.decode()
    month = report.requested_at.month
    spanish_months = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
                      "agosto", "septiembre", "octubre", "noviembre", "diciembre"]  # fmt: skip
    assert spanish_months[month - 1] in page


def test_pages_carry_a_strict_content_security_policy(client, city):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_templates_have_no_inline_scripts_styles_or_style_attributes(client, city):
    report = make_request()
    for url in (
        "/",
        "/report/",
        "/report/POTHOLE/",
        f"/requests/{report.public_id}/",
        "/requests/",
    ):
        page = client.get(url).content.decode()
        assert " style=" not in page and "<style" not in page, url
        for script in page.split("<script")[1:]:
            assert ' src="' in script.split(">")[0] or 'type="application/json"' in script, url


def test_a_missing_page_is_friendly(client, city):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_map_outlines_are_small_and_cached(client, city):
    response = client.get("/map/areas.geojson")
    data = response.json()
    assert {f["properties"]["name"] for f in data["features"]} == {"Northside", "Southside"}
    assert "max-age=3600" in response["Cache-Control"]


def test_the_place_search_finds_areas_and_known_addresses(client, city):
    make_request(address="1234 Elm St")
    make_request("HOMELESS_OUTREACH", address="99 Elm St")
    labels = [r["label"] for r in client.get("/map/places.json", {"q": "elm"}).json()["results"]]
    assert labels == ["1234 Elm St"]  # a sensitive request's address is never offered
    labels = [r["label"] for r in client.get("/map/places.json", {"q": "north"}).json()["results"]]
    assert labels == ["Northside"]


def test_home_links_the_journeys_other_apps_provide_only_when_they_exist(client, city):
    from django.urls import NoReverseMatch, reverse

    page = client.get("/").content.decode()
    try:
        assert reverse("assistant:chat") in page and "Ask a question" in page
    except NoReverseMatch:
        assert "Ask a question" not in page
    assert ("Have your say" in page) == any(
        _resolves(name) for name in ("budgeting:home", "consultations:home")
    )


def _resolves(name: str) -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True
