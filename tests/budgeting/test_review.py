"""Review of proposals, moderation and delivery tracking: what reviewers, moderators,
delivery staff and residents would notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.budgeting.factories import make_process
from tests.staff import conftest as personas
from townhall.accounts.models import User
from townhall.audit.models import AuditEvent
from townhall.budgeting.models import (
    Comment,
    DeliveryStatus,
    DeliveryUpdate,
    Process,
    Project,
    ProjectStatus,
    Support,
)
from townhall.budgeting.services import (
    accept_project,
    assess_project,
    hide_comment,
    hide_project,
    merge_projects,
    record_delivery_update,
    reject_project,
    restore_comment,
    restore_project,
)
from townhall.lib.actors import Actor

pytestmark = pytest.mark.django_db
# The back office's personas (signed in with a second factor), shared with tests/staff.
people = personas.people
_fast_passwords = personas._fast_passwords

REVIEWER = Actor.system("test")


def residents(n: int) -> list[User]:
    return [
        User.objects.create_user(username=f"resident{i}", email=f"r{i}@example.org")
        for i in range(n)
    ]


def proposals(city, phase: str = "review") -> list[Project]:
    process = make_process(city, phase=phase)
    Project.objects.filter(process=process).update(status=ProjectStatus.PROPOSED)
    return list(Project.objects.filter(process=process).select_related("unit", "process"))


def test_assessing_sets_the_cost_that_counts_with_a_public_note(city):
    project = proposals(city)[0]
    assess_project(REVIEWER, project, 12_345_00, "Includes lighting.")
    project.refresh_from_db()
    assert project.cost == 12_345_00 and project.review_note == "Includes lighting."
    assert project.reviewed_at is not None and project.status == ProjectStatus.PROPOSED
    event = AuditEvent.objects.get(action="pb.project.assessed")
    assert event.data["assessed_cost"] == 12_345_00


def test_accepting_puts_it_on_the_ballot_if_it_fits_the_budget(city):
    project = proposals(city)[0]
    assess_project(REVIEWER, project, project.unit.budget + 1, "Much dearer than thought.")
    with pytest.raises(ValidationError):
        accept_project(REVIEWER, project)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.PROPOSED
    assess_project(REVIEWER, project, project.unit.budget, "")
    accept_project(REVIEWER, project)
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.ON_BALLOT
    assert AuditEvent.objects.filter(action="pb.project.accepted").count() == 1


def test_rejecting_needs_a_public_reason(city):
    project = proposals(city)[0]
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            reject_project(REVIEWER, project, blank)
        assert "reason" in caught.value.message_dict
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.PROPOSED
    assert not AuditEvent.objects.filter(action="pb.project.rejected").exists()
    reject_project(REVIEWER, project, "The land belongs to the state, not the city.")
    stored = Project.objects.get(pk=project.pk)
    assert stored.status == ProjectStatus.REJECTED
    assert stored.review_note == "The land belongs to the state, not the city."


def test_merging_carries_supporters_over_once_and_points_to_the_target(city):
    first, second, third = proposals(city, phase="ideas")[:3]
    both, only_first, only_target, only_third = residents(4)
    for user, project in (
        (both, first),
        (both, second),
        (only_first, first),
        (only_target, second),
        (only_third, third),
    ):
        Support.objects.create(project=project, user=user)
    merge_projects(REVIEWER, third, first, "Same park.")
    merge_projects(REVIEWER, first, second, "Same crossing, two ideas.")
    first.refresh_from_db()
    third.refresh_from_db()
    assert first.status == ProjectStatus.MERGED and first.merged_into_id == second.pk
    assert first.review_note == "Same crossing, two ideas."
    assert third.merged_into_id == second.pk  # no chains
    supporters = list(Support.objects.filter(project=second).values_list("user", flat=True))
    assert sorted(supporters) == sorted(u.pk for u in (both, only_first, only_target, only_third))
    event = AuditEvent.objects.filter(action="pb.project.merged").latest("pk")
    assert event.data["supporters_carried"] == 2 and event.data["repointed"] == [third.pk]


def test_merging_needs_a_note_an_open_target_and_the_same_process(city):
    first, second = proposals(city)[:2]
    with pytest.raises(ValidationError):
        merge_projects(REVIEWER, first, second, "")
    with pytest.raises(ValidationError):
        merge_projects(REVIEWER, first, first, "Itself")
    reject_project(REVIEWER, second, "Not possible.")
    with pytest.raises(ValidationError) as caught:
        merge_projects(REVIEWER, first, second, "Into a rejected one")
    assert "target" in caught.value.message_dict
    other = make_process(city, phase="review", slug="other").projects.first()
    with pytest.raises(ValidationError):
        merge_projects(REVIEWER, first, other, "Across processes")
    assert Project.objects.get(pk=first.pk).status == ProjectStatus.PROPOSED


def test_review_closes_when_voting_opens_but_moderation_goes_on(city):
    process = make_process(city, phase="voting")
    on_ballot, other = list(process.projects.all()[:2])
    for call, args in (
        (assess_project, (on_ballot, 1, "")),
        (accept_project, (on_ballot,)),
        (reject_project, (on_ballot, "Too late")),
        (merge_projects, (on_ballot, other, "Too late")),
    ):
        with pytest.raises(ValidationError):
            call(REVIEWER, *args)
    assert not AuditEvent.objects.filter(action__startswith="pb.project.").exists()
    # Hiding a project on an open ballot would change the ballot.
    with pytest.raises(ValidationError):
        hide_project(REVIEWER, on_ballot, "Spam")
    author = residents(1)[0]
    comment = Comment.objects.create(project=on_ballot, author=author, body="Buy my stuff")
    with pytest.raises(ValidationError):
        hide_comment(REVIEWER, comment, " ")
    hide_comment(REVIEWER, comment, "Advertising")
    comment.refresh_from_db()
    assert comment.hidden_at is not None and comment.hidden_reason == "Advertising"
    restore_comment(REVIEWER, comment)
    assert Comment.objects.get(pk=comment.pk).hidden_at is None
    assert [e.action for e in AuditEvent.objects.order_by("pk")] == [
        "pb.comment.hidden",
        "pb.comment.restored",
    ]


def test_hiding_an_idea_takes_it_off_the_public_list(city):
    project = proposals(city, phase="ideas")[0]
    hide_project(REVIEWER, project, "Personal data in the description")
    assert not Project.objects.visible().filter(pk=project.pk).exists()
    with pytest.raises(ValidationError):
        accept_project(REVIEWER, project)


def test_a_project_hidden_before_voting_stays_hidden_once_the_ballot_is_open(city):
    process = make_process(city, phase="review")
    project = process.projects.first()
    hide_project(REVIEWER, project, "Duplicate of another project")
    # Voting opens: restoring it now would add a project to ballots already filled in.
    Process.objects.filter(pk=process.pk).update(
        voting_open_at=timezone.now() - timedelta(days=1),
        voting_close_at=timezone.now() + timedelta(days=10),
    )
    with pytest.raises(ValidationError):
        restore_project(REVIEWER, Project.objects.get(pk=project.pk))
    assert Project.objects.get(pk=project.pk).hidden


def test_delivery_updates_only_for_funded_projects(city):
    process = make_process(city, phase="results")
    funded, unfunded = list(process.projects.all()[:2])
    Project.objects.filter(pk=funded.pk).update(is_funded=True)
    with pytest.raises(ValidationError):
        record_delivery_update(REVIEWER, unfunded, DeliveryStatus.PLANNING, 10, "")
    with pytest.raises(ValidationError) as caught:
        record_delivery_update(REVIEWER, funded, DeliveryStatus.COMPLETED, 90, "")
    assert "progress" in caught.value.message_dict
    with pytest.raises(ValidationError):
        record_delivery_update(REVIEWER, funded, DeliveryStatus.IN_PROGRESS, 101, "")
    assert not DeliveryUpdate.objects.exists()
    record_delivery_update(REVIEWER, funded, DeliveryStatus.IN_PROGRESS, 40, "Digging started.")
    record_delivery_update(REVIEWER, funded, DeliveryStatus.COMPLETED, 100, "Opened!")
    funded.refresh_from_db()
    assert (funded.delivery_status, funded.delivery_progress) == ("completed", 100)
    assert [u.note for u in funded.delivery_updates.all()] == ["Opened!", "Digging started."]
    assert AuditEvent.objects.filter(action="pb.delivery.updated").count() == 2


# --- pages ----------------------------------------------------------------------------


def test_review_queue_filters_and_shows_supporters_and_costs(people, city):
    projects = proposals(city)
    Support.objects.create(project=projects[0], user=people["resident"])
    reject_project(REVIEWER, projects[1], "No.")
    slug = projects[0].process.slug
    page = people.client("analyst").get(f"/staff/budgeting/{slug}/review/").content.decode()
    assert projects[0].title in page and projects[1].title not in page  # proposed by default
    assert "$50,000" in page  # Tree planting (Citywide): half of $100,000
    unit = projects[3].unit
    page = (
        people.client("analyst")
        .get(f"/staff/budgeting/{slug}/review/", {"unit": unit.pk, "status": ""})
        .content.decode()
    )
    assert projects[3].title in page and projects[0].title not in page


def test_reviewer_pages_by_role(people, city):
    project, other, third = proposals(city)[:3]
    url = f"/staff/budgeting/proposals/{project.pk}/"
    analyst = people.client("analyst").get(url).content.decode()
    assert project.title in analyst and "Assess cost" not in analyst and "Reject" not in analyst
    staff = people.client("staff").get(url).content.decode()
    assert "Assess cost" in staff and "Put on the ballot" not in staff
    supervisor = people.client("supervisor").get(url).content.decode()
    assert "Put on the ballot" in supervisor and "Merge into another proposal" in supervisor
    # Department staff assess; they cannot decide.
    response = people.client("staff").post(
        f"{url}assess/", {"assessed_cost": "1234.50", "note": "Checked on site."}
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).assessed_cost == 1234_50
    assert people.client("staff").post(f"{url}accept/").status_code == 403
    assert people.client("analyst").post(f"{url}assess/", {"note": "x"}).status_code == 403
    # A rejection without a reason is refused next to the field.
    supervisor_client = people.client("supervisor")
    response = supervisor_client.post(f"{url}reject/", {"reason": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = supervisor_client.post(f"{url}reject/", {"reason": "Private land."})
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.REJECTED
    response = supervisor_client.post(f"{url}accept/", {"note": ""})
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.ON_BALLOT
    response = supervisor_client.post(
        f"/staff/budgeting/proposals/{third.pk}/merge/", {"target": other.pk, "note": "Same."}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/{other.pk}/")
    assert Project.objects.get(pk=third.pk).merged_into_id == other.pk


def test_moderation_pages(people, city):
    project = proposals(city, phase="ideas")[0]
    comment = Comment.objects.create(project=project, author=people["resident"], body="Rude words")
    slug = project.process.slug
    page = people.client("analyst").get(f"/staff/budgeting/{slug}/comments/").content.decode()
    assert "Rude words" in page and "Reason for hiding" not in page
    hide = f"/staff/budgeting/comments/{comment.pk}/hide/"
    assert people.client("staff").post(hide, {"reason": "x"}).status_code == 403
    supervisor = people.client("supervisor")
    supervisor.post(hide, {"reason": ""})
    assert Comment.objects.get(pk=comment.pk).hidden_at is None
    supervisor.post(hide, {"reason": "Insults"})
    assert Comment.objects.get(pk=comment.pk).hidden_reason == "Insults"
    hidden = supervisor.get(f"/staff/budgeting/{slug}/comments/?show=hidden").content.decode()
    assert "Rude words" in hidden and "Insults" in hidden
    supervisor.post(f"/staff/budgeting/proposals/{project.pk}/hide/", {"reason": "Spam"})
    assert Project.objects.get(pk=project.pk).hidden


def test_delivery_pages(people, city):
    process = make_process(city, phase="results")
    funded, unfunded = list(process.projects.all()[:2])
    Project.objects.filter(pk=funded.pk).update(is_funded=True)
    listing = people.client("analyst").get(f"/staff/budgeting/{process.slug}/delivery/")
    assert funded.title in listing.content.decode()
    assert unfunded.title not in listing.content.decode()
    url = f"/staff/budgeting/delivery/{funded.pk}/"
    assert people.client("analyst").post(url, {"status": "planning"}).status_code == 403
    staff = people.client("staff")
    response = staff.post(url, {"status": "completed", "progress": "50", "note": ""})
    assert response.status_code == 400
    assert "A completed project has 100 percent progress." in response.content.decode()
    staff.post(url, {"status": "in_progress", "progress": "30", "note": "Contract signed."})
    page = staff.get(url).content.decode()
    assert "Contract signed." in page and "30%" in page
    not_funded = staff.get(f"/staff/budgeting/delivery/{unfunded.pk}/").content.decode()
    assert "Publish an update" not in not_funded
    assert staff.post(f"/staff/budgeting/delivery/{unfunded.pk}/", {}).status_code == 403


# --- the demo's live process ----------------------------------------------------------


def test_the_demo_process_is_voting_with_reviewed_proposals_in_their_districts(db):
    from townhall.demo.builder import _districts
    from townhall.demo.city import build_map
    from townhall.demo.pb_riverton import build_riverton_pb
    from townhall.places.models import Area, Jurisdiction

    city = Jurisdiction.objects.create(slug="riverton.example", name="Riverton", is_default=True)
    _districts(city, build_map())
    built = build_riverton_pb(city)
    process = built.process
    assert process.phase == "voting" and process.ballot_kind == "knapsack"
    assert (process.rule, process.completion) == ("mes", "add1")
    assert process.units.count() == 13 and process.categories.count() == 6
    projects = Project.objects.filter(process=process)
    assert 28 <= projects.count() <= 34
    assert projects.filter(status=ProjectStatus.ON_BALLOT).count() == built.on_ballot >= 20
    rejected = projects.filter(status=ProjectStatus.REJECTED)
    assert rejected.count() >= 3 and all(p.review_note for p in rejected)
    merged = projects.get(status=ProjectStatus.MERGED)
    assert merged.merged_into.status == ProjectStatus.ON_BALLOT
    for project in projects.filter(unit__area__isnull=False, lat__isnull=False):
        assert Area.objects.containing(project.lat, project.lon) == project.unit.area
    assert all(p.created_at < process.ideas_close_at for p in projects)
    assert Support.objects.filter(project__process=process).count() == built.supports > 100
    assert Comment.objects.filter(project__process=process, hidden_at__isnull=False).count() == 1


def test_restoring_on_an_open_ballot_is_refused_with_a_message_not_an_error(people, city):
    process = make_process(city, phase="review")
    project = process.projects.first()
    hide_project(REVIEWER, project, "Duplicate of another project")
    Process.objects.filter(pk=process.pk).update(
        voting_open_at=timezone.now() - timedelta(days=1),
        voting_close_at=timezone.now() + timedelta(days=10),
    )
    url = reverse("staff:pb:review_hide", kwargs={"pk": project.pk})
    response = people.client("supervisor").post(url, {"action": "restore"}, follow=True)
    assert response.status_code == 200
    assert "restoring it would change the ballot" in response.content.decode()
    assert Project.objects.get(pk=project.pk).hidden
