"""Who is acting on a portal page, for the service functions and the audit trail."""

from __future__ import annotations

from django.http import HttpRequest

from townhall.accounts.ratelimit import client_ip
from townhall.lib.actors import Actor


def actor_for(request: HttpRequest) -> Actor:
    user = request.user if request.user.is_authenticated else None
    label = f"resident:{user.pk}" if user is not None else "web:anonymous"
    return Actor(label=label, user=user, ip=client_ip(request) or None, channel="web")


def language_of(request: HttpRequest) -> str:
    return (getattr(request, "LANGUAGE_CODE", "") or "").split("-")[0]
