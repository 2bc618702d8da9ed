"""Riverton's map: the city boundary, its twelve districts, streets and addresses.

Pure code (numpy and shapely, no Django), so the geography can be tested on its own. The
map is fixed (it does not depend on the demo's seed): "Old Town" is always by the river.

Riverton is fictional. It sits around 40.0°N 75.2°W, about 12 km east to west and 10 km
north to south, with the Riverton River as its southern edge. Districts are the Voronoi
cells of hand-placed seeds clipped to the boundary, so they tile the city exactly: no
gaps, no overlaps, shared edges identical on both sides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, box, mapping

CENTRE_LON = -75.2
CENTRE_LAT = 40.0
KM_PER_DEG_LAT = 111.0
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))
# 1e-6° is about 10 cm: as precise as a phone's GPS claims, short enough to read.
COORDINATE_GRID = 1e-6
STREET_SPACING_KM = 0.2


@dataclass(frozen=True)
class District:
    """A district and what the demo needs to know about the people who live there.

    ``traits`` are relative to a city-wide 1.0 and drive which problems get reported where
    (rats where housing is old and dense, noise where bars are); ``reporting`` is how
    readily residents report anything at all; ``service_lag`` stretches closing times.
    Riverside, Eastgate and Ironworks are served slowly: the equity signal reports find.
    """

    code: str
    name: str
    seed_km: tuple[float, float]
    population: int
    demographics: dict[str, float | int]
    traits: dict[str, float] = field(default_factory=dict)
    reporting: float = 1.0
    service_lag: float = 1.0
    zipcode: str = ""
    es_name: str = ""


def _demographics(
    income: int,
    poverty: float,
    renters: float,
    over_65: float,
    under_18: float,
    spanish: float,
    no_vehicle: float,
    broadband: float,
    built: int,
) -> dict[str, float | int]:
    return {
        "median_household_income": income,
        "share_below_poverty": poverty,
        "share_renters": renters,
        "share_over_65": over_65,
        "share_under_18": under_18,
        "share_spanish_at_home": spanish,
        "share_households_without_vehicle": no_vehicle,
        "share_households_with_broadband": broadband,
        "median_year_built": built,
    }


DISTRICTS: tuple[District, ...] = (
    District(
        "old-town",
        "Old Town",
        (0.2, -2.3),
        48_210,
        _demographics(52_400, 0.21, 0.71, 0.13, 0.14, 0.14, 0.42, 0.82, 1924),
        {
            "density": 1.9,
            "nightlife": 2.6,
            "trees": 0.6,
            "parks": 0.9,
            "dumping": 0.9,
            "homeless": 3.2,
            "cars": 1.9,
            "hills": 0.8,
        },
        reporting=1.15,
        service_lag=1.0,
        zipcode="19890",
    ),
    District(
        "riverside",
        "Riverside",
        (-2.6, -3.2),
        55_340,
        _demographics(34_900, 0.31, 0.66, 0.11, 0.27, 0.38, 0.39, 0.66, 1938),
        {
            "density": 1.6,
            "nightlife": 1.1,
            "trees": 0.7,
            "parks": 1.6,
            "dumping": 1.7,
            "homeless": 2.0,
            "cars": 1.1,
            "hills": 0.8,
        },
        reporting=0.85,
        service_lag=1.75,
        zipcode="19891",
    ),
    District(
        "millbrook",
        "Millbrook",
        (-4.6, -0.6),
        40_120,
        _demographics(47_800, 0.18, 0.52, 0.21, 0.19, 0.16, 0.24, 0.74, 1931),
        {
            "density": 1.1,
            "nightlife": 0.7,
            "trees": 1.0,
            "parks": 1.0,
            "dumping": 1.1,
            "homeless": 0.6,
            "cars": 0.9,
            "hills": 1.0,
        },
        reporting=0.95,
        service_lag=1.25,
        zipcode="19892",
    ),
    District(
        "eastgate",
        "Eastgate",
        (3.0, -1.3),
        53_960,
        _demographics(31_700, 0.33, 0.69, 0.10, 0.29, 0.46, 0.41, 0.63, 1952),
        {
            "density": 1.6,
            "nightlife": 1.2,
            "trees": 0.6,
            "parks": 0.7,
            "dumping": 1.9,
            "homeless": 1.2,
            "cars": 1.2,
            "hills": 0.9,
        },
        reporting=0.8,
        service_lag=1.85,
        zipcode="19893",
    ),
    District(
        "northfield",
        "Northfield",
        (1.6, 3.9),
        27_880,
        _demographics(112_300, 0.05, 0.18, 0.19, 0.24, 0.05, 0.04, 0.95, 1984),
        {
            "density": 0.5,
            "nightlife": 0.4,
            "trees": 1.6,
            "parks": 0.9,
            "dumping": 0.4,
            "homeless": 0.2,
            "cars": 0.7,
            "hills": 1.3,
        },
        reporting=1.3,
        service_lag=0.85,
        zipcode="19894",
    ),
    District(
        "harbor-point",
        "Harbor Point",
        (3.6, -3.7),
        18_150,
        _demographics(68_900, 0.15, 0.58, 0.09, 0.12, 0.17, 0.31, 0.86, 1971),
        {
            "density": 0.8,
            "nightlife": 1.5,
            "trees": 0.5,
            "parks": 1.1,
            "dumping": 1.6,
            "homeless": 1.5,
            "cars": 1.0,
            "hills": 0.7,
        },
        reporting=1.1,
        service_lag=1.0,
        zipcode="19895",
    ),
    District(
        "cedar-heights",
        "Cedar Heights",
        (-2.9, 3.5),
        32_060,
        _demographics(98_600, 0.06, 0.24, 0.27, 0.20, 0.04, 0.06, 0.93, 1957),
        {
            "density": 0.6,
            "nightlife": 0.4,
            "trees": 1.8,
            "parks": 1.1,
            "dumping": 0.4,
            "homeless": 0.2,
            "cars": 0.7,
            "hills": 1.6,
        },
        reporting=1.25,
        service_lag=0.85,
        zipcode="19896",
    ),
    District(
        "lincoln-park",
        "Lincoln Park",
        (-1.4, 0.5),
        38_270,
        _demographics(61_200, 0.13, 0.49, 0.16, 0.21, 0.12, 0.22, 0.85, 1946),
        {
            "density": 1.1,
            "nightlife": 0.8,
            "trees": 1.5,
            "parks": 2.6,
            "dumping": 0.7,
            "homeless": 0.9,
            "cars": 1.0,
            "hills": 1.0,
        },
        reporting=1.05,
        service_lag=1.0,
        zipcode="19897",
    ),
    District(
        "university-hill",
        "University Hill",
        (1.3, 0.7),
        46_090,
        _demographics(38_500, 0.27, 0.81, 0.07, 0.09, 0.11, 0.48, 0.94, 1955),
        {
            "density": 1.5,
            "nightlife": 2.2,
            "trees": 1.0,
            "parks": 0.9,
            "dumping": 0.8,
            "homeless": 0.9,
            "cars": 1.5,
            "hills": 1.4,
        },
        reporting=0.95,
        service_lag=1.0,
        zipcode="19898",
    ),
    District(
        "west-end",
        "West End",
        (-4.9, 2.9),
        29_730,
        _demographics(71_500, 0.10, 0.36, 0.20, 0.22, 0.09, 0.12, 0.88, 1963),
        {
            "density": 0.8,
            "nightlife": 0.6,
            "trees": 1.2,
            "parks": 1.0,
            "dumping": 0.7,
            "homeless": 0.3,
            "cars": 0.8,
            "hills": 1.1,
        },
        reporting=1.0,
        service_lag=0.95,
        zipcode="19899",
    ),
    District(
        "fairview",
        "Fairview",
        (4.7, 2.4),
        32_870,
        _demographics(84_100, 0.08, 0.27, 0.14, 0.28, 0.10, 0.07, 0.92, 1979),
        {
            "density": 0.6,
            "nightlife": 0.5,
            "trees": 1.4,
            "parks": 1.0,
            "dumping": 0.6,
            "homeless": 0.2,
            "cars": 0.8,
            "hills": 1.1,
        },
        reporting=1.1,
        service_lag=0.9,
        zipcode="19880",
    ),
    District(
        "ironworks",
        "Ironworks",
        (-0.9, -1.3),
        27_320,
        _demographics(36_200, 0.29, 0.63, 0.15, 0.23, 0.29, 0.37, 0.68, 1936),
        {
            "density": 1.1,
            "nightlife": 0.9,
            "trees": 0.4,
            "parks": 0.6,
            "dumping": 2.6,
            "homeless": 1.4,
            "cars": 1.0,
            "hills": 0.8,
        },
        reporting=0.9,
        service_lag=1.7,
        zipcode="19881",
    ),
)

# East-west streets, south (the river) to north; north-south streets are numbered.
EAST_WEST_STREETS: tuple[str, ...] = (
    "River Rd",
    "Front St",
    "Water St",
    "Canal St",
    "Dock St",
    "Mill St",
    "Market St",
    "Chestnut St",
    "Walnut St",
    "Locust St",
    "Spruce St",
    "Pine St",
    "Lombard St",
    "Bainbridge St",
    "Elm St",
    "Maple Ave",
    "Oak St",
    "Cherry St",
    "Race St",
    "Vine St",
    "Wood St",
    "Spring Garden St",
    "Green St",
    "Fairmount Ave",
    "Brown St",
    "Poplar St",
    "Girard Ave",
    "Thompson St",
    "Master St",
    "Jefferson St",
    "Oxford St",
    "Columbia Ave",
    "Diamond St",
    "Susquehanna Ave",
    "Dauphin St",
    "York St",
    "Cumberland St",
    "Huntingdon St",
    "Lehigh Ave",
    "Somerset St",
    "Cambria St",
    "Indiana Ave",
    "Clearfield St",
    "Allegheny Ave",
    "Westmoreland St",
    "Ontario St",
    "Tioga St",
    "Venango St",
    "Erie Ave",
    "Butler St",
    "Pike St",
    "Luzerne St",
    "Roosevelt Blvd",
    "Wyoming Ave",
    "Olney Ave",
    "Ridge Ave",
)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


NORTH_SOUTH_STREETS: tuple[str, ...] = tuple(f"{_ordinal(n)} St" for n in range(1, 70))


# --- geometry ------------------------------------------------------------------------------


def _river_y(x: np.ndarray) -> np.ndarray:
    """The river's north bank (km): a lazy meander along the south of the city."""
    return -4.1 + 0.55 * np.sin(x / 1.9 + 0.6) + 0.22 * np.sin(x / 0.8 + 2.0)


