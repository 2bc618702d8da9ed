"""Setting a process up: calendar, ballot and rule checks, units, categories, publishing,
and the back-office pages for it, as each persona."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.budgeting.factories import make_process
from tests.staff import conftest as personas
from townhall.audit.models import AuditEvent
from townhall.budgeting.models import (
    BallotKind,
    BudgetUnit,
    Category,
    Completion,
    Process,
    Rule,
    Satisfaction,
)
from townhall.budgeting.services import (
    add_category,
    add_unit,
    create_process,
    publish_process,
    update_process,
    update_unit,
)
from townhall.lib.actors import Actor
from townhall.places.models import Area

pytestmark = pytest.mark.django_db
# The back office's personas (signed in with a second factor), shared with tests/staff.
people = personas.people
_fast_passwords = personas._fast_passwords

ADMIN = Actor.system("test")


def calendar(start_in_days: int = 10) -> dict[str, object]:
    start = timezone.now() + timedelta(days=start_in_days)
    return {
        "ideas_open_at": start,
        "ideas_close_at": start + timedelta(days=20),
        "voting_open_at": start + timedelta(days=30),
        "voting_close_at": start + timedelta(days=45),
    }


def new(city, **fields):
    return create_process(
        ADMIN, city, **{"slug": "decides", "title": "Riverton Decides", **calendar(), **fields}
    )


def errors_of(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict


# --- services -------------------------------------------------------------------------


def test_a_new_process_is_a_draft_with_an_audit_event(city):
    process = new(city, ballot_kind=BallotKind.KNAPSACK, max_choices=5)
    assert process.phase == "draft" and not process.is_published
    event = AuditEvent.objects.get(action="pb.process.created")
    assert event.object_id == str(process.pk) and event.data["slug"] == "decides"


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"ideas_close_at": -1}, "ideas_close_at"),  # closes before it opens
        ({"voting_open_at": 15}, "voting_open_at"),  # voting before ideas close
        ({"voting_close_at": 25}, "voting_close_at"),  # voting closes before it opens
    ],
)
def test_the_calendar_must_run_in_order_and_nothing_is_written(city, dates, field):
    start = timezone.now() + timedelta(days=10)
    fields = {**calendar(), **{k: start + timedelta(days=v) for k, v in dates.items()}}
    assert field in errors_of(new, city, **fields)
    assert not Process.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="pb.").exists()


def test_idea_collection_may_close_exactly_when_voting_opens(city):
    fields = calendar()
    fields["voting_open_at"] = fields["ideas_close_at"]
    assert new(city, **fields).pk


def test_ballot_settings_must_fit_the_ballot_kind(city):
    assert "points_total" in errors_of(new, city, ballot_kind=BallotKind.CUMULATIVE)
    assert "max_points_per_project" in errors_of(
        new, city, ballot_kind=BallotKind.CUMULATIVE, points_total=10, max_points_per_project=11
    )
    assert "max_choices" in errors_of(
        new, city, ballot_kind=BallotKind.APPROVAL, min_choices=3, max_choices=2
    )
    assert "max_choices" in errors_of(
        new, city, ballot_kind=BallotKind.KNAPSACK, min_choices=3, max_choices=2
    )
    assert not Process.objects.exists()


def test_settings_that_do_not_apply_to_the_ballot_are_cleared(city):
    process = new(
        city,
        ballot_kind=BallotKind.APPROVAL,
        points_total=10,
        min_spend_percent=50,
    )
    assert (process.points_total, process.min_spend_percent) == (None, 0)
    one = new(city, slug="one", ballot_kind=BallotKind.CHOOSE_ONE, max_choices=4)
    assert (one.min_choices, one.max_choices) == (1, 1)


def test_the_rule_must_be_able_to_count_the_ballot(city):
    # Phragmén counts approval and choose-1 ballots only.
    assert "rule" in errors_of(
        new,
        city,
        ballot_kind=BallotKind.CUMULATIVE,
        points_total=10,
        rule=Rule.PHRAGMEN,
        completion=Completion.NONE,
    )
    assert new(
        city, slug="ph", ballot_kind=BallotKind.CHOOSE_ONE, rule=Rule.PHRAGMEN, completion="none"
    )
    # Satisfaction measures are those pabutools defines for the ballot's vote type.
    assert "satisfaction" in errors_of(
        new, city, ballot_kind=BallotKind.APPROVAL, satisfaction=Satisfaction.POINTS
    )
    assert "satisfaction" in errors_of(
        new, city, ballot_kind=BallotKind.RANKED, satisfaction=Satisfaction.POINTS
    )
    assert new(city, slug="ranked", ballot_kind=BallotKind.RANKED, satisfaction="borda")
    assert new(
        city,
        slug="cumul",
        ballot_kind=BallotKind.CUMULATIVE,
        points_total=10,
        satisfaction=Satisfaction.POINTS,
    )
    # Only MES has a completion step.
    assert "completion" in errors_of(new, city, rule=Rule.GREEDY, completion=Completion.ADD1)


def test_slugs_are_unique_and_not_back_office_words(city):
    new(city)
    assert "slug" in errors_of(new, city)
    assert "slug" in errors_of(new, city, slug="units")


def test_update_changes_settings_and_audits_before_and_after(city):
    process = new(city)
    update_process(ADMIN, process, title="Riverton Decides 2027", max_choices=4)
    process.refresh_from_db()
    assert (process.title, process.max_choices) == ("Riverton Decides 2027", 4)
    event = AuditEvent.objects.get(action="pb.process.updated")
    assert event.data["before"]["max_choices"] is None and event.data["after"]["max_choices"] == 4


def test_an_invalid_update_writes_nothing(city):
    process = new(city)
    before = Process.objects.get(pk=process.pk).voting_close_at
    errors = errors_of(
        update_process, ADMIN, process, title="New", voting_close_at=process.voting_open_at
    )
    assert "voting_close_at" in errors
    stored = Process.objects.get(pk=process.pk)
    assert (stored.title, stored.voting_close_at) == ("Riverton Decides", before)
    assert not AuditEvent.objects.filter(action="pb.process.updated").exists()


def test_once_voting_has_opened_the_ballot_rule_and_units_are_frozen(city):
    process = make_process(city, phase="voting")
    for change in (
        {"ballot_kind": BallotKind.KNAPSACK},
        {"max_choices": 2},
        {"rule": Rule.GREEDY, "completion": "none"},
        {"voting_open_at": process.voting_open_at + timedelta(hours=1)},
    ):
        errors = errors_of(update_process, ADMIN, process, **change)
        assert set(errors) & set(change), change
    unit = process.units.first()
    with pytest.raises(ValidationError):
        update_unit(ADMIN, unit, budget=1)
    with pytest.raises(ValidationError):
        add_unit(ADMIN, process, name="More", budget=100)
    assert BudgetUnit.objects.get(pk=unit.pk).budget == unit.budget
    # The texts and a later closing time can still change.
    later = process.voting_close_at + timedelta(days=3)
    update_process(ADMIN, process, summary="Extended!", voting_close_at=later)
    assert Process.objects.get(pk=process.pk).voting_close_at == later
    assert "voting_close_at" in errors_of(
        update_process, ADMIN, process, voting_close_at=timezone.now() - timedelta(minutes=1)
    )


def test_units_are_citywide_or_one_per_district_of_the_city(city):
    process = new(city)
    north = Area.objects.get(code="north")
    add_unit(ADMIN, process, name="Citywide", budget=500_000_00)
    unit = add_unit(ADMIN, process, name="Northside", budget=100_000_00, area=north)
    assert "area" in errors_of(add_unit, ADMIN, process, name="North 2", budget=1, area=north)
    assert "name" in errors_of(add_unit, ADMIN, process, name="Citywide", budget=1)
    assert "budget" in errors_of(add_unit, ADMIN, process, name="Zero", budget=0)
    from tests.factories import make_city

    elsewhere = Area.objects.get(jurisdiction=make_city("other.example", "Other"), code="north")
    assert "area" in errors_of(add_unit, ADMIN, process, name="Other", budget=1, area=elsewhere)
    update_unit(ADMIN, unit, budget=120_000_00)
    assert BudgetUnit.objects.get(pk=unit.pk).budget == 120_000_00
    assert AuditEvent.objects.filter(action="pb.unit.added").count() == 2
    assert AuditEvent.objects.get(action="pb.unit.updated").data["after"] == {"budget": 120_000_00}


def test_categories_have_unique_names(city):
    process = new(city)
    add_category(ADMIN, process, "Green spaces")
    assert "name" in errors_of(add_category, ADMIN, process, "green spaces")
    assert "name" in errors_of(add_category, ADMIN, process, "  ")
    assert list(Category.objects.values_list("name", flat=True)) == ["Green spaces"]
    assert AuditEvent.objects.filter(action="pb.category.added").count() == 1


def test_publishing_needs_a_budget_unit(city):
    process = new(city)
    with pytest.raises(ValidationError):
        publish_process(ADMIN, process)
    add_unit(ADMIN, process, name="Citywide", budget=100)
    publish_process(ADMIN, process)
    assert Process.objects.get(pk=process.pk).phase == "upcoming"
    assert AuditEvent.objects.filter(action="pb.process.published").count() == 1


# --- pages ----------------------------------------------------------------------------

FORM = {
    "title": "Riverton Decides 2028",
    "slug": "decides-2028",
    "summary": "Decide how to spend $1M.",
    "description": "",
    "currency": "USD",
    "ideas_open_at": "2031-03-01T09:00",
    "ideas_close_at": "2031-04-01T17:00",
    "voting_open_at": "2031-05-01T09:00",
    "voting_close_at": "2031-05-31T20:00",
    "ballot_kind": "knapsack",
    "min_choices": "1",
    "max_choices": "",
    "points_total": "",
    "max_points_per_project": "",
    "min_spend_percent": "0",
    "one_district_per_voter": "on",
    "rule": "mes",
    "satisfaction": "cost",
    "completion": "add1",
}


def test_admin_creates_a_process_with_local_times_adds_units_and_publishes(people, city):
    city.timezone = "America/New_York"
    city.save()
    admin = people.client("admin")
    assert "Participatory budgeting" in admin.get("/staff/").content.decode()
    response = admin.post("/staff/budgeting/new/", FORM)
    assert response.status_code == 302, response.content.decode()
    process = Process.objects.get(slug="decides-2028")
    # 09:00 in New York in March (EST, UTC-5) is 14:00 UTC.
    assert process.ideas_open_at.isoformat() == "2031-03-01T14:00:00+00:00"
    edit = admin.get("/staff/budgeting/decides-2028/edit/").content.decode()
    assert 'value="2031-03-01T09:00"' in edit
    north = Area.objects.get(code="north")
    admin.post(
        "/staff/budgeting/decides-2028/units/",
        {"name": "Citywide", "budget": "600000", "area": ""},
    )
    admin.post(
        "/staff/budgeting/decides-2028/units/",
        {"name": "Northside", "budget": "150000.50", "area": north.pk},
    )
    assert dict(process.units.values_list("name", "budget")) == {
        "Citywide": 600_000_00,
        "Northside": 150_000_50,
    }
    units_page = admin.get("/staff/budgeting/decides-2028/units/").content.decode()
    assert "$150,000.50" in units_page
    admin.post("/staff/budgeting/decides-2028/categories/", {"name": "Parks"})
    assert process.categories.get().name == "Parks"
    admin.post("/staff/budgeting/decides-2028/publish/")
    assert Process.objects.get(pk=process.pk).is_published
    listing = admin.get("/staff/budgeting/").content.decode()
    assert "Riverton Decides 2028" in listing and "Starting soon" in listing


def test_form_errors_are_shown_next_to_the_fields_and_nothing_is_created(people):
    admin = people.client("admin")
    bad = {**FORM, "voting_open_at": "2031-03-15T09:00", "ballot_kind": "cumulative"}
    response = admin.post("/staff/budgeting/new/", bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Voting cannot open before idea collection closes." in page
    assert "A cumulative ballot needs the number of points" in page
    assert not Process.objects.exists()


def test_the_edit_form_freezes_ballot_fields_once_voting_has_opened(people, city):
    process = make_process(city, phase="voting")
    admin = people.client("admin")
    page = admin.get(f"/staff/budgeting/{process.slug}/edit/").content.decode()
    assert "frozen" in page
    data = {**FORM, "title": "Renamed", "ballot_kind": "cumulative", "points_total": "5"}
    data.pop("slug")
    data["voting_close_at"] = timezone.localtime(
        process.voting_close_at + timedelta(days=1)
    ).strftime("%Y-%m-%dT%H:%M")
    response = admin.post(f"/staff/budgeting/{process.slug}/edit/", data)
    assert response.status_code == 302, response.content.decode()
    stored = Process.objects.get(pk=process.pk)
    assert stored.title == "Renamed" and stored.ballot_kind == BallotKind.APPROVAL


def test_who_may_set_up(people, city):
    process = make_process(city, phase="ideas")
    for persona in ("agent", "staff", "supervisor", "analyst"):
        client = people.client(persona)
        assert client.get("/staff/budgeting/").status_code == 200
        page = client.get(f"/staff/budgeting/{process.slug}/").content.decode()
        assert "Edit settings" not in page
        assert client.get("/staff/budgeting/new/").status_code == 403
        assert client.get(f"/staff/budgeting/{process.slug}/edit/").status_code == 403
        response = client.post(f"/staff/budgeting/{process.slug}/units/", {"name": "X"})
        assert response.status_code == 403
        response = client.post(f"/staff/budgeting/{process.slug}/categories/", {"name": "X"})
        assert response.status_code == 403
    assert people.client("resident").get("/staff/budgeting/").status_code == 403
    assert (
        "Edit settings"
        in people.client("admin").get(f"/staff/budgeting/{process.slug}/").content.decode()
    )


def test_changing_the_ballot_kind_clears_the_settings_of_the_old_one(city):
    process = new(city, ballot_kind=BallotKind.CUMULATIVE, points_total=10)
    update_process(ADMIN, process, ballot_kind=BallotKind.APPROVAL)
    stored = Process.objects.get(pk=process.pk)
    assert (stored.ballot_kind, stored.points_total) == (BallotKind.APPROVAL, None)
    after = AuditEvent.objects.get(action="pb.process.updated").data["after"]
    assert after == {"ballot_kind": "approval", "points_total": None}


def test_while_voting_is_open_it_can_only_close_later(city):
    process = make_process(city, phase="voting")
    earlier = process.voting_close_at - timedelta(days=1)
    assert "voting_close_at" in errors_of(update_process, ADMIN, process, voting_close_at=earlier)
