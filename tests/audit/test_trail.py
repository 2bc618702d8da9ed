import pytest

from tests.factories import make_request
from townhall.audit.models import AppendOnlyError, AuditEvent


def test_the_trail_cannot_be_edited_or_deleted(city):
    make_request()
    event = AuditEvent.objects.get(action="request.submitted")
    event.action = "request.forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "request.submitted"


def test_the_trail_says_who_acted_and_from_where(city):
    request = make_request()
    event = AuditEvent.objects.about(request).get()
    assert event.actor_label == "system:tests"
    assert event.data["public_id"] == request.public_id