def boundary_km() -> Polygon:
    """The city limits in km around the centre: a rounded, slightly irregular block cut by
    the river along the south."""
    theta = np.linspace(0, 2 * np.pi, 241)[:-1]
    p = 3.2
    ct, st = np.cos(theta), np.sin(theta)
    r = (np.abs(ct / 6.2) ** p + np.abs(st / 5.3) ** p) ** (-1 / p)
    r *= (
        1
        + 0.045 * np.sin(2 * theta + 0.7)
        + 0.035 * np.sin(3 * theta + 1.9)
        + 0.02 * np.sin(7 * theta + 0.3)
    )
    outline = Polygon(np.column_stack([r * ct, r * st]))
    xs = np.linspace(-8, 8, 161)
    north_of_river = Polygon([*zip(xs, _river_y(xs), strict=True), (8.0, 8.0), (-8.0, 8.0)])
    return shapely.intersection(outline, north_of_river)


def to_lonlat(geometry: shapely.Geometry) -> shapely.Geometry:
    """km around the centre → lon/lat, snapped to the coordinate grid."""
    moved = shapely.transform(
        geometry,
        lambda xy: np.column_stack(
            [CENTRE_LON + xy[:, 0] / KM_PER_DEG_LON, CENTRE_LAT + xy[:, 1] / KM_PER_DEG_LAT]
        ),
    )
    return shapely.set_precision(moved, COORDINATE_GRID)


