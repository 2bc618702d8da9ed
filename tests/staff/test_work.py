"""The back office's flows through the real pages, as the people who use them."""

from __future__ import annotations

from django.core import mail
from django.core.management import call_command

from tests.factories import make_request
from townhall.audit.models import AuditEvent
from townhall.servicedesk.inputs import ContactInput
from townhall.servicedesk.models import (
    Channel,
    Department,
    Notification,
    NotificationStatus,
    ResponseTemplate,
    RoutingRule,
    Service,
    ServiceRequest,
    Status,
)


def run_worker():
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


def test_agent_files_for_caller_and_resident_gets_acknowledgement(
    people, django_capture_on_commit_callbacks
):
    agent = people.client("agent")
    pothole = Service.objects.get(code="POTHOLE")
    first = agent.get(f"/staff/new/?service={pothole.pk}").content.decode()
    assert 'name="attribute_SIZE"' in first  # the service's own questions, on the same page
    form = {
        "step": "file",
        "service": pothole.pk,
        "attribute_SIZE": "large",
        "address": "12 Main St",
        "lat": "40.02",
        "lon": "-75.18",
        "description": "Deep hole by the bus stop",
        "first_name": "Rosa",
        "phone": "+15550100",
        "email": "rosa@example.org",
        "updates_by": "both",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = agent.post("/staff/new/", form)
    request = ServiceRequest.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/staff/requests/{request.public_id}/"
    )
    assert request.channel == Channel.PHONE and request.department.code == "DPW"
    assert request.contact.updates_by_sms and request.contact.updates_by_email
    assert AuditEvent.objects.get(action="request.submitted").actor_label == "staff:agent"
    run_worker()
    assert [m.to for m in mail.outbox] == [["rosa@example.org"]]
    assert request.public_id in agent.get(response["Location"]).content.decode()


