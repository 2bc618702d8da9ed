"""Rules of the architecture, checked on every run."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from townhall.privacy.registry import registered_fields

# Field names that hold personal data wherever they appear.
PERSONAL_FIELD_NAMES = {
    "email", "phone", "first_name", "last_name", "ip", "device_id", "account_id",
    "address", "password", "username", "ip_address", "user_agent", "user", "author",
    "author_label", "session_data",
}  # fmt: skip

# Fields with a personal-sounding name that hold none (a team's shared mailbox).
NOT_PERSONAL = {("servicedesk.department", "email")}

# Public pages and APIs; everything else must demand a signed-in user.
PUBLIC_PREFIXES = (
    "", "healthz", "open311/", "assistant/", "help/", "admin/login/", "static/", "media/",
    # The back office's sign-in, and the public area feeds and alerts (issue 3).
    "staff/login/", "areas/",
    # The residents' portal (issue 4); its private pages ("my/") send visitors to sign in.
    "report/", "track/", "requests/", "follow/", "login/", "accessibility/", "privacy/",
    "map/", "i18n/", "photos/",
    # Participatory budgeting (issue 5): processes, projects, ballots and results are public.
    "budgeting/",
)  # fmt: skip


def test_every_personal_data_field_is_registered():
    registered = registered_fields()
    missing = [
        f"{model._meta.label}.{field.name}"
        # Every installed app, Django's and third parties' included (sessions, sign-in
        # throttling, second factor): what they store is the city's to declare too.
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.name in PERSONAL_FIELD_NAMES
        and (model._meta.label_lower, field.name) not in registered | NOT_PERSONAL
    ]
    assert missing == []


@pytest.mark.django_db
def test_migrations_are_complete():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def _routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    routes = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def _is_public(route: str) -> bool:
    return route == "" or any(p and route.startswith(p) for p in PUBLIC_PREFIXES)


@pytest.mark.django_db
def test_every_private_url_turns_away_an_anonymous_visitor(client):
    private = [r for r in _routes(get_resolver()) if not _is_public(r)]
    assert private, "the admin at least is private"
    for route in private:
        if "<" in route or "(?P" in route or "^" in route:
            continue  # parametrised routes are covered by their apps' permission tests
        response = client.get("/" + route, follow=True)
        landed = response.redirect_chain[-1][0] if response.redirect_chain else ""
        assert response.status_code in {401, 403, 404, 405} or "login" in landed, route
