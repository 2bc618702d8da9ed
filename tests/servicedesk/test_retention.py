"""The personal-data register's promises, kept by `townhall retention`."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from tests.factories import SYSTEM, make_request
from townhall.audit.models import AuditEvent
from townhall.places.models import Area
from townhall.servicedesk.inputs import ContactInput
from townhall.servicedesk.models import (
    AreaFollow,
    Follow,
    ReporterContact,
    ServiceRequest,
    Status,
)
from townhall.servicedesk.services import (
    apply_retention,
    change_status,
    confirm_area_follow,
    confirm_follow,
    follow_area,
    follow_request,
)


def _closed(days_ago: int, email: str):
    request = make_request(contact=ContactInput(email=email))
    change_status(SYSTEM, request, Status.CLOSED, "Fixed")
    ServiceRequest.objects.filter(pk=request.pk).update(
        closed_at=timezone.now() - timedelta(days=days_ago)
    )
    return request


def _age(model, pk: int, days: int) -> None:
    model.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(days=days))


def test_contacts_go_two_years_after_closing_and_the_request_stays(city):
    old = _closed(731, "old@example.org")
    _closed(700, "recent@example.org")
    still_open = make_request(contact=ContactInput(email="open@example.org"))
    ServiceRequest.objects.filter(pk=still_open.pk).update(
        requested_at=timezone.now() - timedelta(days=1000)
    )
    report = apply_retention(SYSTEM)
    assert report.contacts == 1
    assert set(ReporterContact.objects.values_list("email", flat=True)) == {
        "recent@example.org",
        "open@example.org",
    }
    assert ServiceRequest.objects.filter(pk=old.pk).exists()


def test_follows_end_90_days_after_closing_and_unconfirmed_ones_after_a_week(city):
    long_closed = _closed(91, "a@example.org")
    just_closed = _closed(10, "b@example.org")
    open_request = make_request()
    gone = confirm_follow(SYSTEM, follow_request(SYSTEM, long_closed, "f1@example.org"))
    kept = confirm_follow(SYSTEM, follow_request(SYSTEM, just_closed, "f2@example.org"))
    stale = follow_request(SYSTEM, open_request, "f3@example.org")
    fresh = follow_request(SYSTEM, open_request, "f4@example.org")
    _age(Follow, stale.pk, 8)
    _age(Follow, kept.pk, 400)  # an old follow of a recently closed request stays
    report = apply_retention(SYSTEM)
    assert report.follows == 2
    assert set(Follow.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}
    assert not Follow.objects.filter(pk__in=[gone.pk, stale.pk]).exists()


def test_area_alerts_nobody_confirmed_go_after_a_week(city):
    area = Area.objects.exclude(geometry=None).first()
    confirmed = confirm_area_follow(SYSTEM, follow_area(SYSTEM, area, "yes@example.org"))
    unconfirmed = follow_area(SYSTEM, area, "no@example.org")
    _age(AreaFollow, confirmed.pk, 300)
    _age(AreaFollow, unconfirmed.pk, 8)
    assert apply_retention(SYSTEM).area_alerts == 1
    assert list(AreaFollow.objects.values_list("pk", flat=True)) == [confirmed.pk]


def test_the_command_reports_and_audits_each_run(city, capsys):
    _closed(800, "old@example.org")
    call_command("retention")
    out = capsys.readouterr().out
    assert "reporter contacts 1" in out and "assistant conversations 0" in out
    event = AuditEvent.objects.filter(action="privacy.retention_applied").latest("at")
    assert event.data == {"contacts": 1, "follows": 0, "area_alerts": 0}
