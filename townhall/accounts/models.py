"""People, their roles, and API keys for Open311 clients."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
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


# Everyone who works in the back office signs in with a second factor.
BACK_OFFICE_ROLES = frozenset({Role.AGENT, Role.STAFF, Role.SUPERVISOR, Role.ADMIN, Role.ANALYST})


class UserQuerySet(models.QuerySet["User"]):
    def back_office(self) -> UserQuerySet:
        return self.filter(role__in=sorted(BACK_OFFICE_ROLES), is_active=True)


class TownhallUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RESIDENT)
    preferred_language = models.CharField(max_length=10, blank=True)

    objects = TownhallUserManager()  # type: ignore[misc]

    @property
    def is_back_office(self) -> bool:
        return self.is_active and self.role in BACK_OFFICE_ROLES


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


class SignInTokenQuerySet(models.QuerySet["SignInToken"]):
    def usable(self) -> SignInTokenQuerySet:
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class SignInToken(models.Model):
    """A one-time, short-lived sign-in link sent by email (passwordless sign-in).

    Only a SHA-256 digest of the link's secret is stored, like API keys.
    """

    email = models.EmailField()
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = SignInTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["email", "created_at"])]

    def __str__(self) -> str:
        return f"sign-in link created {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def generate() -> tuple[str, str]:
        """A new raw secret for the link, and its digest."""
        raw = secrets.token_urlsafe(32)
        return raw, _digest(raw)

    @staticmethod
    def digest_of(raw: str) -> str:
        return _digest(raw)
