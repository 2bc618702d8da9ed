"""Template context every portal page needs: the city, the map settings, the languages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from townhall.places.models import Jurisdiction

# Which main-navigation link is the current page's section (aria-current="page").
SECTIONS = {
    "report": "report",
    "report_location": "report",
    "report_details": "report",
    "report_sent": "report",
    "track": "track",
    "request": "track",
    "browse": "browse",
    "my_requests": "mine",
    "sign_in": "sign_in",
}


def portal(request: HttpRequest) -> dict[str, Any]:
    def city() -> Jurisdiction | None:
        if not hasattr(request, "_townhall_city"):
            request._townhall_city = Jurisdiction.objects.default()  # type: ignore[attr-defined]
        found: Jurisdiction | None = request._townhall_city  # type: ignore[attr-defined]
        return found

    # Lazy: pages that never mention the city (static files, JSON) never query for it.
    match = getattr(request, "resolver_match", None)
    return {"city": city, "nav": SECTIONS.get(match.url_name if match else "", "")}
