"""Every back-office URL, as every persona: the page's declared roles are exactly who gets in.

A new view without a declaration fails here, so nobody can add an unguarded page.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.budgeting.factories import make_process
from tests.factories import make_request
from tests.staff.conftest import PERSONAS, make_person
from townhall.accounts.models import Role
from townhall.assistant.models import Conversation, Handover
from townhall.budgeting.models import Comment, PaperEntry, PaperEntryStatus, Project
from townhall.servicedesk.models import Notification, NotificationStatus, RoutingRule
from townhall.staff.permissions import PUBLIC


def _flatten(resolver: URLResolver, prefix: str, namespace: str) -> list[tuple[str, URLPattern]]:
    """Every view under ``resolver`` as (namespaced name, pattern with its full route)."""
    found: list[tuple[str, URLPattern]] = []
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            inner = f"{namespace}:{item.namespace}" if item.namespace else namespace
            found += _flatten(item, prefix + str(item.pattern), inner)
        else:
            item.full_route = prefix + str(item.pattern)  # type: ignore[attr-defined]
            found.append((f"{namespace}:{item.name}", item))
    return found


def _staff_patterns() -> list[tuple[str, URLPattern]]:
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and str(pattern.pattern) == "staff/":
            return _flatten(pattern, "/staff/", "staff")
    raise AssertionError("the back office is not mounted at /staff/")


def _url(name: str, pattern: URLPattern, public_id: str, pks: dict[str, int]) -> str:
    route: str = pattern.full_route  # type: ignore[attr-defined]
    pk = pks.get(name, pks.get(pattern.name or "", pks["user"]))
    return (
        route.replace("<str:public_id>", public_id)
        .replace("<int:pk>", str(pk))
        .replace("<str:kind>", "routing")
        .replace("<slug:slug>", pks.get("process_slug", "pb"))  # type: ignore[arg-type]
    )


def test_every_back_office_view_declares_who_may_use_it():
    undeclared = [name for name, p in _staff_patterns() if not hasattr(p.callback, "allowed_roles")]
    assert undeclared == []


@pytest.mark.django_db
def test_every_url_as_every_persona(people, settings):
    settings.TOWNHALL = {**settings.TOWNHALL, "STAFF_IDLE_MINUTES": 600}
    request = make_request(lat=40.02, lon=-75.18)  # Public Works (DPW)
    failed = Notification.objects.create(
        request=request,
        kind="update",
        channel="email",
        recipient="x@example.org",
        body="x",
        status=NotificationStatus.FAILED,
    )
    rule = RoutingRule.objects.create(
        jurisdiction=request.jurisdiction, department=request.department
    )
    conversation = Conversation.objects.create(jurisdiction=request.jurisdiction)
    handover = Handover.objects.create(conversation=conversation, reason="asked").pk
    process = make_process(request.jurisdiction, phase="review", slug="access-pb")
    proposal = process.projects.first()
    funded = process.projects.last()
    Project.objects.filter(pk=funded.pk).update(is_funded=True)
    comment = Comment.objects.create(project=proposal, body="A comment")
    pks = {
        "user": make_person("target", Role.STAFF, []).pk,
        "handover": handover,
        "handover_claim": handover,
        "handover_reply": handover,
        "handover_resolve": handover,
        "retry_notification": failed.pk,
        "setting_edit": rule.pk,
        "setting_delete": rule.pk,
        "process_slug": process.slug,
        "unit_edit": process.units.first().pk,
        "review_project": proposal.pk,
        "review_assess": proposal.pk,
        "review_accept": proposal.pk,
        "review_reject": proposal.pk,
        "review_merge": proposal.pk,
        "review_hide": proposal.pk,
        "comment_hide": comment.pk,
        "delivery_project": funded.pk,
        "paper_resolve": PaperEntry.objects.create(
            process=process,
            unit=process.units.first(),
            sheet="S-1",
            first={"unit": process.units.first().pk, "spoiled": True},
            status=PaperEntryStatus.MISMATCH,
        ).pk,
    }
    checked = 0
    for name, pattern in _staff_patterns():
        roles = pattern.callback.allowed_roles  # type: ignore[attr-defined]
        if roles is PUBLIC:
            continue
        url = _url(name, pattern, request.public_id, pks)
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"], name
        scoped = "<str:public_id>" in str(pattern.pattern)
        post_only = people.client("admin").get(url).status_code == 405
        for persona, (role, _departments) in PERSONAS.items():
            client = people.client(persona)
            for method in ("get", "post"):
                if method == "post" and role in roles and not post_only:
                    continue  # forms are posted by the flow tests; this walk checks the door
                Notification.objects.filter(pk=failed.pk).update(status=NotificationStatus.FAILED)
                response = getattr(client, method)(url)
                code = response.status_code
                if role not in roles:
                    assert code == 403, (name, persona, method, code)
                elif persona == "other_staff" and scoped:
                    assert code in {404, 405}, (name, persona, method, code)  # not their department
                else:
                    # In: the page, a redirect onward, "use POST", or "fill in the form".
                    assert code in {200, 302, 400, 405}, (name, persona, method, code)
                checked += 1
    assert checked > 100


@pytest.mark.django_db
def test_department_staff_see_only_their_departments_requests(people):
    streets = make_request("STREETLIGHT")  # DPW
    outreach = make_request("HOMELESS_OUTREACH")  # HS
    staff = people.client("staff")
    assert staff.get(f"/staff/requests/{streets.public_id}/").status_code == 200
    assert staff.get(f"/staff/requests/{outreach.public_id}/").status_code == 404
    queue = staff.get("/staff/").content.decode()
    assert streets.public_id in queue and outreach.public_id not in queue
    # ... and cannot act on the other department's request by posting directly.
    response = staff.post(f"/staff/requests/{outreach.public_id}/note/", {"note": "x"})
    assert response.status_code == 404
    other = people.client("other_staff")
    assert other.get(f"/staff/requests/{outreach.public_id}/").status_code == 200


@pytest.mark.django_db
def test_analyst_reads_without_contact_details_and_cannot_act(people):
    from townhall.servicedesk.inputs import ContactInput

    sr = make_request(contact=ContactInput(email="ana@example.org", first_name="Ana"))
    analyst = people.client("analyst")
    page = analyst.get(f"/staff/requests/{sr.public_id}/").content.decode()
    assert sr.public_id in page and "ana@example.org" not in page
    assert "Change status" not in page
    response = analyst.post(f"/staff/requests/{sr.public_id}/status/", {"status": "closed"})
    assert response.status_code == 403
    agent_page = people.client("agent").get(f"/staff/requests/{sr.public_id}/").content.decode()
    assert "ana@example.org" in agent_page


@pytest.mark.django_db
def test_signed_in_staff_without_second_factor_are_sent_to_it(people):
    client = Client()
    client.force_login(people["staff"])
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"] == "/staff/login/verify/"


@pytest.mark.django_db
def test_an_idle_session_expires(people, settings):
    client = people.client("staff")
    assert client.get("/staff/").status_code == 200
    session = client.session
    session["staff_last_seen"] = session["staff_last_seen"] - 31 * 60
    session.save()
    response = client.get("/staff/")
    assert response.status_code == 302 and "expired=1" in response["Location"]
    assert client.get("/staff/").status_code == 302  # signed out, not just redirected
