"""Small helpers shared by the back-office views."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from townhall.lib.actors import Actor


def actor(request: HttpRequest) -> Actor:
    user = request.user
    return Actor(
        label=f"staff:{user.get_username()}",
        user=user,
        ip=request.META.get("REMOTE_ADDR") or None,
        channel="staff",
    )


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
