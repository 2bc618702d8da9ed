import pytest
from django.core.exceptions import ValidationError

from tests.factories import square
from townhall.places.models import Area, AreaKind


def test_point_is_placed_in_the_district_that_contains_it(city):
    assert Area.objects.containing(40.01, -75.19).code == "north"
    assert Area.objects.containing(40.01, -75.11).code == "south"
    assert Area.objects.containing(45.0, -75.19) is None


def test_a_ward_inside_a_district_wins_because_it_is_more_specific(city):
    Area.objects.create(jurisdiction=city, code="w1", name="Ward 1", kind=AreaKind.WARD,
                        geometry=square(-75.19, 40.01, 0.01))  # fmt: skip
    assert Area.objects.containing(40.015, -75.185).code == "w1"
    assert Area.objects.containing(40.04, -75.16).code == "north"


def test_bulk_lookup_matches_single_lookups(city):
    index = Area.objects.filter(jurisdiction=city).index()
    points = [(-75.19, 40.01), (-75.11, 40.04), (-76.0, 40.0)]
    ids = index.locate_many([p[0] for p in points], [p[1] for p in points])
    codes = [Area.objects.get(pk=i).code if i else None for i in ids]
    assert codes == ["north", "south", None]


def test_a_self_intersecting_polygon_is_refused(city):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    area = Area(jurisdiction=city, code="bad", name="Bad", geometry=bowtie)
    with pytest.raises(ValidationError):
        area.full_clean()
