"""A small per-client limiter on writes, counted in Django's cache (fixed windows).

It lives here, below the faces, so that the portal and the public area pages (served by
``staff``) count against the same limits.

Limits are settings (``TOWNHALL["RATE_LIMITS"]``, e.g. ``"10/h"``) so that an operator can
loosen them for a call centre's shared address or tighten them under abuse.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rule(rule: str) -> tuple[int, int] | None:
    """``"10/h"`` → (10, 3600); empty → None (no limit)."""
    if not rule:
        return None
    count, _, period = rule.partition("/")
    try:
        return int(count), PERIODS[period.strip().lower()[:1] or "h"]
    except (KeyError, ValueError) as exc:
        raise ValueError(f"rate limit {rule!r} is not like 10/h") from exc


def client_ip(request: HttpRequest) -> str:
    header = settings.TOWNHALL.get("CLIENT_IP_HEADER") or ""
    if header:
        forwarded = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        # The proxy we trust appends the address it saw: the last entry is the real one.
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(request: HttpRequest, scope: str, period: int) -> str:
    window = int(time.time() // period)
    return f"townhall:rate:{scope}:{client_ip(request)}:{window}"


def reached(request: HttpRequest, scope: str) -> bool:
    """True when this client has already used up the scope's limit; counts nothing.

    Checked before costly work (decoding and re-encoding photos happens while a form is
    validated), so that a client over its limit cannot keep the server busy with it.
    """
    rule = parse_rule(settings.TOWNHALL["RATE_LIMITS"].get(scope, ""))
    if rule is None:
        return False
    limit, period = rule
    return int(cache.get(_key(request, scope, period)) or 0) >= limit


def exceeded(request: HttpRequest, scope: str) -> bool:
    """Count one action for this client; True when it goes over the scope's limit."""
    rule = parse_rule(settings.TOWNHALL["RATE_LIMITS"].get(scope, ""))
    if rule is None:
        return False
    limit, period = rule
    key = _key(request, scope, period)
    if cache.add(key, 1, timeout=period):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)
        count = 1
    return count > limit
