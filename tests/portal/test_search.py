"""Finding a service from a resident's own words."""

from __future__ import annotations

import pytest

from townhall.servicedesk.catalogue import search_services
from townhall.servicedesk.models import Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(city):
    Service.objects.create(
        jurisdiction=city, code="RODENT", name="Rodent sighting", group="Health",
        keywords="rat,mice,mouse",
        translations={"es": {"name": "Roedores", "keywords": "ratas, ratones"}},
    )  # fmt: skip
    Service.objects.create(
        jurisdiction=city, code="GRAFFITI", name="Graffiti removal", group="Streets",
        keywords="tag,spray paint,vandalism",
    )  # fmt: skip
    return list(Service.objects.all())


@pytest.mark.parametrize(
    "query, code",
    [
        ("rats", "RODENT"),
        ("there are rats in the alley behind my house", "RODENT"),
        ("grafiti", "GRAFFITI"),
        ("spray paint on a wall", "GRAFFITI"),
        ("potholes", "POTHOLE"),
        ("stret light", "STREETLIGHT"),
        ("ratones", "RODENT"),
        ("bache", "POTHOLE"),
    ],
)
def test_the_best_match_comes_first(catalogue, query, code):
    found = search_services(catalogue, query)
    assert found and found[0].code == code


def test_nonsense_finds_nothing(catalogue):
    assert search_services(catalogue, "xyzzy qwerty") == []
    assert search_services(catalogue, "   ") == []
