import pytest

from tests.factories import SYSTEM, make_request
from townhall.audit.models import AuditEvent
from townhall.servicedesk.models import Status
from townhall.servicedesk.services import add_note, change_status
from townhall.servicedesk.workflow import TRANSITIONS, TransitionNotAllowed, allowed_next


def test_every_status_has_a_way_forward_and_closed_ones_only_reopen():
    assert set(TRANSITIONS) == set(Status)
    for status in (Status.CLOSED, Status.NO_FURTHER_ACTION, Status.NOT_RESPONSIBLE):
        assert allowed_next(status) == [Status.REOPENED]
    assert Status.DUPLICATE not in allowed_next(Status.NEW)  # merging sets it


def test_a_forbidden_change_is_refused_and_nothing_is_written(city):
    request = make_request()
    change_status(SYSTEM, request, Status.CLOSED, "Fixed")
    with pytest.raises(TransitionNotAllowed):
        change_status(SYSTEM, request, Status.IN_PROGRESS)
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert request.updates.count() == 2


def test_every_change_adds_a_timeline_entry_public_or_internal(city):
    request = make_request()
    change_status(SYSTEM, request, Status.ACKNOWLEDGED, "Crew informed", public=False)
    add_note(SYSTEM, request, "Crew on site tomorrow", public=True)
    entries = list(request.updates.values_list("status", "is_public", "description"))
    assert entries[1:] == [
        (Status.ACKNOWLEDGED, False, "Crew informed"),
        (Status.ACKNOWLEDGED, True, "Crew on site tomorrow"),
    ]
    assert AuditEvent.objects.about(request).filter(action="request.note_added").exists()


def test_a_note_on_a_closed_request_keeps_its_closing_date(city):
    request = make_request()
    change_status(SYSTEM, request, Status.CLOSED, "Fixed")
    request.refresh_from_db()
    closed_at = request.closed_at
    change_status(SYSTEM, request, Status.CLOSED, "Crew confirmed the repair held")
    request.refresh_from_db()
    assert request.closed_at == closed_at
    assert request.updated_at > closed_at
    change_status(SYSTEM, request, Status.REOPENED, "It is back")
    request.refresh_from_db()
    assert request.closed_at is None
