"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every page a test opens is checked for requests to any other host (there must be none)
and for Content-Security-Policy violations. Screenshots go to ``screenshots/``
(git-ignored) for people to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.factories import make_city, make_request
from tests.servicedesk.test_media import photo_with_gps
from townhall.servicedesk.media import clean_photo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium per test module.

    Playwright's sync API keeps an asyncio loop running in the test thread while it is
    started, and Django refuses ORM calls under a running loop unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set. Both last only as long as a browser module runs, so
    no other test (nor the deployment check, which rejects that variable) sees them.
    """
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI must run these tests, never skip them
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Session:
    """A browser context that records where it went and what the browser complained of."""

    def __init__(self, browser, base_url: str, **options):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url, **options)
        self.context.set_default_timeout(10_000)
        self.foreign: list[str] = []
        self.csp_errors: list[str] = []
        self.context.on("request", self._on_request)
        self.page = self.context.new_page()
        self.page.on("console", self._on_console)

    def _on_request(self, request) -> None:
        if not request.url.startswith((self.base_url, "data:", "blob:")):
            self.foreign.append(request.url)

    def _on_console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    def close(self) -> None:
        self.context.close()
        assert self.foreign == [], f"requests to other hosts: {self.foreign}"
        assert self.csp_errors == [], f"CSP violations: {self.csp_errors}"


@pytest.fixture
def open_session(browser, live_server):
    sessions: list[Session] = []

    def make(**options) -> Session:
        options.setdefault("viewport", DESKTOP)
        session = Session(browser, live_server.url, **options)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def page(open_session):
    return open_session().page


@pytest.fixture
def town(transactional_db, settings):
    """Riverton with a few requests to look at, one with a photo and one sensitive."""
    cache.clear()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    city = make_city()
    city.contact = "311@riverton.example"
    city.save()
    requests = {
        "pothole": make_request(
            "POTHOLE",
            lat=40.021,
            lon=-75.181,
            attributes={"SIZE": "large", "LANES": ["left"]},
            description="Deep hole in the right lane by the bus stop",
            address="1234 Elm St",
            photos=(clean_photo(photo_with_gps()),),
        ),
        "light": make_request("STREETLIGHT", lat=40.03, lon=-75.13, address="88 Oak St"),
        "outreach": make_request(
            "HOMELESS_OUTREACH", lat=40.02, lon=-75.17, description="Person needs help"
        ),
    }
    yield requests
    cache.clear()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
