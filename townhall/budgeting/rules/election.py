"""The in-memory form of one participatory-budgeting election.

Ballots are stored once, as compressed sparse rows (CSR): voter ``i`` listed the projects
``indices[indptr[i]:indptr[i + 1]]`` in the order they appear on the ballot (which is the
preference order for ordinal ballots), with ``points`` alongside for cumulative and scoring
ballots. A dense voters x projects matrix is only built on request: the largest real
elections have ~51,000 voters and ~180 projects, and the counting code works on the sparse
form directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
import numpy.typing as npt

# Pabulib vote types that these rules understand; "choose-1" is counted as approval of one.
VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
APPROVAL_TYPES = ("approval", "choose-1")
POINT_TYPES = ("cumulative", "scoring")

Money = int | Fraction


@dataclass(frozen=True)
class Project:
    """One project on the ballot. ``fields`` keeps every other column of the file verbatim."""

    id: str
    cost: Money
    fields: dict[str, str] = field(default_factory=dict, compare=True, hash=False)

    @property
    def name(self) -> str | None:
        return self.fields.get("name")

    @property
    def categories(self) -> tuple[str, ...]:
        raw = self.fields.get("category") or self.fields.get("categories") or ""
        return tuple(part.strip() for part in raw.split(",") if part.strip())

    @property
    def targets(self) -> tuple[str, ...]:
        raw = self.fields.get("target") or self.fields.get("targets") or ""
        return tuple(part.strip() for part in raw.split(",") if part.strip())

    @property
    def district(self) -> str | None:
        return self.fields.get("district")


@dataclass
class Election:
    """A parsed election: META, the projects in file order, and the ballots in CSR form."""

    meta: dict[str, str]
    projects: tuple[Project, ...]
    budget: Money
    vote_type: str
    voter_ids: list[str]
    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    # Points aligned with ``indices`` (cumulative/scoring only). Stored as integers scaled by
    # ``points_denominator`` so that fractional points stay exact.
    points: npt.NDArray[np.int64] | None = None
    points_denominator: int = 1
    # Extra VOTES columns (age, sex, district, ...) in header order; None where absent.
    voter_fields: dict[str, list[str | None]] = field(default_factory=dict)
    # Non-fatal oddities found while parsing (duplicate ids in a ballot, count mismatches...).
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index = {p.id: i for i, p in enumerate(self.projects)}

    @property
    def num_voters(self) -> int:
        return len(self.indptr) - 1

    @property
    def num_projects(self) -> int:
        return len(self.projects)

    @property
    def project_ids(self) -> list[str]:
        return [p.id for p in self.projects]

    def project_index(self, project_id: str) -> int:
        return self._index[project_id]

    def project(self, project_id: str) -> Project:
        return self.projects[self._index[project_id]]

    def costs(self) -> list[Money]:
        return [p.cost for p in self.projects]

    def ballot(self, voter: int) -> list[str]:
        """The project ids voter ``voter`` listed, in ballot order."""
        start, stop = self.indptr[voter], self.indptr[voter + 1]
        return [self.projects[j].id for j in self.indices[start:stop]]

    def ballot_points(self, voter: int) -> list[Fraction | int]:
        if self.points is None:
            raise ValueError(f"{self.vote_type} ballots carry no points")
        start, stop = self.indptr[voter], self.indptr[voter + 1]
        return [_unscale(int(v), self.points_denominator) for v in self.points[start:stop]]

    def approval_matrix(self) -> npt.NDArray[np.bool_]:
        """Dense voters x projects matrix: True where the voter listed the project."""
        matrix = np.zeros((self.num_voters, self.num_projects), dtype=np.bool_)
        rows = np.repeat(np.arange(self.num_voters), np.diff(self.indptr))
        matrix[rows, self.indices] = True
        return matrix


def _unscale(value: int, denominator: int) -> Fraction | int:
    if denominator == 1:
        return value
    result = Fraction(value, denominator)
    return result.numerator if result.denominator == 1 else result


def anonymised(election: Election, keep_fields: tuple[str, ...] = ()) -> Election:
    """A copy fit for publication: voters renumbered 1..n and personal columns dropped.

    Ballot order is kept (it carries no identity once ids are replaced) so that a recount of
    the published file gives exactly the published result.
    """
    kept = {k: v for k, v in election.voter_fields.items() if k in keep_fields}
    return replace(
        election,
        voter_ids=[str(i + 1) for i in range(election.num_voters)],
        voter_fields=kept,
        warnings=[],
    )
