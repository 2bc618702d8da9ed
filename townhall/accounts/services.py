"""Writes about people and API keys."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import ApiKey
from townhall.audit import record
from townhall.lib.actors import Actor


def create_api_key(actor: Actor, name: str) -> tuple[ApiKey, str]:
    """Create a key for an Open311 client; returns the key and its raw value (shown once)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("an API key needs a name of 1 to 100 characters")
    raw, prefix, digest = ApiKey.generate()
    with transaction.atomic():
        key = ApiKey.objects.create(name=name, prefix=prefix, digest=digest)
        record(actor, "apikey.created", key, name=name, prefix=prefix)
    return key, raw


def revoke_api_key(actor: Actor, key: ApiKey) -> None:
    with transaction.atomic():
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record(actor, "apikey.revoked", key, name=key.name)
