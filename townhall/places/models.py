"""Jurisdictions (the Open311 jurisdiction_id) and their areas (districts with polygons)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from townhall.lib.memo import ExpiringMemo
from townhall.places.geometry import AreaIndex, parse_geometry

jurisdiction_id_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9.\-]{0,98}[a-z0-9]$",
    _("Use lower-case letters, digits, dots and hyphens, like riverton.example."),
)


class JurisdictionQuerySet(models.QuerySet["Jurisdiction"]):
    def default(self) -> Jurisdiction | None:
        return self.order_by("-is_default", "pk").first()


class Jurisdiction(models.Model):
    """A city or other authority. Its ``slug`` is the Open311 jurisdiction_id."""

    slug = models.CharField(max_length=100, unique=True, validators=[jurisdiction_id_validator])
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, default="America/New_York")
    contact = models.CharField(max_length=200, blank=True)
    key_service = models.CharField(max_length=200, blank=True)

    objects = JurisdictionQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class AreaKind(models.TextChoices):
    DISTRICT = "district", _("District")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
    WARD = "ward", _("Ward")
    BOROUGH = "borough", _("Borough")


class AreaQuerySet(models.QuerySet["Area"]):
    def in_jurisdiction(self, jurisdiction: Jurisdiction) -> AreaQuerySet:
        return self.filter(jurisdiction=jurisdiction)

    def mapped(self) -> AreaQuerySet:
        return self.filter(geometry__isnull=False)

    def index(self) -> AreaIndex:
        """A point-in-polygon index over these areas (those with a polygon)."""
        rows = [(pk, g) for pk, g in self.mapped().values_list("pk", "geometry") if g]
        return AreaIndex([pk for pk, _ in rows], [parse_geometry(g) for _, g in rows])

    def containing(self, lat: float, lon: float) -> Area | None:
        """The most specific area covering the point; candidates come from the bbox index."""
        candidates = self.mapped().filter(
            min_lat__lte=lat, max_lat__gte=lat, min_lon__lte=lon, max_lon__gte=lon
        )
        area_id = candidates.index().locate(lon, lat)
        return None if area_id is None else self.get(pk=area_id)

    def locate(self, jurisdiction_id: int, lat: float, lon: float) -> Area | None:
        """Like ``containing`` over one jurisdiction's areas, through a per-process copy of
        its parsed polygons (placing every new request re-parsed them before). The copy
        lives ``area_indexes.seconds`` and is dropped at once when an area is saved here."""
        located: _Located = area_indexes.get(
            jurisdiction_id, lambda: _Located.load(jurisdiction_id)
        )
        area_id = located.index.locate(lon, lat)
        return None if area_id is None else copy.copy(located.areas[area_id])

    def any_mapped(self, jurisdiction_id: int) -> bool:
        located: _Located = area_indexes.get(
            jurisdiction_id, lambda: _Located.load(jurisdiction_id)
        )
        return bool(located.areas)


area_indexes = ExpiringMemo(30.0)


@dataclass(frozen=True)
class _Located:
    areas: dict[int, Area]
    index: AreaIndex

    @classmethod
    def load(cls, jurisdiction_id: int) -> _Located:
        areas: dict[int, Area] = {}
        shapes = []
        for area in Area.objects.filter(jurisdiction_id=jurisdiction_id).mapped():
            if area.geometry:
                areas[area.pk] = area
                shapes.append(parse_geometry(area.geometry))
        return cls(areas, AreaIndex(list(areas), shapes))


class Area(models.Model):
    """A district or neighbourhood. ``geometry`` is GeoJSON (lon/lat, WGS 84).

    Areas imported by name from another city's export may have no polygon; they still
    group requests in reports but are never found by point.
    """

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AreaKind.choices, default=AreaKind.DISTRICT)
    geometry = models.JSONField(null=True, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    demographics = models.JSONField(default=dict, blank=True)
    # The bounding box narrows point lookups to a few rows before exact geometry tests.
    min_lat = models.FloatField(null=True, editable=False)
    max_lat = models.FloatField(null=True, editable=False)
    min_lon = models.FloatField(null=True, editable=False)
    max_lon = models.FloatField(null=True, editable=False)

    objects = AreaQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="area_code_unique")
        ]
        indexes = [models.Index(fields=["min_lat", "max_lat", "min_lon", "max_lon"])]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.geometry is not None:
            self.min_lon, self.min_lat, self.max_lon, self.max_lat = parse_geometry(
                self.geometry
            ).bounds
        else:
            self.min_lon = self.min_lat = self.max_lon = self.max_lat = None
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.geometry is not None:
            try:
                parse_geometry(self.geometry)
            except ValueError as exc:
                raise ValidationError({"geometry": str(exc)}) from exc

    @property
    def centroid(self) -> tuple[float, float] | None:
        """(lat, lon) of the polygon's representative point, or None."""
        if self.geometry is None:
            return None
        point = parse_geometry(self.geometry).representative_point()
        return point.y, point.x
