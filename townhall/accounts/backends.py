"""Sign-in throttling: django-axes in front of Django's model backend."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class ThrottledBackend(AxesStandaloneBackend):
    """Axes' lockout check for every sign-in that comes with a request.

    Axes refuses ``authenticate()`` calls without a request; those come only from code
    (scripts, the test client's ``login``), never from a person at a form, so they are
    let through to the next backend instead of failing.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
