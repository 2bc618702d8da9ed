"""Authentication events go to the audit trail: sign-in, failure, lockout, sign-out."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from townhall.audit import record
from townhall.lib.actors import Actor


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def actor_for(request: HttpRequest | None, user: Any = None, label: str = "") -> Actor:
    user = user if user is not None else getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    name = label or (f"user:{user.get_username()}" if user is not None else "anonymous")
    return Actor(label=name, user=user, ip=client_ip(request), channel="web")


def _agent(request: HttpRequest | None) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:200]


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(actor_for(request, user), "auth.login", user, user_agent=_agent(request))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(actor_for(request, user), "auth.logout", user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(
        actor_for(request, label=f"anonymous:{username}"),
        "auth.login_failed",
        None,
        username=username,
        user_agent=_agent(request),
    )


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    name = (username or "")[:150]
    record(actor_for(request, label=f"anonymous:{name}"), "auth.locked_out", None, username=name)
