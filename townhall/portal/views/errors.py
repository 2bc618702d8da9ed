"""Friendly error pages that keep the portal's layout (and its Content-Security-Policy)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's own CSRF page carries inline styles; this one only explains what to do."""
    return render(request, "portal/errors/csrf.html", status=403)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/errors/429.html", status=429)
