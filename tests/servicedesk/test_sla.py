from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from tests.factories import SYSTEM, make_request
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.servicedesk.calendar import WorkingTime, add_working_hours, working_hours_between
from townhall.servicedesk.models import (
    BusinessCalendar,
    Department,
    Holiday,
    Notification,
    RequestUpdate,
    Service,
    ServiceLevel,
    ServiceRequest,
    SlaState,
    Status,
)
from townhall.servicedesk.services import change_status, save_setting, scan_service_levels

NY = ZoneInfo("America/New_York")
WEEK = WorkingTime(NY, frozenset(range(5)), time(8), time(17), frozenset({date(2026, 5, 25)}))


def local(*args):
    return datetime(*args, tzinfo=NY)


def test_working_hours_skip_nights_weekends_and_holidays():
    friday_evening = local(2026, 5, 22, 18, 0)  # Memorial Day is Monday 25 May
    due = add_working_hours(friday_evening, 8, WEEK)
    assert due.astimezone(NY) == local(2026, 5, 26, 16, 0)
    assert due.tzinfo == UTC
    monday_morning = local(2026, 6, 1, 9, 0)
    assert add_working_hours(monday_morning, 48, WEEK).astimezone(NY) == local(2026, 6, 8, 12, 0)
    assert working_hours_between(monday_morning, local(2026, 6, 8, 12, 0), WEEK) == 48


def test_working_hours_across_the_daylight_saving_change():
    # Clocks go forward on Sunday 8 March 2026; the working day stays 8:00–17:00 local.
    due = add_working_hours(local(2026, 3, 6, 16, 0), 2, WEEK)
    assert due.astimezone(NY) == local(2026, 3, 9, 9, 0)


def _level(city, service_code="STREETLIGHT", target=48, at_risk=8, escalate_to=None):
    calendar = BusinessCalendar.objects.create(jurisdiction=city, name="City hall")
    Holiday.objects.create(calendar=calendar, date=date(2026, 12, 25), name="Christmas")
    return ServiceLevel.objects.create(
        service=Service.objects.get(code=service_code),
        calendar=calendar,
        target_hours=target,
        at_risk_hours=at_risk,
        escalate_to=escalate_to,
    )


def test_expected_time_is_set_on_submit_from_the_services_level(city):
    _level(city)
    filed = local(2026, 6, 1, 9, 0)
    request = make_request(requested_at=filed)
    assert request.expected_at.astimezone(NY) == local(2026, 6, 8, 12, 0)
    assert request.at_risk_at.astimezone(NY) == local(2026, 6, 5, 13, 0)
    assert request.sla_state == SlaState.ON_TRACK
    assert make_request("POTHOLE", attributes={"SIZE": "small"}).expected_at is None


def test_a_holiday_added_later_moves_new_targets(city):
    level = _level(city, target=8, at_risk=0)
    save_setting(SYSTEM, Holiday(calendar=level.calendar, date=date(2026, 6, 2), name="Founders"))
    request = make_request(requested_at=local(2026, 6, 1, 17, 0))
    assert request.expected_at.astimezone(NY) == local(2026, 6, 3, 16, 0)


@pytest.fixture
def supervisor(city):
    user = User.objects.create_user("sup", "sup@riverton.example", role=Role.SUPERVISOR)
    user.departments.set(Department.objects.filter(code="DPW"))
    return user


def test_scan_flags_at_risk_then_breached_escalates_and_tells_the_supervisor(
    city, supervisor, django_capture_on_commit_callbacks, mailoutbox
):
    crew = Department.objects.create(jurisdiction=city, code="EMERG", name="Emergency crew")
    _level(city, escalate_to=crew)
    request = make_request(requested_at=local(2026, 6, 1, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        quiet = scan_service_levels(SYSTEM, now=local(2026, 6, 5, 12, 0))
        at_risk = scan_service_levels(SYSTEM, now=local(2026, 6, 5, 14, 0))
        again = scan_service_levels(SYSTEM, now=local(2026, 6, 5, 15, 0))
        breached = scan_service_levels(SYSTEM, now=local(2026, 6, 8, 12, 1))
    assert not quiet and not again
    assert at_risk.at_risk == 1 and breached.breached == 1 and breached.escalated == 1
    request.refresh_from_db()
    assert request.sla_state == SlaState.BREACHED and request.department == crew
    assert request.updates.filter(is_public=False, description__contains="Emergency crew").exists()
    kinds = list(Notification.objects.order_by("pk").values_list("kind", "recipient"))
    assert kinds == [
        ("sla_at_risk", "sup@riverton.example"),
        ("sla_breached", "sup@riverton.example"),
    ]
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    assert [m.to for m in mailoutbox] == [["sup@riverton.example"]] * 2
    assert request.public_id in mailoutbox[1].body
    assert AuditEvent.objects.filter(action="sla.scanned").count() == 2


def test_closing_in_time_counts_as_met_and_reopening_starts_a_new_clock(city):
    _level(city)
    request = make_request()
    change_status(SYSTEM, request, Status.CLOSED, "Fixed")
    request.refresh_from_db()
    assert request.sla_state == SlaState.MET
    change_status(SYSTEM, request, Status.REOPENED, "Still dark")
    request.refresh_from_db()
    assert request.sla_state == SlaState.ON_TRACK and request.expected_at > request.requested_at


def test_stale_requests_get_one_reminder_until_touched(city, supervisor):
    request = make_request()
    ServiceRequest.objects.filter(pk=request.pk).update(
        updated_at=request.updated_at - timedelta(days=10)
    )
    first = scan_service_levels(SYSTEM)
    second = scan_service_levels(SYSTEM)
    assert (first.reminded, second.reminded) == (1, 0)
    assert Notification.objects.filter(
        kind="stale_reminder", recipient="sup@riverton.example"
    ).exists()


def test_the_scan_command_runs_until_done(city, capsys):
    _level(city, target=1, at_risk=0)
    for _ in range(3):
        make_request(requested_at=local(2026, 6, 1, 9, 0))
    call_command("sla_scan", "--batch", "2")
    assert ServiceRequest.objects.filter(sla_state=SlaState.BREACHED).count() == 3
    assert "breached 3" in capsys.readouterr().out
    assert RequestUpdate.objects.filter(description__startswith="Service level").count() == 3
