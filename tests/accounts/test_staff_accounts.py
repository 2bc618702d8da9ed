from django.contrib.auth import authenticate
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken

from tests.factories import SYSTEM
from townhall.accounts.models import Role, User
from townhall.accounts.services import (
    confirm_totp_enrolment,
    create_user,
    start_totp_enrolment,
    update_user,
    verify_second_factor,
)
from townhall.audit.models import AuditEvent


def test_roles_and_back_office_membership(db):
    agent = create_user(SYSTEM, "agent1", "a@example.org", Role.AGENT, "long enough pw 1")
    resident = create_user(SYSTEM, "res1", "r@example.org", Role.RESIDENT)
    assert agent.is_back_office and not resident.is_back_office
    assert list(User.objects.back_office()) == [agent]
    update_user(SYSTEM, agent, role=Role.AGENT, is_active=False)
    assert not User.objects.back_office().exists()
    event = AuditEvent.objects.get(action="user.updated")
    assert event.data == {
        "before": {"role": "agent", "is_active": True},
        "after": {"role": "agent", "is_active": False},
    }


def test_scripts_can_still_authenticate_without_a_request(db):
    create_user(SYSTEM, "ops", "", Role.ADMIN, "long enough pw 1")
    assert authenticate(username="ops", password="long enough pw 1") is not None


def test_enrolment_needs_a_right_code_and_replaces_recovery_codes(db):
    user = create_user(SYSTEM, "s1", "", Role.STAFF, "long enough pw 1")
    device = start_totp_enrolment(SYSTEM, user)
    assert confirm_totp_enrolment(SYSTEM, user, "123456") is None
    device.refresh_from_db()
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    codes = confirm_totp_enrolment(SYSTEM, user, f"{totp(device.bin_key):06d}")
    assert codes is not None and len(codes) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)
    assert verify_second_factor(SYSTEM, user, codes[3]) is not None
    assert verify_second_factor(SYSTEM, user, codes[3]) is None  # once only
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "auth.2fa_enrolment_failed" in actions and "auth.2fa_enrolled" in actions
