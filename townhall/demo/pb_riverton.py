"""The demo's live participatory-budgeting process, "Riverton Decides", in its voting phase.

Everything is written through the budgeting services, as it would be by people: the
administrator sets the process up (units, categories) and publishes it; residents propose
ideas with a place inside their district, support and comment on them; reviewers assess
costs, reject a few with a public reason, merge a duplicate and put the rest on the
ballot; then the calendar moves on to voting. Only the timestamps are moved back
afterwards (a plain seeding step), so that ideas look as if they came in over weeks.

The ballot is a knapsack ballot (choose projects within the budget) counted with the
Method of Equal Shares and the Add1 completion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely
from django.utils import timezone

from townhall.accounts.models import Role, User
from townhall.accounts.services import create_user
from townhall.budgeting.models import BallotKind, BudgetUnit, Category, Comment, Process, Project
from townhall.budgeting.models import Support as SupportRow
from townhall.budgeting.services import (
    accept_project,
    add_category,
    add_comment,
    add_unit,
    assess_project,
    create_process,
    hide_comment,
    merge_projects,
    publish_process,
    reject_project,
    submit_proposal,
    support_project,
    update_process,
)
from townhall.demo.city import addresses, sample_points
from townhall.lib.actors import Actor
from townhall.places.geometry import parse_geometry
from townhall.places.models import Area, Jurisdiction

ADMIN = Actor.system("demo")
RESIDENTS = 60
CITYWIDE_BUDGET = 1_200_000  # dollars
DOLLARS_PER_RESIDENT = 4  # each district's budget, with a floor
DISTRICT_FLOOR = 100_000

CATEGORIES = (
    "Green spaces",
    "Streets and safety",
    "Play and sport",
    "Culture",
    "Community",
    "Environment",
)


@dataclass(frozen=True)
class Idea:
    key: str
    district: str | None  # None: citywide
    title: str
    description: str
    cost: int  # dollars, the resident's estimate
    categories: tuple[str, ...]
    pinned: bool = True
    popularity: float = 1.0


@dataclass(frozen=True)
class Review:
    assess: dict[str, tuple[int, str]]  # key → (assessed dollars, public note)
    reject: dict[str, str]  # key → public reason
    merge: dict[str, tuple[str, str]]  # key → (target key, public note)


# fmt: off
IDEAS: tuple[Idea, ...] = (
    Idea("wifi", None, "Free Wi-Fi in every public library",
         "Fast, free Wi-Fi in all nine branch libraries, with outdoor coverage on the steps "
         "so people can connect after closing time.", 180_000, ("Community",), False, 1.4),
    Idea("river-lights", None, "Light the riverfront trail",
         "Solar lights along the 4 km riverfront trail so people can walk and cycle safely "
         "after dark in winter.", 420_000, ("Streets and safety", "Green spaces"), True, 1.6),
    Idea("trees", None, "1,000 new street trees",
         "Plant a thousand street trees where the canopy is thinnest, with three years of "
         "watering.", 350_000, ("Green spaces", "Environment"), False, 1.5),
    Idea("bike-lanes", None, "Protected bike lanes on Market Street",
         "Kerb-protected bike lanes both ways on Market Street between the station and "
         "Old Town.", 600_000, ("Streets and safety",), True, 1.1),
    Idea("concerts", None, "Summer concerts in the parks",
         "Free Friday concerts in a different park every week of the summer, with local "
         "musicians.", 90_000, ("Culture",), False, 1.0),
    Idea("fountains", None, "Public drinking fountains",
         "Thirty drinking fountains with bottle fillers in parks and at bus hubs.",
         120_000, ("Environment", "Community"), False, 0.9),
    Idea("stadium", None, "A new football stadium",
         "A 10,000-seat stadium for the city's teams.", 1_100_000, ("Play and sport",),
         False, 0.8),
    Idea("bandstand", "old-town", "Restore the Old Town bandstand",
         "Repair the roof and the lights of the 1910 bandstand so it can host events again.",
         85_000, ("Culture",)),
    Idea("front-st", "old-town", "Benches and shade on Front Street",
         "Benches and shade sails along Front Street, where older people wait for the bus.",
         40_000, ("Streets and safety", "Community")),
    Idea("splash", "riverside", "Riverside splash pad",
         "A splash pad in Riverside Park for hot summer days.", 140_000, ("Play and sport",),
         True, 1.3),
    Idea("school-crossing", "riverside", "Safer crossing by Riverside Elementary",
         "A raised crosswalk with flashing lights on the road children cross to school.",
         60_000, ("Streets and safety",), True, 1.2),
    Idea("school-lights", "riverside", "Flashing lights at the school crosswalk",
         "Drivers do not stop at the crosswalk in front of the elementary school. Flashing "
         "lights would help.", 25_000, ("Streets and safety",), True, 0.6),
    Idea("garden", "millbrook", "Community garden beds",
         "Twenty raised garden beds and a water tap on the empty corner of the rec centre.",
         35_000, ("Green spaces", "Community")),
    Idea("skate", "millbrook", "Fix the Millbrook skate park",
         "Resurface the bowl and replace the broken rails.", 90_000, ("Play and sport",)),
    Idea("reading-garden", "eastgate", "A reading garden at Eastgate library",
         "Turn the library's back lot into a shaded garden with seats for reading outdoors.",
         70_000, ("Green spaces", "Culture")),
    Idea("dark-blocks", "eastgate", "Street lights on dark blocks",
         "New LED street lights on the dozen darkest blocks of Eastgate.", 110_000,
         ("Streets and safety",), True, 1.3),
    Idea("dog-park", "northfield", "Fenced dog park",
         "A fenced off-leash area with water and benches.", 75_000, ("Green spaces",)),
    Idea("pickleball", "northfield", "Pickleball courts",
         "Four pickleball courts near the Northfield wetlands.", 95_000, ("Play and sport",)),
    Idea("murals", "harbor-point", "Harbor Point mural walk",
         "Local artists paint ten murals along the walk from the ferry to the market.",
         45_000, ("Culture",)),
    Idea("bus-shelter", "harbor-point", "Bus shelters with seating",
         "Shelters with seats at the three busiest stops.", 30_000, ("Streets and safety",)),
    Idea("fitness", "cedar-heights", "Outdoor fitness equipment",
         "A free outdoor gym in Cedar Heights Park.", 55_000, ("Play and sport",)),
    Idea("rain-gardens", "cedar-heights", "Rain gardens to stop street flooding",
         "Rain gardens at the corners that flood after every storm.", 120_000,
         ("Environment", "Green spaces")),
    Idea("playground", "lincoln-park", "A playground for children of all abilities",
         "Replace the old playground with one that children in wheelchairs can use too.",
         140_000, ("Play and sport", "Community"), True, 1.4),
    Idea("pond", "lincoln-park", "Clean up the Lincoln Park pond",
         "Dredge the pond and plant its banks so that it stops smelling in summer.", 65_000,
         ("Environment",)),
    Idea("bike-parking", "university-hill", "Covered bike parking at the station",
         "Covered, well-lit racks for 100 bikes next to University Hill station.", 40_000,
         ("Streets and safety",)),
    Idea("fridge", "university-hill", "A community fridge",
         "A fridge and a pantry shelf where neighbours share food, looked after by "
         "volunteers.", 15_000, ("Community",)),
    Idea("market-stalls", "west-end", "Stalls for a West End farmers' market",
         "Foldable stalls and a storage shed so a weekly market can start in the square.",
         50_000, ("Community",)),
    Idea("oak-st", "west-end", "Traffic calming on Oak Street",
         "Speed humps and planters to slow the cut-through traffic on Oak Street.", 85_000,
         ("Streets and safety",)),
    Idea("pool", "fairview", "Repair the Fairview pool",
         "The pool has been closed for two summers. Fix it.", 120_000, ("Play and sport",),
         True, 1.2),
    Idea("school-trees", "fairview", "Trees on the routes to school",
         "Shade trees along the streets children walk to the three Fairview schools.",
         60_000, ("Green spaces",)),
    Idea("music-studio", "ironworks", "A youth music studio",
         "A sound-proofed studio with instruments in the Ironworks community centre.",
         95_000, ("Culture",), True, 1.1),
    Idea("pocket-park", "ironworks", "A pocket park on the vacant lot",
         "Clean up the vacant lot on Mill Street and make it a small park.", 100_000,
         ("Green spaces",)),
)
# fmt: on

REVIEW = Review(
    assess={
        "river-lights": (460_000, "Includes the cabling under the two bridges."),
        "trees": (380_000, "Includes three years of watering and replacement of trees that die."),
        "splash": (155_000, "Includes the water recycling system required by the county."),
        "dark-blocks": (96_000, "LED fittings on existing poles on 9 of the 12 blocks."),
        "playground": (149_000, "Includes a rubber surface under all equipment."),
        "rain-gardens": (118_000, "Five rain gardens; the sixth corner needs a sewer repair."),
    },
    reject={
        "stadium": "A stadium needs land the city does not own and about $2M a year to run; "
        "participatory budgeting cannot commit future budgets.",
        "pickleball": "The only site proposed is a protected wetland, and no other city land in "
        "Northfield is large enough.",
        "pool": "Good news: the pool is already being repaired from the parks capital budget "
        "and reopens in June.",
        "pocket-park": "The lot is privately owned, so the city cannot build on it. We have "
        "passed the idea to the planning department.",
    },
    merge={
        "school-lights": (
            "school-crossing",
            "Both ideas ask for a safer crossing at Riverside Elementary; the engineers' design "
            "includes the flashing lights.",
        ),
    },
)

COMMENTS = (
    ("river-lights", "I run there every morning in winter and it is pitch dark until 8."),
    ("river-lights", "Please make sure the lights point down: the river is a bird habitat."),
    ("wifi", "Many kids in my building do homework on the library steps. Yes please."),
    ("splash", "Our kids would love this, the nearest pool is two buses away."),
    ("school-crossing", "Cars do 40 mph here at drop-off time."),
    ("playground", "My daughter uses a wheelchair and cannot use any playground nearby."),
    ("dark-blocks", "The block by the laundromat is the worst."),
    ("fridge", "I can volunteer to clean it on Saturdays."),
    ("oak-st", "Speed humps slow down ambulances too; planters would be better."),
    ("pool", "Is the pool not already in the city's plan?"),
    ("bike-lanes", "Finally! Market Street is terrifying on a bike."),
    ("bike-lanes", "What about the parking for the shops?"),
)
ABUSIVE = ("concerts", "Only idiots would go to these. The organisers are crooks.")


@dataclass(frozen=True)
class RivertonPB:
    process: Process
    proposals: int
    on_ballot: int
    rejected: int
    merged: int
    supports: int


def build_riverton_pb(
    city: Jurisdiction, *, seed: int = 2026, now: datetime | None = None
) -> RivertonPB:
    """Create "Riverton Decides <year>" for ``city`` (the demo's districts must exist),
    with voting open since three days ago and closing in eighteen days."""
    rng = np.random.default_rng(seed)
    now = now or timezone.now()
    started = timezone.now()
    year = now.year
    process = create_process(
        ADMIN,
        city,
        slug=f"riverton-decides-{year}",
        title=f"Riverton Decides {year}",
        summary=f"Decide how Riverton spends ${CITYWIDE_BUDGET // 1000:,}k citywide and a "
        "budget for each district.",
        description=(
            "Residents proposed ideas, city departments checked what they cost and whether "
            "they can be built, and the feasible ones are now on the ballot. Choose the "
            "projects you want within the budget: one ballot for the whole city and one for "
            "your district. The winners are chosen with the Method of Equal Shares, so that "
            "as many residents as possible get a project they voted for."
        ),
        currency="USD",
        # Idea collection is open while residents write in; the calendar moves on below.
        ideas_open_at=started - timedelta(hours=1),
        ideas_close_at=started + timedelta(days=7),
        voting_open_at=started + timedelta(days=14),
        voting_close_at=started + timedelta(days=35),
        ballot_kind=BallotKind.KNAPSACK,
        min_choices=1,
        rule="mes",
        satisfaction="cost",
        completion="add1",
    )
    units: dict[str | None, BudgetUnit] = {
        None: add_unit(ADMIN, process, name="Citywide", budget=CITYWIDE_BUDGET * 100)
    }
    areas = {a.code: a for a in Area.objects.filter(jurisdiction=city).order_by("name")}
    for area in areas.values():
        dollars = max(DISTRICT_FLOOR, round((area.population or 0) * DOLLARS_PER_RESIDENT, -4))
        units[area.code] = add_unit(ADMIN, process, name=area.name, budget=dollars * 100, area=area)
    categories = {name: add_category(ADMIN, process, name) for name in CATEGORIES}
    publish_process(ADMIN, process)

    residents = [_resident(n, list(areas)) for n in range(1, RESIDENTS + 1)]
    projects = _propose(process, units, areas, categories, residents, rng)
    supports = _support(projects, residents, rng)
    for key, body in COMMENTS:
        add_comment(_as(_pick(residents, rng)[0]), projects[key], body)
    abusive = add_comment(_as(_pick(residents, rng)[0]), projects[ABUSIVE[0]], ABUSIVE[1])
    hide_comment(ADMIN, abusive, "Insults against people. See the discussion rules.")

    for key, (dollars, note) in REVIEW.assess.items():
        assess_project(ADMIN, projects[key], dollars * 100, note)
    for key, reason in REVIEW.reject.items():
        reject_project(ADMIN, projects[key], reason)
    for key, (target, note) in REVIEW.merge.items():
        merge_projects(ADMIN, projects[key], projects[target], note)
    decided = set(REVIEW.reject) | set(REVIEW.merge)
    for key, project in projects.items():
        if key not in decided:
            accept_project(ADMIN, project)

    update_process(
        ADMIN,
        process,
        ideas_open_at=now - timedelta(days=45),
        ideas_close_at=now - timedelta(days=17),
        voting_open_at=now - timedelta(days=3),
        voting_close_at=now + timedelta(days=18),
    )
    _backdate(process, rng)
    return RivertonPB(
        process=process,
        proposals=len(projects),
        on_ballot=len(projects) - len(decided),
        rejected=len(REVIEW.reject),
        merged=len(REVIEW.merge),
        supports=supports,
    )


# --- residents at work -------------------------------------------------------------------


def _resident(n: int, districts: list[str]) -> tuple[User, str]:
    """A resident account (no password: residents sign in by emailed link) and the
    district they live in."""
    username = f"resident.{n:02d}@riverton.example"
    user = create_user(ADMIN, username, username, Role.RESIDENT)
    return user, districts[(n * 7) % len(districts)]


def _as(user: User) -> Actor:
    return Actor(label=f"resident:{user.pk}", user=user, channel="web")


def _pick(residents: list[tuple[User, str]], rng: np.random.Generator) -> tuple[User, str]:
    return residents[int(rng.integers(len(residents)))]


def _propose(
    process: Process,
    units: dict[str | None, BudgetUnit],
    areas: dict[str, Area],
    categories: dict[str, Category],
    residents: list[tuple[User, str]],
    rng: np.random.Generator,
) -> dict[str, Project]:
    projects: dict[str, Project] = {}
    for idea in IDEAS:
        where = idea.district or _citywide_place(idea, list(areas), rng)
        lat = lon = None
        address = ""
        if idea.pinned and where is not None:
            lat, lon, address = _place_in(areas[where], rng)
        local = [r for r in residents if r[1] == idea.district] or residents
        author = local[int(rng.integers(len(local)))][0]
        projects[idea.key] = submit_proposal(
            _as(author),
            process,
            unit=units[idea.district],
            title=idea.title,
            description=idea.description,
            estimated_cost=idea.cost * 100,
            categories=[categories[name] for name in idea.categories],
            lat=lat,
            lon=lon,
            address=address,
        )
    return projects


def _citywide_place(idea: Idea, districts: list[str], rng: np.random.Generator) -> str | None:
    if idea.key == "river-lights":
        return "old-town"  # by the river
    if idea.key == "bike-lanes":
        return "university-hill"
    return districts[int(rng.integers(len(districts)))] if idea.pinned else None


def _place_in(area: Area, rng: np.random.Generator) -> tuple[float, float, str]:
    """A point well inside ``area`` (not on its edge) and its street address."""
    assert area.geometry is not None  # noqa: S101 - the demo's districts all have one
    polygon = parse_geometry(area.geometry)
    inner = polygon.buffer(-0.002)
    if inner.is_empty:
        inner = polygon
    lons, lats = sample_points(inner, 1, rng)
    lon, lat = round(float(lons[0]), 6), round(float(lats[0]), 6)
    if not shapely.contains_xy(polygon, lon, lat):  # rounding moved it out: use the centre
        lat, lon = area.centroid or (lat, lon)
    return lat, lon, addresses(np.array([lon]), np.array([lat]), rng)[0]


def _support(
    projects: dict[str, Project], residents: list[tuple[User, str]], rng: np.random.Generator
) -> int:
    """Residents support a few ideas each, mostly in their own district."""
    by_key = {idea.key: idea for idea in IDEAS}
    count = 0
    for user, home in residents:
        weights = np.array(
            [
                by_key[key].popularity * (4.0 if by_key[key].district == home else 1.0)
                if by_key[key].district in (home, None)
                else 0.15 * by_key[key].popularity
                for key in projects
            ]
        )
        how_many = int(rng.integers(2, 7))
        chosen = rng.choice(len(projects), size=how_many, replace=False, p=weights / weights.sum())
        keys = list(projects)
        for index in sorted(int(i) for i in chosen):
            support_project(_as(user), projects[keys[index]])
            count += 1
    return count


def _backdate(process: Process, rng: np.random.Generator) -> None:
    """Spread the ideas, supports and comments over the idea-collection weeks, and the
    review decisions over the review weeks (seeding only: these are not business writes)."""
    process.refresh_from_db()
    ideas_open, ideas_close = process.ideas_open_at, process.ideas_close_at
    window = (ideas_close - ideas_open).total_seconds()
    review_window = (process.voting_open_at - ideas_close).total_seconds()
    for project in Project.objects.filter(process=process).order_by("pk"):
        created = ideas_open + timedelta(seconds=float(rng.uniform(0.02, 0.7)) * window)
        reviewed = ideas_close + timedelta(seconds=float(rng.uniform(0.1, 0.9)) * review_window)
        Project.objects.filter(pk=project.pk).update(
            created_at=created, reviewed_at=reviewed if project.reviewed_at else None
        )
        left = (ideas_close - created).total_seconds()
        for model in (SupportRow, Comment):
            for pk in model.objects.filter(project=project).values_list("pk", flat=True):
                at = created + timedelta(seconds=float(rng.uniform(0.05, 0.95)) * left)
                model.objects.filter(pk=pk).update(created_at=at)
    Comment.objects.filter(project__process=process, hidden_at__isnull=False).update(
        hidden_at=ideas_close
    )


__all__ = ["RivertonPB", "build_riverton_pb"]
