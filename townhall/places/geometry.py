"""Point-in-area lookups with shapely: one STRtree over a jurisdiction's polygons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape


def parse_geometry(geojson: dict[str, Any]) -> shapely.Geometry:
    """A valid Polygon or MultiPolygon from a GeoJSON geometry, or ValueError."""
    if not isinstance(geojson, dict) or geojson.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValueError("an area's geometry must be a GeoJSON Polygon or MultiPolygon")
    try:
        geometry = shape(geojson)
    except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"malformed GeoJSON geometry: {exc}") from exc
    if geometry.is_empty or not geometry.is_valid:
        raise ValueError("the area's polygon is empty or self-intersecting")
    return geometry


class AreaIndex:
    """Finds which of many areas holds each point; built once, asked many times.

    When areas overlap (a district and a ward inside it) the smallest area wins, which
    is the most specific answer for routing.
    """

    def __init__(self, area_ids: Sequence[int], geometries: Sequence[shapely.Geometry]):
        order = np.argsort([g.area for g in geometries], kind="stable")
        self._ids = np.asarray(area_ids, dtype=np.int64)[order]
        self._geometries = np.asarray(geometries, dtype=object)[order]
        self._tree = shapely.STRtree(self._geometries)

    def locate(self, lon: float, lat: float) -> int | None:
        return self.locate_many(np.array([lon]), np.array([lat]))[0]

    def locate_many(self, lons: np.ndarray, lats: np.ndarray) -> list[int | None]:
        points = shapely.points(lons, lats)
        found: list[int | None] = [None] * len(points)
        if not len(self._ids):
            return found
        point_idx, geom_idx = self._tree.query(points, predicate="intersects")
        # Pairs come sorted by point; keep the smallest area (lowest position) per point.
        best: dict[int, int] = {}
        for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
            if p not in best or g < best[p]:
                best[p] = g
        for p, g in best.items():
            found[p] = int(self._ids[g])
        return found
