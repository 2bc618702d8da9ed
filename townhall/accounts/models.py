"""People, their roles, and API keys for Open311 clients."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    AGENT = "agent", _("Call-centre agent")
    STAFF = "staff", _("Department staff")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")
    ANALYST = "analyst", _("Analyst")


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RESIDENT)
    preferred_language = models.CharField(max_length=10, blank=True)


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)

    def verify(self, raw_key: str) -> ApiKey | None:
        """The active key matching ``raw_key``, or None. Only the digest is stored."""
        if not raw_key or len(raw_key) > 200:
            return None
        return self.active().filter(digest=_digest(raw_key)).first()


class ApiKey(models.Model):
    """A key an Open311 client sends as ``api_key``. The raw key is shown once, never stored."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """A new raw key with its prefix and digest."""
        raw = "th_" + secrets.token_urlsafe(30)
        return raw, raw[:11], _digest(raw)
