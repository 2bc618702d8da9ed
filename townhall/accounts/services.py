"""Writes about people and API keys."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from townhall.accounts.models import ApiKey, Role, SignInToken, User
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


def request_sign_in_link(actor: Actor, email: str, language: str = "") -> None:
    """Email a one-time sign-in link to ``email`` (passwordless sign-in for residents).

    Anyone may ask for a link for any address; only the mailbox's owner can use it. The
    answer never says whether an account exists. The raw secret goes straight into the
    email after commit and is never stored or queued, so a copy of the database holds no
    working link.
    """
    email = email.strip()
    minutes = int(settings.TOWNHALL["SIGN_IN_LINK_MINUTES"])
    raw, digest = SignInToken.generate()
    now = timezone.now()
    with transaction.atomic():
        # Keep the table small and the register's retention promise: old links go.
        SignInToken.objects.filter(created_at__lt=now - timedelta(days=7)).delete()
        token = SignInToken.objects.create(
            email=email, digest=digest, expires_at=now + timedelta(minutes=minutes)
        )
        record(actor, "account.sign_in_link_sent", token)
        transaction.on_commit(lambda: _send_sign_in_link(email, raw, minutes, language))


def _send_sign_in_link(email: str, raw: str, minutes: int, language: str) -> None:
    url = settings.TOWNHALL["PUBLIC_BASE_URL"].rstrip("/") + reverse(
        "portal:sign_in_link", args=[raw]
    )
    codes = [code for code, _name in settings.LANGUAGES]
    language = language if language in codes else settings.LANGUAGE_CODE
    with translation.override(language):
        subject = gettext("Your sign-in link")
        body = render_to_string("accounts/email/sign_in.txt", {"url": url, "minutes": minutes})
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


def redeem_sign_in_link(actor: Actor, raw: str) -> User | None:
    """The resident a sign-in link belongs to (created on first use), or None.

    A link works once and only until it expires.
    """
    with transaction.atomic():
        token = (
            SignInToken.objects.select_for_update()
            .usable()
            .filter(digest=SignInToken.digest_of(raw))
            .first()
        )
        if token is None:
            return None
        token.used_at = timezone.now()
        token.save(update_fields=["used_at"])
        # Staff accounts never sign in by email link: they keep passwords (and 2FA). A
        # staff member's address gets a separate resident account.
        user = User.objects.filter(
            email__iexact=token.email,
            role=Role.RESIDENT,
            is_staff=False,
            is_superuser=False,
            is_active=True,
        ).first()
        created = user is None
        if user is None:
            user = User(username=_resident_username(token.email), email=token.email)
            user.set_unusable_password()
            user.save()
        record(actor, "account.signed_in_by_link", user, created=created)
    return user


def _resident_username(email: str) -> str:
    # Usernames are unique and at most 150 characters; an address alone may be longer.
    base = email.lower()[:120]
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}~{n}"
    return candidate


# --- People, roles and the second factor (issue 3) ---------------------------------------

RECOVERY_CODES = 10


def create_user(
    actor: Actor, username: str, email: str, role: Role, password: str | None = None
) -> User:
    """A new account; staff without a password set one through the reset flow."""
    with transaction.atomic():
        user = User(username=username.strip(), email=email.strip(), role=role)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
        record(actor, "user.created", user, username=user.username, role=role)
    return user


def update_user(actor: Actor, user: User, *, role: Role, is_active: bool) -> User:
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = {"role": user.role, "is_active": user.is_active}
        user.role, user.is_active = role, is_active
        user.save(update_fields=["role", "is_active"])
        record(
            actor, "user.updated", user, before=before, after={"role": role, "is_active": is_active}
        )
    return user


def start_totp_enrolment(actor: Actor, user: User) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for ``user``; confirmed by a first good code."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        record(actor, "auth.2fa_enrolment_started", user)
    return device


def confirm_totp_enrolment(actor: Actor, user: User, token: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from it; returns new recovery codes.

    None when the code is wrong (nothing changes then, except the device's throttle).
    """
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None or not device.verify_token(token.strip().replace(" ", "")):
            record(actor, "auth.2fa_enrolment_failed", user)
            return None
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(user)
        record(actor, "auth.2fa_enrolled", user, device=device.persistent_id)
    return codes


def new_recovery_codes(actor: Actor, user: User) -> list[str]:
    """Ten new one-time recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        record(actor, "auth.recovery_codes_replaced", user)
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def verify_second_factor(actor: Actor, user: User, token: str) -> Device | None:
    """The device that accepts ``token`` (authenticator code or recovery code), or None.

    django-otp throttles each device after failures; a recovery code works once.
    """
    token = token.strip().replace(" ", "").lower()
    with transaction.atomic():
        device = match_token(user, token) if token else None
        if device is None:
            record(actor, "auth.2fa_failed", user)
        else:
            kind = "recovery_code" if isinstance(device, StaticDevice) else "totp"
            record(actor, "auth.2fa_verified", user, method=kind)
    return device


def reset_second_factor(actor: Actor, user: User) -> None:
    """For a lost phone: remove every device; the person enrols again at next sign-in."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record(actor, "auth.2fa_reset", user)


# The personal-data register's promise for sign-in records (privacy/registry.py).
SIGN_IN_LOG_RETENTION = timedelta(days=90)


def purge_sign_in_records(actor: Actor) -> dict[str, int]:
    """Delete expired sessions and sign-in throttling records and logs past 90 days.

    Sessions past their expiry are useless to anyone but an attacker with the database;
    django-axes keeps its attempts and logs forever unless someone deletes them.
    """
    now = timezone.now()
    old = {"attempt_time__lt": now - SIGN_IN_LOG_RETENTION}
    with transaction.atomic():
        counts = {
            "sessions": Session.objects.filter(expire_date__lt=now).delete()[0],
            "sign_in_attempts": AccessAttempt.objects.filter(**old).delete()[0],
            "sign_in_logs": AccessLog.objects.filter(**old).delete()[0]
            + AccessFailureLog.objects.filter(**old).delete()[0],
        }
        record(actor, "privacy.sign_in_records_purged", None, **counts)
    return counts
