"""Staff sign-in end to end: password, authenticator code, recovery codes, throttling."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent

PASSWORD = "correct horse battery"


def code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, drift=drift):06d}"


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/staff/login/", {"username": username, "password": password})


def test_staff_sign_in_with_password_then_authenticator_code(people):
    client = Client()
    response = sign_in(client, "staff")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/verify/")
    assert client.get("/staff/").status_code == 302  # not yet: second step pending
    bad = client.post("/staff/login/verify/", {"token": "000000"})
    assert bad.status_code == 200 and "did not work" in bad.content.decode()
    device = TOTPDevice.objects.get(user=people["staff"])
    # django-otp throttles a device after a wrong code (1 s, then doubling); wait it out.
    assert device.throttling_failure_count == 1
    device.throttling_failure_timestamp -= timedelta(seconds=5)
    device.save()
    response = client.post("/staff/login/verify/", {"token": code(device), "next": "/staff/map/"})
    assert response.status_code == 302 and response["Location"] == "/staff/map/"
    assert client.get("/staff/").status_code == 200
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["auth.login", "auth.2fa_failed", "auth.2fa_verified"]
    login = AuditEvent.objects.get(action="auth.login")
    assert login.ip == "127.0.0.1" and login.actor_label == "user:staff"
    client.post("/staff/logout/")
    assert AuditEvent.objects.filter(action="auth.logout").exists()
    assert client.get("/staff/").status_code == 302


def test_first_sign_in_enrols_an_authenticator_and_hands_out_recovery_codes(city, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.create_user("newbie", password=PASSWORD, role=Role.AGENT)
    client = Client()
    response = sign_in(client, "newbie")
    assert response["Location"].startswith("/staff/two-step/setup/")
    page = client.get("/staff/two-step/setup/")
    assert page.status_code == 200 and 'src="/staff/two-step/qr.svg"' in page.content.decode()
    qr = client.get("/staff/two-step/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    device = TOTPDevice.objects.get(user__username="newbie", confirmed=False)
    response = client.post("/staff/two-step/setup/", {"token": code(device)})
    codes = StaticToken.objects.filter(device__user__username="newbie")
    assert codes.count() == 10
    assert all(t.token in response.content.decode() for t in codes)
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.2fa_enrolled").exists()
    # Someone with only the password cannot enrol a second authenticator for this account.
    thief = Client()
    sign_in(thief, "newbie")
    assert thief.get("/staff/two-step/setup/")["Location"] == "/staff/login/verify/"


def test_a_recovery_code_signs_in_once(people):
    from tests.factories import SYSTEM
    from townhall.accounts.services import new_recovery_codes

    codes = new_recovery_codes(SYSTEM, people["supervisor"])
    for attempt in range(2):
        client = Client()
        sign_in(client, "supervisor")
        response = client.post("/staff/login/verify/", {"token": codes[0].upper()})
        assert (response.status_code == 302) == (attempt == 0)
    assert AuditEvent.objects.filter(
        action="auth.2fa_verified", data__method="recovery_code"
    ).exists()


def test_failed_sign_ins_cool_off_rather_than_lock_forever(people, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "staff", "wrong").status_code == 200
    assert sign_in(client, "staff", "wrong").status_code == 429
    locked = sign_in(client, "staff")  # even the right password waits now
    assert locked.status_code == 429 and "Too many" in locked.content.decode()
    assert (
        AuditEvent.objects.filter(action="auth.login_failed", data__username="staff").count() >= 5
    )
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()
    # Another person at the same desk is not locked out by it.
    assert sign_in(Client(), "supervisor").status_code == 302
    # After the cool-off the right password works again.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert sign_in(Client(), "staff").status_code == 302


def test_residents_cannot_use_the_staff_sign_in(people):
    response = sign_in(Client(), "resident")
    assert response.status_code == 200 and "for city staff" in response.content.decode()


def test_admin_resets_a_lost_authenticator(people):
    admin = people.client("admin")
    target = people["staff"]
    response = admin.post(f"/staff/settings/users/{target.pk}/reset-two-step/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()
    client = Client()
    assert sign_in(client, "staff")["Location"].startswith("/staff/two-step/setup/")
