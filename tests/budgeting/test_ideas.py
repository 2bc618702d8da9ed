"""Idea collection and the residents' process and project pages (issue 5)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from tests.budgeting.factories import make_process
from tests.servicedesk.test_media import photo_with_gps
from townhall.accounts.models import Role, User
from townhall.audit.models import AuditEvent
from townhall.budgeting.ideas import PhotoUpload, next_code
from townhall.budgeting.models import (
    BudgetUnit,
    Category,
    Comment,
    DeliveryStatus,
    DeliveryUpdate,
    Process,
    Project,
    ProjectPhoto,
    ProjectStatus,
    Support,
)
from townhall.budgeting.services import (
    add_comment,
    submit_proposal,
    support_project,
    withdraw_proposal,
    withdraw_support,
)
from townhall.lib.actors import Actor
from townhall.lib.images import ImageProblem, reencode

pytestmark = pytest.mark.django_db

NORTH_PIN = (40.02, -75.18)  # inside Northside (tests/factories.make_city)
SOUTH_PIN = (40.02, -75.12)  # inside Southside
OUTSIDE_PIN = (41.0, -70.0)  # nowhere near Riverton


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _language_restored():
    # LocaleMiddleware leaves the last request's language active in this thread.
    with translation.override(translation.get_language()):
        yield


def resident(name: str = "ana") -> User:
    return User.objects.create_user(
        username=name, email=f"{name}@example.com", password=None, role=Role.RESIDENT
    )


def actor(user: User | None) -> Actor:
    return Actor(label=f"resident:{user.pk}" if user else "web:anonymous", user=user)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def unit(process: Process, name: str) -> BudgetUnit:
    return process.units.get(name=name)


def propose(process: Process, who: User, **changes):
    values = {
        "unit": unit(process, "Northside"),
        "title": "Benches by the river",
        "description": "Five benches along the river path.",
        "estimated_cost": 12_000_00,
        "categories": list(process.categories.filter(name="Green spaces")),
        "lat": NORTH_PIN[0],
        "lon": NORTH_PIN[1],
        "address": "River path near Elm St",
        "photos": (),
    }
    return submit_proposal(actor(who), process, **{**values, **changes})


def problems(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {
        k: " ".join(str(m) for e in v for m in e.messages) for k, v in exc.value.error_dict.items()
    }


# --- Services --------------------------------------------------------------------------


def test_a_resident_proposes_an_idea_with_a_photo_stripped_of_its_location(city):
    process = make_process(city, phase="ideas")
    ana = resident()
    photo = PhotoUpload(content=photo_with_gps(), alt_text="The muddy river path")
    project = propose(process, ana, photos=[photo])
    assert project.code == "10"  # the factory made 1..9
    assert project.status == ProjectStatus.PROPOSED and project.author == ana
    assert [c.name for c in project.categories.all()] == ["Green spaces"]
    stored = ProjectPhoto.objects.get(project=project)
    assert stored.alt_text == "The muddy river path"
    content = stored.image.read()
    assert b"PhoneMaker" not in content
    assert not Image.open(io.BytesIO(content)).getexif()
    event = AuditEvent.objects.get(action="pb.idea.submitted")
    assert event.object_id == str(project.pk) and event.actor_id == ana.pk
    assert next_code(process) == "11"


def test_codes_skip_any_already_taken(city):
    process = make_process(city, phase="ideas")
    Project.objects.filter(process=process, code="9").update(code="11")
    assert next_code(process) == "12"


def test_proposals_are_refused_outside_the_ideas_phase_and_without_sign_in(city):
    process = make_process(city, phase="review")
    with pytest.raises(ValidationError) as exc:
        propose(process, resident())
    assert exc.value.code == "closed"
    upcoming = make_process(city, phase="upcoming", slug="pb-2028")
    with pytest.raises(ValidationError):
        propose(upcoming, resident("bo"))
    ideas = make_process(city, phase="ideas", slug="pb-2029")
    with pytest.raises(ValidationError) as exc:
        propose(ideas, None)
    assert exc.value.code == "sign_in"
    assert not Project.objects.filter(title="Benches by the river").exists()
    assert not AuditEvent.objects.filter(action="pb.idea.submitted").exists()


def test_bad_input_gets_clear_errors_and_writes_nothing(city):
    process = make_process(city, phase="ideas")
    other = make_process(city, phase="ideas", slug="pb-other")
    before = Project.objects.count()
    with pytest.raises(ValidationError) as exc:
        propose(
            process,
            resident(),
            title="  ",
            description="",
            estimated_cost=0,
            categories=list(other.categories.all()),
            address="x" * 301,
            photos=[
                PhotoUpload(content=photo_with_gps(), alt_text=" "),
                PhotoUpload(content=b"<html>", alt_text="A page", name="page.jpg"),
            ],
        )
    found = problems(exc)
    assert set(found) == {
        "title",
        "description",
        "estimated_cost",
        "categories",
        "address",
        "photos",
    }
    assert "more than zero" in found["estimated_cost"]
    assert "Photo 1: describe what the photo shows" in found["photos"]
    assert "page.jpg: the file is not a readable image" in found["photos"]
    with pytest.raises(ValidationError) as exc:
        propose(process, resident("bo"), estimated_cost=40_000_01)
    assert "more than the whole budget of Northside" in problems(exc)["estimated_cost"]
    with pytest.raises(ValidationError) as exc:
        propose(process, resident("cy"), unit=unit(other, "Northside"))
    assert "unit" in problems(exc)
    with pytest.raises(ValidationError) as exc:
        propose(process, resident("di"), lat=40.0, lon=None)
    assert "location" in problems(exc)
    many = [PhotoUpload(content=photo_with_gps(), alt_text="x")] * 4
    with pytest.raises(ValidationError) as exc:
        propose(process, resident("ed"), photos=many)
    assert "at most 3 photos" in problems(exc)["photos"]
    assert Project.objects.count() == before
    assert ProjectPhoto.objects.count() == 0
    assert not AuditEvent.objects.filter(action="pb.idea.submitted").exists()


def test_a_place_outside_the_district_is_refused(city):
    process = make_process(city, phase="ideas")
    with pytest.raises(ValidationError) as exc:
        propose(process, resident(), lat=SOUTH_PIN[0], lon=SOUTH_PIN[1])
    assert "outside Northside" in problems(exc)["location"]
    assert propose(process, resident("bo"), lat=SOUTH_PIN[0], lon=SOUTH_PIN[1],
                   unit=unit(process, "Southside")).unit.name == "Southside"  # fmt: skip
    citywide = unit(process, "Citywide")
    with pytest.raises(ValidationError) as exc:
        propose(process, resident("cy"), unit=citywide, lat=OUTSIDE_PIN[0], lon=OUTSIDE_PIN[1])
    assert "outside Riverton" in problems(exc)["location"]
    assert propose(process, resident("di"), unit=citywide).unit == citywide
    assert propose(process, resident("ed"), lat=None, lon=None).lat is None


def test_one_support_per_person_and_only_while_ideas_are_collected(city):
    process = make_process(city, phase="ideas")
    project = process.projects.get(code="1")
    ana, bo = resident(), resident("bo")
    support_project(actor(ana), project)
    with pytest.raises(ValidationError) as exc:
        support_project(actor(ana), project)
    assert exc.value.code == "duplicate"
    support_project(actor(bo), project)
    assert Support.objects.filter(project=project).count() == 2
    withdraw_support(actor(ana), project)
    with pytest.raises(ValidationError):
        withdraw_support(actor(ana), project)
    assert list(Support.objects.filter(project=project).values_list("user", flat=True)) == [bo.pk]
    assert AuditEvent.objects.filter(action="pb.idea.supported").count() == 2
    assert AuditEvent.objects.filter(action="pb.idea.support_withdrawn").count() == 1
    with pytest.raises(ValidationError) as exc:
        support_project(actor(None), project)
    assert exc.value.code == "sign_in"
    review = make_process(city, phase="review", slug="pb-review")
    with pytest.raises(ValidationError) as exc:
        support_project(actor(ana), review.projects.first())
    assert exc.value.code == "closed"


def test_comments_are_open_from_ideas_to_voting_and_limited_to_2000_characters(city):
    process = make_process(city, phase="voting")
    project = process.projects.get(code="1")
    ana = resident()
    assert add_comment(actor(ana), project, "  " + "a" * 2000 + "  ").body == "a" * 2000
    for body in ("a" * 2001, "   "):
        with pytest.raises(ValidationError) as exc:
            add_comment(actor(ana), project, body)
        assert "body" in problems(exc)
    assert Comment.objects.count() == 1
    assert AuditEvent.objects.filter(action="pb.comment.added").count() == 1
    for phase in ("upcoming", "counting", "results"):
        closed = make_process(city, phase=phase, slug=f"pb-{phase}")
        with pytest.raises(ValidationError) as exc:
            add_comment(actor(ana), closed.projects.first(), "Hello")
        assert exc.value.code == "closed"


def test_only_the_author_withdraws_an_idea_before_it_is_reviewed(city):
    process = make_process(city, phase="ideas")
    ana, bo = resident(), resident("bo")
    project = propose(process, ana)
    with pytest.raises(ValidationError) as exc:
        withdraw_proposal(actor(bo), project)
    assert exc.value.code == "author"
    withdraw_proposal(actor(ana), project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        withdraw_proposal(actor(ana), project)
    with pytest.raises(ValidationError):
        support_project(actor(bo), project)
    with pytest.raises(ValidationError):
        add_comment(actor(bo), project, "Too late")


def test_the_image_core_is_pure_and_names_its_problems():
    assert (
        reencode(photo_with_gps(), max_bytes=10**7, max_pixels=10**7).content_type == "image/jpeg"
    )
    with pytest.raises(ImageProblem) as exc:
        reencode(b"junk", max_bytes=10**7, max_pixels=10**7)
    assert exc.value.reason == "unreadable"
    with pytest.raises(ImageProblem) as exc:
        reencode(photo_with_gps(), max_bytes=100, max_pixels=10**7)
    assert exc.value.reason == "too_large" and exc.value.params == {"max_bytes": 100}


# --- Pages ---------------------------------------------------------------------------------


def test_the_list_shows_published_processes_current_first(client, city):
    make_process(city, phase="results", slug="pb-2025")
    make_process(city, phase="voting", slug="pb-2027")
    make_process(city, phase="draft", slug="pb-secret")
    page = client.get("/budgeting/").content.decode()
    assert page.count('class="card pb-process-card"') == 2
    assert page.index("/budgeting/pb-2027/") < page.index("/budgeting/pb-2025/")
    assert "pb-secret" not in page
    assert 'aria-current="page">Participatory budgeting' in page
    assert client.get("/budgeting/pb-secret/").status_code == 404


def test_the_process_page_shows_the_calendar_budgets_and_what_to_do_now(client, city):
    process = make_process(city, phase="voting")
    Category.objects.create(process=process, name="Play", position=3)
    page = client.get(f"/budgeting/{process.slug}/").content.decode()
    assert '<li class="pb-step pb-step-current" aria-current="step">' in page
    current = re.search(r'aria-current="step">\s*<p class="pb-step-name">([^<]+)', page)
    assert current and current.group(1).strip() == "Voting"
    assert "$100,000" in page and "$40,000" in page and "$180,000" in page
    assert f'href="/budgeting/{process.slug}/vote/"' in page
    assert "Play" in page and "Green spaces" in page
    ideas = make_process(city, phase="ideas", slug="pb-ideas")
    page = client.get(f"/budgeting/{ideas.slug}/").content.decode()
    assert f'href="/budgeting/{ideas.slug}/propose/"' in page
    results = make_process(city, phase="results", slug="pb-done")
    page = client.get(f"/budgeting/{results.slug}/").content.decode()
    assert f'href="/budgeting/{results.slug}/results/"' in page


def test_the_projects_list_filters_and_leaves_out_withdrawn_and_hidden(client, city):
    process = make_process(city, phase="ideas")
    ana = resident()
    located = propose(process, ana, title="Located idea")
    gone = propose(process, ana, title="Withdrawn idea", lat=None, lon=None)
    withdraw_proposal(actor(ana), gone)
    Project.objects.filter(process=process, code="2").update(hidden=True)
    url = f"/budgeting/{process.slug}/projects/"
    page = client.get(url).content.decode()
    assert "Located idea" in page and "Withdrawn idea" not in page
    assert "Safer crossings (Citywide)" not in page  # code 2, hidden
    assert "9 projects" in page  # 9 made, 1 proposed, 1 hidden
    assert f'"url": "/budgeting/{process.slug}/projects/{located.code}/"' in page  # a map pin
    north = unit(process, "Northside")
    page = client.get(url, {"unit": north.pk}).content.decode()
    assert "Located idea" in page and "(Southside)" not in page
    streets = process.categories.get(name="Streets")
    page = client.get(url, {"category": streets.pk}).content.decode()
    assert "Safer crossings (Northside)" in page and "Tree planting" not in page
    page = client.get(url, {"status": "rejected"}).content.decode()
    assert "No projects match" in page
    assert client.get(f"{url}{gone.code}/").status_code == 200  # its own page says withdrawn
    assert client.get(f"{url}2/").status_code == 404


def test_the_project_page_shows_the_review_merge_and_delivery(client, city):
    process = make_process(city, phase="results")
    kept, merged = process.projects.get(code="1"), process.projects.get(code="3")
    Project.objects.filter(pk=merged.pk).update(
        status=ProjectStatus.MERGED, merged_into=kept, review_note="Same park as No. 1."
    )
    Project.objects.filter(pk=kept.pk).update(
        is_funded=True,
        assessed_cost=45_000_00,
        delivery_status=DeliveryStatus.IN_PROGRESS,
        delivery_progress=40,
    )
    DeliveryUpdate.objects.create(
        project=kept, status=DeliveryStatus.IN_PROGRESS, progress=40, note="Trees ordered."
    )
    page = client.get(f"/budgeting/{process.slug}/projects/3/").content.decode()
    assert "Same park as No. 1." in page
    assert f'href="/budgeting/{process.slug}/projects/1/"' in page
    page = client.get(f"/budgeting/{process.slug}/projects/1/").content.decode()
    assert "$45,000" in page and "$50,000" in page  # assessed and estimated
    assert 'value="40"' in page and "Progress: 40% done" in page
    assert "Trees ordered." in page and "Funded" in page
    assert "Comments are closed." in page


def test_the_propose_page_asks_for_sign_in_then_publishes_the_idea(client, city):
    process = make_process(city, phase="ideas")
    url = f"/budgeting/{process.slug}/propose/"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/login/?next={url}"
    ana = resident()
    browser = signed_in(ana)
    page = browser.get(url).content.decode()
    assert 'name="photo_3"' in page and "Northside ($40,000)" in page
    north, green = unit(process, "Northside"), process.categories.get(name="Green spaces")
    upload = SimpleUploadedFile("bench.jpg", photo_with_gps(), content_type="image/jpeg")
    response = browser.post(
        url,
        {
            "unit": north.pk,
            "title": "Benches",
            "description": "Benches by the pond.",
            "categories": [green.pk],
            "estimated_cost": "1,250.50".replace(",", ""),
            "lat": "40.02",
            "lon": "-75.18",
            "address": "The pond",
            "photo_1": upload,
            "alt_1": "The pond without benches",
        },
    )
    project = Project.objects.get(title="Benches")
    assert response.status_code == 302
    assert response["Location"] == f"/budgeting/{process.slug}/projects/{project.code}/"
    assert project.estimated_cost == 1_250_50 and project.author == ana
    page = browser.get(response["Location"]).content.decode()
    assert "your idea is published as number 10" in page
    photo = project.photos.get()
    assert 'alt="The pond without benches"' in page
    response = client.get(f"/budgeting/{process.slug}/photos/{photo.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in b"".join(response.streaming_content)
    Project.objects.filter(pk=project.pk).update(hidden=True)
    assert client.get(f"/budgeting/{process.slug}/photos/{photo.pk}").status_code == 404


def test_propose_errors_are_shown_next_to_their_fields_and_nothing_is_written(city):
    process = make_process(city, phase="ideas")
    browser = signed_in(resident())
    url = f"/budgeting/{process.slug}/propose/"
    before = Project.objects.count()
    upload = SimpleUploadedFile("bench.jpg", photo_with_gps(), content_type="image/jpeg")
    page = browser.post(url, {"estimated_cost": "lots", "photo_1": upload}).content.decode()
    assert "<title>Error:" in page and "There is a problem" in page
    for anchor in ("id_title", "id_description", "id_unit_0", "id_estimated_cost", "id_alt_1"):
        assert f'href="#{anchor}"' in page
    assert "browsers forget chosen photos" in page
    south = unit(process, "Southside")
    page = browser.post(
        url,
        {"unit": south.pk, "title": "T", "description": "D", "estimated_cost": "10",
         "lat": NORTH_PIN[0], "lon": NORTH_PIN[1]},
    ).content.decode()  # fmt: skip
    assert 'href="#place"' in page and "outside Southside" in page
    assert Project.objects.count() == before


def test_propose_is_closed_outside_the_ideas_phase(city):
    process = make_process(city, phase="review")
    browser = signed_in(resident())
    url = f"/budgeting/{process.slug}/propose/"
    page = browser.get(url).content.decode()
    assert "Idea collection is closed" in page and 'name="title"' not in page
    before = Project.objects.count()
    browser.post(url, {"unit": unit(process, "Citywide").pk, "title": "T", "description": "D",
                       "estimated_cost": "10"})  # fmt: skip
    assert Project.objects.count() == before


def test_support_and_comments_through_the_project_page(client, city, settings):
    process = make_process(city, phase="ideas")
    project_url = f"/budgeting/{process.slug}/projects/1/"
    page = client.get(project_url).content.decode()
    assert "Sign in to support this idea" in page and "Sign in to comment" in page
    response = client.post(project_url + "support/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    browser = signed_in(resident())
    response = browser.post(project_url + "support/", {"action": "support"})
    assert response.status_code == 302
    page = browser.get(project_url).content.decode()
    assert "1 person supports this idea." in page and "Stop supporting this idea" in page
    page = browser.post(project_url + "support/", {"action": "support"}).content.decode()
    assert "You already support this idea." in page
    assert Support.objects.count() == 1
    page = browser.post(project_url + "comment/", {"body": "x" * 2001}).content.decode()
    assert "There is a problem" in page and 'href="#id_body"' in page
    assert Comment.objects.count() == 0
    response = browser.post(project_url + "comment/", {"body": "Great idea!"})
    assert response.status_code == 302
    page = client.get(project_url).content.decode()
    assert "Great idea!" in page and "1 comment" in page
    Comment.objects.update(hidden_at=process.created_at)
    assert "Great idea!" not in client.get(project_url).content.decode()
    settings.TOWNHALL = {**settings.TOWNHALL, "RATE_LIMITS": {"pb_comment": "0/h"}}
    assert browser.post(project_url + "comment/", {"body": "Again"}).status_code == 429


def test_spanish_pages_render(city):
    process = make_process(city, phase="ideas")
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es")
    base = f"/budgeting/{process.slug}/"
    for url in ("/budgeting/", base, f"{base}projects/", f"{base}projects/1/"):
        response = spanish.get(url)
        assert response.status_code == 200, url
        assert '<html lang="es"' in response.content.decode()
    browser = signed_in(resident())
    page = browser.post(
        f"/budgeting/{process.slug}/propose/", {}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Hay un problema" in page and "Este campo es obligatorio." in page