def lonlat_to_km(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (lons - CENTRE_LON) * KM_PER_DEG_LON, (lats - CENTRE_LAT) * KM_PER_DEG_LAT


@dataclass(frozen=True)
class CityMap:
    boundary: shapely.Geometry  # lon/lat
    districts: dict[str, shapely.Geometry]  # code → Polygon in lon/lat

    def geojson(self, code: str) -> dict[str, Any]:
        return dict(mapping(self.districts[code]))


def build_map() -> CityMap:
    """The boundary and district polygons in lon/lat. Deterministic."""
    outline = boundary_km()
    seeds = MultiPoint([d.seed_km for d in DISTRICTS])
    cells = shapely.voronoi_polygons(seeds, extend_to=box(-20, -20, 20, 20))
    # Snap the whole coverage to the grid in one call, so that a vertex shared by two
    # districts lands on the same grid point for both.
    clipped = [shapely.intersection(cell, outline) for cell in shapely.get_parts(cells)]
    coverage = to_lonlat(shapely.GeometryCollection(clipped))
    parts = list(shapely.get_parts(coverage))
    districts: dict[str, shapely.Geometry] = {}
    for district in DISTRICTS:
        seed = to_lonlat(Point(district.seed_km))
        (match,) = [p for p in parts if p.contains(seed)]
        districts[district.code] = shapely.normalize(match)
    boundary = to_lonlat(outline)
    return CityMap(boundary=boundary, districts=districts)


def sample_points(
    polygon: shapely.Geometry, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points uniformly inside ``polygon`` (rejection sampling in its bbox)."""
    min_x, min_y, max_x, max_y = polygon.bounds
    shapely.prepare(polygon)
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    found = 0
    while found < count:
        n = max(64, int((count - found) * 1.6))
        x = rng.uniform(min_x, max_x, n)
        y = rng.uniform(min_y, max_y, n)
        inside = shapely.contains_xy(polygon, x, y)
        lons.append(x[inside])
        lats.append(y[inside])
        found += int(inside.sum())
    return np.concatenate(lons)[:count], np.concatenate(lats)[:count]


def addresses(lons: np.ndarray, lats: np.ndarray, rng: np.random.Generator) -> list[str]:
    """A street address for each point from Riverton's street grid ("1234 Elm St").

    Streets run every 200 m; a point takes the nearer street, and its house number grows
    100 a block along that street (even on one side, odd on the other), so that nearby
    reports read as nearby addresses.
    """
    x, y = lonlat_to_km(lons, lats)
    # Grid coordinates counted from the city's south-west corner.
    gx = (x + 7.0) / STREET_SPACING_KM
    gy = (y + 4.9) / STREET_SPACING_KM
    fx, fy = gx - np.round(gx), gy - np.round(gy)
    on_east_west = np.abs(fy) <= np.abs(fx)
    side = rng.integers(0, 2, len(lons))
    result = []
    for i in range(len(lons)):
        if on_east_west[i]:
            street = EAST_WEST_STREETS[min(int(round(gy[i])), len(EAST_WEST_STREETS) - 1)]
            along = gx[i]
        else:
            street = NORTH_SOUTH_STREETS[min(int(round(gx[i])), len(NORTH_SOUTH_STREETS) - 1)]
            along = gy[i]
        block = int(along)
        within = int((along - block) * 50) * 2 + int(side[i])
        number = max(block * 100 + within, 1)
        result.append(f"{number} {street}")
    return result


def cross_street(lons: np.ndarray, lats: np.ndarray) -> list[str]:
    """The nearest intersection, "Elm St & 12th St", for reports about a corner."""
    x, y = lonlat_to_km(lons, lats)
    gx = np.clip(
        np.round((x + 7.0) / STREET_SPACING_KM).astype(int), 0, len(NORTH_SOUTH_STREETS) - 1
    )
    gy = np.clip(np.round((y + 4.9) / STREET_SPACING_KM).astype(int), 0, len(EAST_WEST_STREETS) - 1)
    return [
        f"{EAST_WEST_STREETS[j]} & {NORTH_SOUTH_STREETS[i]}" for i, j in zip(gx, gy, strict=True)
    ]