def test_agent_sees_every_problem_next_to_its_field(people):
    agent = people.client("agent")
    pothole = Service.objects.get(code="POTHOLE")
    response = agent.post(
        "/staff/new/",
        {"step": "file", "service": pothole.pk, "lat": "41.9", "lon": "-75.1", "updates_by": "sms"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and not ServiceRequest.objects.exists()
    assert "Text updates need the caller" in page
    assert "This field is required" in page  # SIZE


def test_staff_work_a_request_with_a_template_and_the_reporter_hears(
    people, django_capture_on_commit_callbacks
):
    request = make_request(contact=ContactInput(email="ana@example.org"))
    template = ResponseTemplate.objects.create(
        status=Status.CLOSED, title="Fixed", text="We fixed {service} for {public_id}."
    )
    staff = people.client("staff")
    url = f"/staff/requests/{request.public_id}/"
    page = staff.get(f"{url}?template={template.pk}").content.decode()
    assert f"We fixed Streetlight out for {request.public_id}." in page
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"{url}assign/", {"assignee": people["staff"].pk})
        staff.post(f"{url}note/", {"note": "Parts ordered", "public": ""})
        response = staff.post(
            f"{url}status/", {"status": "closed", "note": "We fixed it.", "public": "on"}
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.CLOSED and request.assignee == people["staff"]
    page = staff.get(url).content.decode()
    assert "Parts ordered" in page and "internal" in page and "We fixed it." in page
    refused = staff.post(f"{url}status/", {"status": "in_progress"})
    assert refused.status_code == 400  # closed requests only reopen
    run_worker()
    assert any("Update on your request" in m.subject for m in mail.outbox)
    assert not any("Parts ordered" in m.body for m in mail.outbox)  # internal stays inside


def test_bulk_assign_and_merge_from_the_queue(people):
    a = make_request(lat=40.0200, lon=-75.1800)
    b = make_request(lat=40.0201, lon=-75.1800)
    c = make_request(lat=40.0202, lon=-75.1800)
    staff = people.client("staff")
    queue = staff.get("/staff/?due=&status=open").content.decode()
    assert "possible duplicate" in queue
    staff.post(
        "/staff/bulk/",
        {"ids": [a.public_id, b.public_id], "action": "assign", "assignee": people["staff"].pk},
    )
    assert ServiceRequest.objects.filter(assignee=people["staff"]).count() == 2
    staff.post(
        "/staff/bulk/",
        {"ids": [b.public_id, c.public_id], "action": "merge", "parent": a.public_id},
    )
    assert set(ServiceRequest.objects.filter(parent=a).values_list("public_id", flat=True)) == {
        b.public_id,
        c.public_id,
    }
    assert "duplicate of" in staff.get(f"/staff/requests/{b.public_id}/").content.decode()


def test_staff_cannot_bulk_act_on_another_departments_request(people):
    outreach = make_request("HOMELESS_OUTREACH")
    response = people.client("staff").post(
        "/staff/bulk/", {"ids": [outreach.public_id], "action": "assign", "assignee": ""}
    )
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="request.assigned").exists()


def test_queue_filters_and_pages(people):
    for _ in range(55):
        make_request()
    make_request("POTHOLE", attributes={"SIZE": "small"}, lat=40.01, lon=-75.13)
    staff = people.client("supervisor")
    first = staff.get("/staff/").content.decode()
    assert "56 requests" in first and "Page 1 of 2" in first
    south = staff.get(
        "/staff/?status=open&area="
        + str(ServiceRequest.objects.get(service__code="POTHOLE").area_id)
    )
    assert "1 request" in south.content.decode()
    mine = staff.get("/staff/?assignee=me").content.decode()
    assert "0 requests" in mine


def test_supervisor_transfers_and_searches_the_audit_trail(people):
    request = make_request()
    supervisor = people.client("supervisor")
    hs = Department.objects.get(code="HS")
    response = supervisor.post(
        f"/staff/requests/{request.public_id}/transfer/", {"department": hs.pk}
    )
    assert response.status_code == 302 and response["Location"] == "/staff/"  # left their queues
    request.refresh_from_db()
    assert request.department == hs and "Transferred" in request.routing_reason
    page = supervisor.get(f"/staff/audit/?subject={request.public_id}").content.decode()
    assert "request.transferred" in page and "request.submitted" in page
    only_logins = supervisor.get("/staff/audit/?action=request.transferred").content.decode()
    assert "request.submitted" not in only_logins
    assert people.client("staff").get("/staff/audit/").status_code == 403


def test_admin_adds_a_routing_rule_through_settings_and_new_requests_follow_it(people):
    admin = people.client("admin")
    streetlight = Service.objects.get(code="STREETLIGHT")
    crew = Department.objects.create(
        jurisdiction=streetlight.jurisdiction, code="NIGHT", name="Night crew"
    )
    response = admin.post(
        "/staff/settings/routing/new/",
        {
            "service": streetlight.pk,
            "department": crew.pk,
            "queue": "lamps",
            "priority": 10,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    request = make_request()
    assert (request.department, request.queue, request.routing_rule) == (crew, "lamps", rule)
    event = AuditEvent.objects.get(action="routingrule.saved")
    assert event.data["before"] is None and event.data["after"]["queue"] == "lamps"
    assert "Night crew" in admin.get("/staff/settings/routing/").content.decode()
    admin.post(f"/staff/settings/routing/{rule.pk}/delete/")
    assert not RoutingRule.objects.exists()
    assert AuditEvent.objects.filter(action="routingrule.deleted").exists()


def test_admin_sets_a_calendar_and_service_level_and_the_queue_shows_due_times(people):
    from townhall.servicedesk.models import BusinessCalendar, SlaState

    admin = people.client("admin")
    admin.post(
        "/staff/settings/calendars/new/",
        {"name": "City hall", "working_days": "40123", "day_start": "08:00", "day_end": "17:00"},
    )
    calendar = BusinessCalendar.objects.get()
    assert calendar.working_days == "01234"
    streetlight = Service.objects.get(code="STREETLIGHT")
    response = admin.post(
        "/staff/settings/levels/new/",
        {
            "service": streetlight.pk,
            "calendar": calendar.pk,
            "target_hours": 48,
            "at_risk_hours": 8,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    request = make_request()
    assert request.sla_state == SlaState.ON_TRACK and request.expected_at is not None
    assert "On track" in admin.get("/staff/").content.decode()


def test_failed_messages_are_visible_to_supervisors_and_can_be_resent(people):
    request = make_request()
    failed = Notification.objects.create(
        request=request,
        kind="update",
        channel="sms",
        recipient="+1555",
        body="x",
        status=NotificationStatus.FAILED,
        attempts=5,
        last_error="SmsError: provider answered 503",
    )
    supervisor = people.client("supervisor")
    page = supervisor.get("/staff/messages/failed/").content.decode()
    assert "provider answered 503" in page and request.public_id in page
    supervisor.post(f"/staff/messages/{failed.pk}/retry/")
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.PENDING
    assert AuditEvent.objects.filter(action="notification.retried").exists()


def test_bulk_assign_cannot_hand_a_request_to_someone_outside_its_department(people):
    """The request page offers only the department's people; the bulk form obeys the same rule."""
    streetlight = make_request()  # DPW
    outsider = people["other_staff"]  # works in HS
    response = people.client("staff").post(
        "/staff/bulk/",
        {"ids": [streetlight.public_id], "action": "assign", "assignee": outsider.pk},
    )
    assert response.status_code == 302
    streetlight.refresh_from_db()
    assert streetlight.assignee is None
    assert not AuditEvent.objects.filter(action="request.assigned").exists()
    page = people.client("staff").get(response["Location"]).content.decode()
    assert "does not work on" in page and streetlight.public_id in page
    # Someone who works there (or an administrator) can still be given it in bulk.
    people.client("staff").post(
        "/staff/bulk/",
        {"ids": [streetlight.public_id], "action": "assign", "assignee": people["supervisor"].pk},
    )
    streetlight.refresh_from_db()
    assert streetlight.assignee == people["supervisor"]
