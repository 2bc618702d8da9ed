"""Sign-in records kept no longer than the personal-data register says."""

from datetime import timedelta

from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.factories import SYSTEM
from townhall.accounts.services import purge_sign_in_records


def test_expired_sessions_and_old_sign_in_records_go(db):
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="x", expire_date=now - timedelta(1))
    Session.objects.create(session_key="live", session_data="x", expire_date=now + timedelta(1))
    for days in (91, 10):
        log = AccessLog.objects.create(username="ana", ip_address="192.0.2.1", user_agent="ua")
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=now - timedelta(days=days))
        attempt = AccessAttempt.objects.create(
            username=f"ana{days}", ip_address="192.0.2.1", user_agent="ua", failures_since_start=1
        )
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=now - timedelta(days=days))
    counts = purge_sign_in_records(SYSTEM)
    assert counts == {"sessions": 1, "sign_in_attempts": 1, "sign_in_logs": 1}
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert AccessLog.objects.count() == 1 and AccessAttempt.objects.count() == 1
