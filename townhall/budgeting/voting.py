"""Eligibility and voting: the census, voting codes, the voter's pass, ballots, and paper
ballots typed in twice.

Credentials and digests
-----------------------
A voter proves eligibility with a *credential*: either a census identifier (normalised:
trimmed, upper-cased, spaces and dashes removed), with a date of birth when the census has
one, or a voting code printed on a letter (``XXXX-XXXX-XXXX`` from an alphabet without
0/O/1/I/L: 31 symbols, 12 of them, about 59 bits). The database never holds a credential
in clear, only keyed digests made with Django's ``salted_hmac`` (key: ``SECRET_KEY``),
SHA-256, under two distinct salts:

- ``CREDENTIAL_SALT`` + the process's own ``salt``: the digest stored on a
  :class:`CensusEntry` or :class:`VotingCode`, to recognise the voter;
- ``LOCATOR_SALT`` + the process's ``salt``: a *seed*, from which each budget unit's
  ballot ``locator`` is derived (HMAC of seed and unit). The locator lets the voter find
  and replace their own ballot; nothing in the database can compute it, and the census or
  code digest cannot be turned into it, so the ballot table is not linked to the census.
  Per-unit locators also keep one voter's citywide and district ballots unlinked.

**Rotating SECRET_KEY invalidates all of them**: census entries and codes of a running
process would no longer be recognised, and voters could no longer find the ballot they
cast to change it (``SECRET_KEY_FALLBACKS`` is not consulted). Rotate only between
processes, or re-import the census and re-issue codes. Someone holding both the database
and ``SECRET_KEY`` can still try every possible census identifier (they are not secret
numbers); codes, with 59 random bits, cannot be guessed.

Census imports **append**: a new file adds people to the list (an identifier already on it
is counted and left as it is, with its "has voted" mark). Replacing the list would wipe
those marks mid-vote and let people vote twice.

Every write verb validates first (a :class:`~django.core.exceptions.ValidationError` with
a ``code``; nothing written), then writes in one transaction with one audit event. Audit
events about ballots name the budget unit only: never the ballot, its content, its
locator, nor the census entry or code that cast it.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from townhall.accounts.models import Role
from townhall.audit import record
from townhall.budgeting.models import (
    Ballot,
    BallotChannel,
    BallotKind,
    BudgetUnit,
    CensusEntry,
    PaperEntry,
    PaperEntryStatus,
    Phase,
    Process,
    Project,
    VotingCode,
)
from townhall.lib.actors import Actor
from townhall.places.models import Area

CREDENTIAL_SALT = "townhall.budgeting.voting.credential"
LOCATOR_SALT = "townhall.budgeting.voting.locator"

# No 0/O, 1/I/L: nothing a voter can misread from a printed letter.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4
CODE_LENGTH = CODE_GROUPS * CODE_GROUP_LENGTH
MAX_CODES_PER_BATCH = 10_000
MAX_IDENTIFIER_CHARS = 64
MAX_CENSUS_ROWS = 2_000_000
MAX_BATCH_CHARS = 100
MAX_SHEET_CHARS = 40

# When each verb is open. Census and codes may be prepared up to the end of voting; paper
# ballots collected on the last day may still be typed in while the count waits.
PREPARE_PHASES = (Phase.DRAFT, Phase.UPCOMING, Phase.IDEAS, Phase.REVIEW, Phase.VOTING)
PAPER_PHASES = (Phase.VOTING, Phase.COUNTING)
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})

CENSUS = "census"
CODE = "code"

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")

# A ballot as a voter gives it: project primary keys (in preference order for ranked
# ballots), or project primary key -> points for cumulative ballots.
Choices = Sequence[int] | Mapping[int, int]


# --- Credentials ---------------------------------------------------------------------------


def normalise_identifier(raw: str) -> str:
    """``" ab-12 345 "`` → ``"AB12345"``: the form a census identifier is digested in."""
    return _SEPARATORS.sub("", raw or "").upper()


def normalise_code(raw: str) -> str:
    """What the voter typed, without spaces and dashes, upper-cased."""
    return _SEPARATORS.sub("", raw or "").upper()


def is_well_formed_code(normalised: str) -> bool:
    return len(normalised) == CODE_LENGTH and all(c in CODE_ALPHABET for c in normalised)


def format_code(normalised: str) -> str:
    """``"ABCDEFGHJKMN"`` → ``"ABCD-EFGH-JKMN"``, as printed on the letter."""
    n = CODE_GROUP_LENGTH
    return "-".join(normalised[i : i + n] for i in range(0, len(normalised), n))


def _census_credential(identifier: str, birth_date: date | None) -> str:
    return f"census:{identifier}:{birth_date.isoformat() if birth_date else ''}"


def _code_credential(code: str) -> str:
    return f"code:{code}"


def _digest(process: Process, credential: str) -> str:
    key_salt = f"{CREDENTIAL_SALT}:{process.salt}"
    return salted_hmac(key_salt, credential, algorithm="sha256").hexdigest()


def _seed(process: Process, credential: str) -> str:
    key_salt = f"{LOCATOR_SALT}:{process.salt}"
    return salted_hmac(key_salt, credential, algorithm="sha256").hexdigest()


def locator_for(seed: str, unit_id: int) -> str:
    """The locator of a voter's ballot in one unit (see the module's docstring)."""
    return salted_hmac(f"{LOCATOR_SALT}:unit", f"{seed}:{unit_id}", algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class VoterPass:
    """What a verified voter may do: who they are to the eligibility tables (a census
    entry or a code, by primary key), their district, the units they may vote in, and the
    seed their ballot locators derive from. It holds no credential in clear: the seed can
    find this voter's ballots but cannot sign in."""

    process_id: int
    kind: str  # CENSUS or CODE
    holder_id: int
    area_id: int | None
    seed: str
    unit_ids: tuple[int, ...]

    def locator(self, unit_id: int) -> str:
        return locator_for(self.seed, unit_id)

    def to_session(self) -> dict[str, Any]:
        return {
            "process": self.process_id,
            "kind": self.kind,
            "holder": self.holder_id,
            "area": self.area_id,
            "seed": self.seed,
            "units": list(self.unit_ids),
        }

    @classmethod
    def from_session(cls, data: Any) -> VoterPass | None:
        try:
            return cls(
                process_id=int(data["process"]),
                kind=str(data["kind"]),
                holder_id=int(data["holder"]),
                area_id=int(data["area"]) if data["area"] is not None else None,
                seed=str(data["seed"]),
                unit_ids=tuple(int(u) for u in data["units"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def error_codes(error: ValidationError) -> set[str]:
    """The codes of every problem in a ValidationError, however it was built."""
    if hasattr(error, "error_dict"):
        return {e.code or "" for errors in error.error_dict.values() for e in errors}
    return {e.code or "" for e in error.error_list}


def _require_phase(process: Process, phases: Iterable[Phase], message: str) -> None:
    if process.phase not in tuple(phases):
        raise _refuse(message, "phase")


def _closed_message(process: Process) -> str:
    return _("Voting is not open for %(title)s.") % {"title": process.title}


def units_for(process: Process, area_id: int | None) -> list[BudgetUnit]:
    """The units a voter from ``area_id`` (None: district unknown) may vote in: every
    citywide unit, and their own district's when it is known and the process allows one
    district per voter; every district otherwise (one of them, at most, when the process
    says so: see :func:`cast_ballot`)."""
    units = list(BudgetUnit.objects.filter(process=process).select_related("area"))
    if process.one_district_per_voter and area_id is not None:
        return [u for u in units if u.area_id is None or u.area_id == area_id]
    return units


def _eligibility_problem(holder: CensusEntry | VotingCode) -> ValidationError | None:
    if isinstance(holder, VotingCode) and holder.revoked_at is not None:
        return _refuse(
            _("This voting code has been cancelled. Contact the city for a new one."), "revoked"
        )
    if isinstance(holder, CensusEntry) and holder.voted_on_paper:
        return _refuse(
            _("Our records show that you have already voted on paper."), "voted_on_paper"
        )
    return None


def _not_found() -> ValidationError:
    return _refuse(
        _(
            "We could not find you on the list of voters. Check what you typed, including "
            "your date of birth if your letter asks for it."
        ),
        "not_found",
    )


def _find_census_entry(
    process: Process, identifier: str, birth_date: date | None
) -> tuple[CensusEntry, str] | None:
    """The entry for this person and the credential it was digested from. A census with
    dates of birth holds ``identifier + date``; one without holds the identifier alone
    (then the date typed is not checked)."""
    candidates = [_census_credential(identifier, birth_date)] if birth_date else []
    candidates.append(_census_credential(identifier, None))
    digests = {_digest(process, c): c for c in candidates}
    found = {e.digest: e for e in CensusEntry.objects.filter(process=process, digest__in=digests)}
    for digest, credential in digests.items():
        if digest in found:
            return found[digest], credential
    return None


def verify_voter(
    process: Process,
    *,
    identifier: str | None = None,
    birth_date: date | None = None,
    code: str | None = None,
) -> VoterPass:
    """Check a voter's credential: a voting code, or a census identifier (with the date
    of birth when the census has them). Raises ValidationError with code ``phase``,
    ``missing``, ``code_format``, ``not_found``, ``revoked`` or ``voted_on_paper``."""
    _require_phase(process, (Phase.VOTING,), _closed_message(process))
    holder: CensusEntry | VotingCode
    if code:
        normalised = normalise_code(code)
        if not is_well_formed_code(normalised):
            raise _refuse(
                _("A voting code has 12 letters and numbers, like ABCD-EFGH-JK23."),
                "code_format",
            )
        credential = _code_credential(normalised)
        found_code = VotingCode.objects.filter(
            process=process, digest=_digest(process, credential)
        ).first()
        if found_code is None:
            raise _refuse(
                _("We do not recognise this voting code. Check it against your letter."),
                "not_found",
            )
        holder, kind = found_code, CODE
    elif identifier and normalise_identifier(identifier):
        found = _find_census_entry(process, normalise_identifier(identifier), birth_date)
        if found is None:
            raise _not_found()
        holder, credential = found
        kind = CENSUS
    else:
        raise _refuse(_("Enter your voting code or your identity number."), "missing")
    problem = _eligibility_problem(holder)
    if problem is not None:
        raise problem
    return VoterPass(
        process_id=process.pk,
        kind=kind,
        holder_id=holder.pk,
        area_id=holder.area_id,
        seed=_seed(process, credential),
        unit_ids=tuple(u.pk for u in units_for(process, holder.area_id)),
    )


def voted_units(voter_pass: VoterPass) -> set[int]:
    """The units in which this voter's ballot is already stored."""
    locators = {voter_pass.locator(u): u for u in voter_pass.unit_ids}
    found = Ballot.objects.filter(
        unit_id__in=voter_pass.unit_ids, locator__in=list(locators)
    ).values_list("unit_id", "locator")
    return {unit_id for unit_id, locator in found if locators.get(locator) == unit_id}


def district_voted_elsewhere(voter_pass: VoterPass, unit: BudgetUnit) -> BudgetUnit | None:
    """The other district this voter has already voted in, when the process allows one
    district per voter and ``unit`` is a district: its ballot is then closed to them (the
    check :func:`cast_ballot` makes, for the pages to say so before the voter fills it in)."""
    if not unit.process.one_district_per_voter or unit.area_id is None:
        return None
    voted = voted_units(voter_pass) - {unit.pk}
    if not voted:
        return None
    return (
        BudgetUnit.objects.filter(pk__in=voted, area__isnull=False, process_id=unit.process_id)
        .order_by("position", "pk")
        .first()
    )


def ballot_for(voter_pass: VoterPass, unit: BudgetUnit) -> Ballot | None:
    """The voter's own ballot in ``unit``, to show it again when they change it."""
    if unit.pk not in voter_pass.unit_ids:
        return None
    return Ballot.objects.filter(unit=unit, locator=voter_pass.locator(unit.pk)).first()


def choices_of(ballot: Ballot, kind: str) -> Choices:
    """A stored ballot back in the shape :func:`cast_ballot` takes."""
    if kind == BallotKind.CUMULATIVE:
        return dict(zip(ballot.projects, ballot.points, strict=False))
    return list(ballot.projects)


# --- Ballot rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanBallot:
    """A valid ballot in storage order: ``projects`` (pks) and aligned ``points``."""

    projects: list[int]
    points: list[int] = field(default_factory=list)


def ballot_projects(unit: BudgetUnit) -> list[Project]:
    """The projects a voter can choose in ``unit``."""
    return list(Project.objects.on_ballot().filter(unit=unit).order_by("code", "pk"))


def validate_choices(process: Process, unit: BudgetUnit, choices: Choices) -> CleanBallot:
    """Check a ballot against the process's ballot kind and the unit's projects; return it
    in storage order or raise ValidationError listing every problem (each with a code)."""
    kind = process.ballot_kind
    problems: list[ValidationError] = []

    def problem(message: str, code: str) -> None:
        if all(p.code != code for p in problems):
            problems.append(ValidationError(message, code=code))

    on_ballot = {p.pk: p for p in ballot_projects(unit)}
    points: dict[int, int] = {}
    if kind == BallotKind.CUMULATIVE:
        if not isinstance(choices, Mapping):
            raise ValidationError(_("Give points to the projects you support."), code="shape")
        for key, value in choices.items():
            if isinstance(key, bool) or not isinstance(key, int):
                raise ValidationError(_("Give points to the projects you support."), code="shape")
            if isinstance(value, bool) or not isinstance(value, int):
                problem(_("Points must be whole numbers."), "points_integer")
            elif value < 0:
                problem(_("Points cannot be negative."), "points_negative")
            elif value > 0:
                points[key] = value
        chosen = sorted(points)
    else:
        if isinstance(choices, Mapping | str | bytes) or any(
            isinstance(c, bool) or not isinstance(c, int) for c in choices
        ):
            raise ValidationError(_("Choose the projects you support."), code="shape")
        chosen = list(choices)
        if len(set(chosen)) != len(chosen):
            problem(_("Each project can be chosen only once."), "duplicate")
    if any(pk not in on_ballot for pk in chosen):
        problem(_("Choose only projects on this ballot."), "not_on_ballot")
    count = len(set(chosen))
    low, high = process.min_choices, process.max_choices
    if kind == BallotKind.CHOOSE_ONE:
        low, high = 1, 1
    if count == 0:
        if kind == BallotKind.CUMULATIVE:
            problem(_("Give at least one point to a project."), "too_few")
        elif kind == BallotKind.CHOOSE_ONE:
            problem(_("Choose one project."), "too_few")
        else:
            problem(_("Choose at least one project."), "too_few")
    elif count < low:
        problem(_("Choose at least %(n)d projects.") % {"n": low}, "too_few")
    if high is not None and count > high:
        if kind == BallotKind.CHOOSE_ONE:
            problem(_("Choose only one project."), "too_many")
        else:
            problem(_("Choose at most %(n)d projects.") % {"n": high}, "too_many")
    if kind == BallotKind.KNAPSACK:
        # The page shows the amounts (the running total); the message says what to do.
        spent = sum(on_ballot[pk].cost for pk in set(chosen) if pk in on_ballot)
        if spent > unit.budget:
            problem(_("Your choices cost more than the budget: remove a project."), "over_budget")
        elif spent * 100 < unit.budget * process.min_spend_percent:
            problem(
                _("Choose projects worth at least %(percent)d%% of the budget.")
                % {"percent": process.min_spend_percent},
                "under_min_spend",
            )
    if kind == BallotKind.CUMULATIVE:
        total = sum(points.values())
        if process.points_total is not None and total > process.points_total:
            problem(
                _("You gave %(used)d points; you have %(total)d.")
                % {"used": total, "total": process.points_total},
                "points_total",
            )
        most = process.max_points_per_project
        if most is not None and any(v > most for v in points.values()):
            problem(
                _("Give at most %(n)d points to one project.") % {"n": most},
                "points_per_project",
            )
    if problems:
        raise ValidationError(problems)
    if kind == BallotKind.CUMULATIVE:
        return CleanBallot(projects=chosen, points=[points[pk] for pk in chosen])
    if kind == BallotKind.RANKED:
        return CleanBallot(projects=chosen)  # preference order is the ballot
    # The order of clicks says nothing the count needs; sorted, it says nothing at all.
    return CleanBallot(projects=sorted(chosen))


def rank_count(process: Process, projects: Sequence[Project]) -> int:
    """How many places a ranked ballot offers: every project, or the maximum allowed."""
    if process.max_choices is None:
        return len(projects)
    return min(process.max_choices, len(projects))


def read_ballot_form(
    process: Process, projects: Sequence[Project], data: Any
) -> tuple[Choices, dict[str, str]]:
    """A ballot form (residents' ballot page or staff's paper entry) as :data:`Choices`,
    and the fields that do not parse, by input name. The form's inputs are ``project``
    (checkboxes, or radios for choose-one), ``points-<pk>`` (cumulative) and
    ``rank-<n>`` (ranked: the project in n-th place). Unknown projects pass through, for
    :func:`validate_choices` to refuse."""
    kind = process.ballot_kind
    errors: dict[str, str] = {}
    if kind == BallotKind.CUMULATIVE:
        points: dict[int, int] = {}
        for project in projects:
            name = f"points-{project.pk}"
            raw = (data.get(name) or "").strip()
            if not raw:
                continue
            try:
                value = int(raw)
            except ValueError:
                errors[name] = _("Enter a whole number of points for “%(title)s”, like 2.") % {
                    "title": project.title
                }
                continue
            if value < 0:
                errors[name] = _("Points for “%(title)s” cannot be negative.") % {
                    "title": project.title
                }
            points[project.pk] = value
        return points, errors
    if kind == BallotKind.RANKED:
        ranked: list[int] = []
        for place in range(1, rank_count(process, projects) + 1):
            raw = (data.get(f"rank-{place}") or "").strip()
            if raw.isdigit():
                ranked.append(int(raw))
            elif raw:
                errors[f"rank-{place}"] = _("Choose a project from the list.")
        return ranked, errors
    chosen = [int(v) for v in data.getlist("project") if v.strip().isdigit()]
    return list(dict.fromkeys(chosen)), errors


# --- Census ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CensusImport:
    added: int
    already_listed: int
    with_birth_date: bool
    by_district: dict[str, int]


@dataclass(frozen=True)
class _CensusRow:
    line: int
    identifier: str
    birth_date: date | None
    area: Area | None


def _census_rows(process: Process, csv_text: str) -> list[_CensusRow]:
    """Parse and check every row; raise ValidationError listing each bad row by line."""
    problems: list[ValidationError] = []

    def problem(line: int, message: str) -> None:
        problems.append(
            ValidationError(
                _("Line %(line)d: %(problem)s"),
                code="census_row",
                params={"line": line, "problem": message},
            )
        )

    reader = csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ValidationError(_("The file is empty."), code="census_empty") from None
    except csv.Error as exc:
        problem(1, _("the file is not valid CSV (%(error)s).") % {"error": exc})
        raise ValidationError(problems) from None
    allowed = ("identifier", "birth_date", "district")
    unknown = [h for h in header if h not in allowed]
    if "identifier" not in header or unknown or len(set(header)) != len(header):
        problem(
            1,
            _(
                "the header must be identifier, then optionally birth_date and district "
                "(found: %(found)s)."
            )
            % {"found": ", ".join(header) or "—"},
        )
        raise ValidationError(problems)
    column = {name: header.index(name) for name in header}
    areas: dict[str, Area] = {}
    for known in Area.objects.in_jurisdiction(process.jurisdiction):
        areas.setdefault(known.code.strip().lower(), known)
        areas.setdefault(known.name.strip().lower(), known)
    rows: list[_CensusRow] = []
    first_line: dict[str, int] = {}
    line = 1
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_CENSUS_ROWS:
                problem(line, _("the file has more than %(n)s rows.") % {"n": MAX_CENSUS_ROWS})
                break
            if len(values) != len(header):
                problem(
                    line,
                    _("expected %(expected)d values, found %(found)d.")
                    % {"expected": len(header), "found": len(values)},
                )
                continue
            identifier = normalise_identifier(values[column["identifier"]])
            birth: date | None = None
            area: Area | None = None
            bad = False
            if not identifier:
                problem(line, _("the identifier is empty."))
                bad = True
            elif len(identifier) > MAX_IDENTIFIER_CHARS:
                problem(
                    line,
                    _("the identifier is longer than %(n)d characters.")
                    % {"n": MAX_IDENTIFIER_CHARS},
                )
                bad = True
            if "birth_date" in column:
                text = values[column["birth_date"]].strip()
                try:
                    birth = date.fromisoformat(text)
                    if len(text) != 10:
                        raise ValueError(text)
                except ValueError:
                    problem(
                        line,
                        _("the date of birth “%(value)s” is not a date like 1990-04-25.")
                        % {"value": text[:20]},
                    )
                    bad = True
            if "district" in column:
                name = values[column["district"]].strip()
                if name:
                    area = areas.get(name.lower())
                    if area is None:
                        problem(
                            line,
                            _("there is no district “%(value)s” (use a district's code or name).")
                            % {"value": name[:60]},
                        )
                        bad = True
            if bad:
                continue
            key = _census_credential(identifier, birth)
            if key in first_line:
                problem(
                    line,
                    _("the same person is already on line %(other)d.") % {"other": first_line[key]},
                )
                continue
            first_line[key] = line
            rows.append(_CensusRow(line, identifier, birth, area))
    except csv.Error as exc:
        problem(
            reader.line_num or line, _("the file is not valid CSV (%(error)s).") % {"error": exc}
        )
    if problems:
        raise ValidationError(problems)
    if not rows:
        raise ValidationError(_("The file lists nobody."), code="census_empty")
    return rows


def import_census(actor: Actor, process: Process, csv_text: str) -> CensusImport:
    """Add the people in a CSV file (header ``identifier[,birth_date][,district]``) to the
    process's census. Appends: people already listed are counted and left unchanged.
    Any bad row rejects the whole file (ValidationError, one message per line)."""
    _require_phase(
        process, PREPARE_PHASES, _("The list of voters can no longer change: voting has closed.")
    )
    rows = _census_rows(process, csv_text)
    digests = [(_digest(process, _census_credential(r.identifier, r.birth_date)), r) for r in rows]
    with_birth_date = rows[0].birth_date is not None
    with transaction.atomic():
        locked = Process.objects.select_for_update().get(pk=process.pk)
        # A person's digest covers their date of birth when the census has them: a second
        # file with the other layout would list the same people again, as new voters.
        if locked.census_with_birth_date not in (None, with_birth_date):
            raise ValidationError(
                _(
                    "This list of voters has dates of birth: every file added to it needs a "
                    "birth_date column."
                )
                if locked.census_with_birth_date
                else _(
                    "This list of voters has no dates of birth: files added to it cannot "
                    "have a birth_date column."
                ),
                code="census_layout",
            )
        if locked.census_with_birth_date is None:
            locked.census_with_birth_date = with_birth_date
            locked.save(update_fields=["census_with_birth_date"])
        existing: set[str] = set()
        wanted = [d for d, _row in digests]
        for start in range(0, len(wanted), 5000):
            existing |= set(
                CensusEntry.objects.filter(
                    process=process, digest__in=wanted[start : start + 5000]
                ).values_list("digest", flat=True)
            )
        new = [
            CensusEntry(process=process, digest=d, area=r.area)
            for d, r in digests
            if d not in existing
        ]
        CensusEntry.objects.bulk_create(new, batch_size=2000)
        by_district = Counter(e.area.code if e.area else "" for e in new)
        result = CensusImport(
            added=len(new),
            already_listed=len(rows) - len(new),
            with_birth_date=with_birth_date,
            by_district=dict(sorted(by_district.items())),
        )
        record(
            actor,
            "pb.census.imported",
            process,
            added=result.added,
            already_listed=result.already_listed,
            with_birth_date=result.with_birth_date,
            by_district=result.by_district,
        )
    return result


# --- Voting codes ------------------------------------------------------------------------------


def new_code() -> str:
    """A fresh code, normalised (no dashes)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def generate_codes(
    actor: Actor, process: Process, count: int, batch: str, area: Area | None = None
) -> list[str]:
    """Create ``count`` voting codes for printed letters and return them in clear, the
    only time they exist in clear (formatted ``XXXX-XXXX-XXXX``): only digests are kept."""
    _require_phase(process, PREPARE_PHASES, _("Voting has closed: no more codes can be made."))
    batch = (batch or "").strip()
    problems: dict[str, list[str]] = {}
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not 1 <= count <= MAX_CODES_PER_BATCH
    ):
        problems["count"] = [
            _("Make between 1 and %(n)s codes at a time.")
            % {"n": number_format(MAX_CODES_PER_BATCH, force_grouping=True)}
        ]
    if not batch:
        problems["batch"] = [_("Name the batch, for example the mailing it is printed for.")]
    elif len(batch) > MAX_BATCH_CHARS:
        problems["batch"] = [_("Use at most %(n)d characters.") % {"n": MAX_BATCH_CHARS}]
    if area is not None and area.jurisdiction_id != process.jurisdiction_id:
        problems["area"] = [_("Choose a district of this city.")]
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        taken = set(VotingCode.objects.filter(process=process).values_list("digest", flat=True))
        codes: list[str] = []
        rows: list[VotingCode] = []
        now = timezone.now()
        while len(codes) < count:
            code = new_code()
            digest = _digest(process, _code_credential(code))
            if digest in taken:  # about 1 in 2**59 per pair: never, but never twice either
                continue
            taken.add(digest)
            codes.append(format_code(code))
            rows.append(
                VotingCode(process=process, digest=digest, batch=batch, area=area, created_at=now)
            )
        VotingCode.objects.bulk_create(rows, batch_size=2000)
        record(
            actor,
            "pb.codes.generated",
            process,
            count=count,
            batch=batch,
            area=area.code if area else "",
        )
    return codes


def revoke_code(actor: Actor, process: Process, code: str) -> VotingCode:
    """Cancel a code (a letter lost, stolen or returned). Ballots already cast with it are
    withdrawn too: the code in hand lets us find them, and a stolen code's votes must not
    count. The voter may be sent a new code."""
    _require_phase(process, PREPARE_PHASES, _("Voting has closed: codes can no longer change."))
    normalised = normalise_code(code)
    if not is_well_formed_code(normalised):
        raise ValidationError(
            {"code": [_("A voting code has 12 letters and numbers, like ABCD-EFGH-JK23.")]}
        )
    credential = _code_credential(normalised)
    with transaction.atomic():
        found = (
            VotingCode.objects.select_for_update()
            .filter(process=process, digest=_digest(process, credential))
            .first()
        )
        if found is None:
            raise ValidationError({"code": [_("There is no such code in this process.")]})
        if found.revoked_at is not None:
            raise ValidationError({"code": [_("This code is already cancelled.")]})
        seed = _seed(process, credential)
        unit_ids = list(BudgetUnit.objects.filter(process=process).values_list("pk", flat=True))
        withdrawn, _detail = Ballot.objects.filter(
            unit_id__in=unit_ids, locator__in=[locator_for(seed, u) for u in unit_ids]
        ).delete()
        found.revoked_at = timezone.now()
        found.save(update_fields=["revoked_at"])
        record(
            actor,
            "pb.code.revoked",
            found,
            batch=found.batch,
            had_voted=found.has_voted,
            ballots_withdrawn=withdrawn,
        )
    return found


# --- Casting ---------------------------------------------------------------------------------


def _lock_holder(voter_pass: VoterPass) -> CensusEntry | VotingCode:
    model: type[CensusEntry] | type[VotingCode] = (
        CensusEntry if voter_pass.kind == CENSUS else VotingCode
    )
    holder = (
        model.objects.select_for_update()
        .filter(pk=voter_pass.holder_id, process_id=voter_pass.process_id)
        .first()
    )
    if holder is None:
        raise _not_found()
    return holder


def cast_ballot(
    actor: Actor, process: Process, voter_pass: VoterPass, unit: BudgetUnit, choices: Choices
) -> Ballot:
    """Store a verified voter's ballot in ``unit``, or replace the one they cast before
    (found by its locator), and mark them as having voted. Only while voting is open, only
    in a unit their pass allows, and in one district at most when the process says so."""
    _require_phase(process, (Phase.VOTING,), _closed_message(process))
    if voter_pass.process_id != process.pk or unit.process_id != process.pk:
        raise _refuse(_("This ballot belongs to another process."), "wrong_process")
    if unit.pk not in voter_pass.unit_ids:
        raise _refuse(_("You cannot vote in %(unit)s.") % {"unit": unit.name}, "unit")
    clean = validate_choices(process, unit, choices)
    locator = voter_pass.locator(unit.pk)
    with transaction.atomic():
        # Locks the voter's row: two tabs casting at once run one after the other.
        holder = _lock_holder(voter_pass)
        problem = _eligibility_problem(holder)
        if problem is not None:
            raise problem
        if process.one_district_per_voter and unit.area_id is not None:
            others = list(
                BudgetUnit.objects.filter(pk__in=voter_pass.unit_ids, area__isnull=False).exclude(
                    pk=unit.pk
                )
            )
            voted_elsewhere = [
                u
                for u in others
                if Ballot.objects.filter(unit=u, locator=voter_pass.locator(u.pk)).exists()
            ]
            if voted_elsewhere:
                raise _refuse(
                    _(
                        "You have already voted in %(unit)s: you can vote in one district only. "
                        "You can change that ballot instead."
                    )
                    % {"unit": voted_elsewhere[0].name},
                    "other_district",
                )
        ballot = Ballot.objects.select_for_update().filter(unit=unit, locator=locator).first()
        changed = ballot is not None
        if ballot is not None:
            ballot.projects, ballot.points = clean.projects, clean.points
            ballot.save(update_fields=["projects", "points"])
        else:
            ballot = Ballot.objects.create(
                process=process,
                unit=unit,
                locator=locator,
                channel=BallotChannel.ONLINE,
                projects=clean.projects,
                points=clean.points,
            )
        if not holder.has_voted:
            type(holder).objects.filter(pk=holder.pk).update(has_voted=True)
        # The unit only: not the ballot, its content, its locator, nor who cast it. Not even
        # the request's account or IP address: the trail's timestamps follow the order in
        # which ballot rows are written, so either would tie a person to a ballot.
        record(
            Actor(label="voter", channel=actor.channel),
            "pb.ballot.changed" if changed else "pb.ballot.cast",
            unit,
            process=process.pk,
            channel=BallotChannel.ONLINE,
        )
    return ballot


# --- Paper ballots -----------------------------------------------------------------------------


def _paper_content(process: Process, unit: BudgetUnit, choices: Choices | None) -> dict[str, Any]:
    """One typed-in sheet as stored for comparison: the unit and the ballot, or spoiled."""
    if unit.process_id != process.pk:
        raise ValidationError({"unit": [_("Choose one of this process's budgets.")]})
    if choices is None:
        return {"unit": unit.pk, "spoiled": True}
    clean = validate_choices(process, unit, choices)
    return {"unit": unit.pk, "projects": clean.projects, "points": clean.points}


def _paper_ballot(process: Process, content: dict[str, Any]) -> Ballot:
    return Ballot.objects.create(
        process=process,
        unit_id=content["unit"],
        locator="",
        channel=BallotChannel.PAPER,
        projects=content["projects"],
        points=content["points"],
    )


def enter_paper_ballot(
    actor: Actor,
    process: Process,
    unit: BudgetUnit,
    sheet: str,
    choices: Choices | None,
) -> PaperEntry:
    """Type in a paper ballot (``choices`` None: the sheet is spoiled). The first entry of
    a sheet is kept; the second must be by another person: if both agree the ballot is
    counted (MATCHED, or SPOILED when both say so), otherwise a supervisor resolves the
    MISMATCH with :func:`resolve_paper_entry`."""
    _require_phase(
        process, PAPER_PHASES, _("Paper ballots can be entered during voting and counting only.")
    )
    sheet = (sheet or "").strip()
    if not sheet:
        raise ValidationError({"sheet": [_("Enter the sheet number printed on the ballot.")]})
    if len(sheet) > MAX_SHEET_CHARS:
        raise ValidationError(
            {"sheet": [_("Use at most %(n)d characters.") % {"n": MAX_SHEET_CHARS}]}
        )
    if actor.user is None:
        raise _refuse(_("Sign in to enter paper ballots."), "sign_in")
    content = _paper_content(process, unit, choices)
    with transaction.atomic():
        entry = PaperEntry.objects.select_for_update().filter(process=process, sheet=sheet).first()
        if entry is None:
            entry = PaperEntry.objects.create(
                process=process, unit=unit, sheet=sheet, first=content, first_by=actor.user
            )
            record(actor, "pb.paper.entered", entry, sheet=sheet, stage="first")
            return entry
        if entry.status != PaperEntryStatus.AWAITING_SECOND:
            raise ValidationError(
                {
                    "sheet": [
                        _("Sheet %(sheet)s has already been entered twice.") % {"sheet": sheet}
                    ]
                },
            )
        if entry.first_by_id == actor.user_id:
            raise _refuse(
                _("You entered this sheet the first time: another person must enter it again."),
                "same_person",
            )
        entry.second, entry.second_by = content, actor.user
        if content == entry.first:
            if content.get("spoiled"):
                entry.status = PaperEntryStatus.SPOILED
            else:
                entry.status = PaperEntryStatus.MATCHED
                entry.ballot = _paper_ballot(process, content)
        else:
            entry.status = PaperEntryStatus.MISMATCH
        entry.save(update_fields=["second", "second_by", "status", "ballot"])
        record(actor, "pb.paper.entered", entry, sheet=sheet, stage="second", status=entry.status)
    return entry


def resolve_paper_entry(
    actor: Actor,
    entry: PaperEntry,
    choices: Choices | None = None,
    *,
    spoiled: bool = False,
    unit: BudgetUnit | None = None,
) -> PaperEntry:
    """A supervisor's decision on a sheet whose two entries disagree, after looking at the
    paper: the ballot as it reads (``choices``, in ``unit`` or the first entry's), or
    ``spoiled=True``."""
    process = entry.process
    _require_phase(
        process, PAPER_PHASES, _("Paper ballots can be entered during voting and counting only.")
    )
    if getattr(actor.user, "role", None) not in SUPERVISORS:
        raise _refuse(_("Only a supervisor can resolve a paper ballot."), "forbidden")
    if spoiled == (choices is not None):
        raise ValidationError(
            _("Either give the ballot as it reads, or mark it spoiled."), code="shape"
        )
    unit = unit or entry.unit
    content = _paper_content(process, unit, None if spoiled else choices)
    with transaction.atomic():
        locked = PaperEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.status != PaperEntryStatus.MISMATCH:
            raise _refuse(_("Only sheets whose entries disagree need resolving."), "not_mismatch")
        if spoiled:
            locked.status = PaperEntryStatus.SPOILED
        else:
            locked.status = PaperEntryStatus.RESOLVED
            locked.unit = unit
            locked.ballot = _paper_ballot(process, content)
        locked.save(update_fields=["status", "unit", "ballot"])
        record(actor, "pb.paper.resolved", locked, sheet=locked.sheet, status=locked.status)
    entry.refresh_from_db()
    return entry


def mark_voted_on_paper(
    actor: Actor, process: Process, identifier: str, birth_date: date | None = None
) -> CensusEntry:
    """Tick a census entry off at a polling station. Refused when the person has already
    voted online (and online voting then refuses them)."""
    _require_phase(
        process, PAPER_PHASES, _("Voters can be marked during voting and counting only.")
    )
    normalised = normalise_identifier(identifier)
    if not normalised:
        raise ValidationError({"identifier": [_("Enter the voter's identity number.")]})
    found = _find_census_entry(process, normalised, birth_date)
    if found is None:
        raise ValidationError(
            {
                "identifier": [
                    _("This person is not on the list of voters (check the date of birth too).")
                ]
            }
        )
    with transaction.atomic():
        entry = CensusEntry.objects.select_for_update().get(pk=found[0].pk)
        if entry.voted_on_paper:
            raise _refuse(_("This person has already voted on paper."), "voted_on_paper")
        if entry.has_voted:
            raise _refuse(_("This person has already voted online."), "voted_online")
        entry.has_voted = entry.voted_on_paper = True
        entry.save(update_fields=["has_voted", "voted_on_paper"])
        record(actor, "pb.census.voted_on_paper", entry, process=process.pk)
    return entry


# --- Reading for the back office --------------------------------------------------------------


@dataclass(frozen=True)
class UnitTurnout:
    unit: BudgetUnit
    online: int
    paper: int

    @property
    def total(self) -> int:
        return self.online + self.paper


@dataclass(frozen=True)
class Turnout:
    units: list[UnitTurnout]
    census: int
    census_voted: int
    census_on_paper: int
    codes: int
    codes_used: int
    codes_revoked: int
    paper_waiting: int
    paper_mismatched: int


def turnout(process: Process) -> Turnout:
    """Counts only: ballots per unit and channel, and how the lists were used."""
    per_unit: dict[int, dict[str, Any]] = {
        row["unit_id"]: dict(row)
        for row in Ballot.objects.filter(process=process)
        .values("unit_id")
        .annotate(
            online=Count("pk", filter=Q(channel=BallotChannel.ONLINE)),
            paper=Count("pk", filter=Q(channel=BallotChannel.PAPER)),
        )
    }
    units = [
        UnitTurnout(
            unit=u,
            online=per_unit.get(u.pk, {}).get("online", 0),
            paper=per_unit.get(u.pk, {}).get("paper", 0),
        )
        for u in BudgetUnit.objects.filter(process=process).select_related("area")
    ]
    census = CensusEntry.objects.filter(process=process).aggregate(
        total=Count("pk"),
        voted=Count("pk", filter=Q(has_voted=True)),
        paper=Count("pk", filter=Q(voted_on_paper=True)),
    )
    codes = VotingCode.objects.filter(process=process).aggregate(
        total=Count("pk"),
        used=Count("pk", filter=Q(has_voted=True)),
        revoked=Count("pk", filter=Q(revoked_at__isnull=False)),
    )
    paper = PaperEntry.objects.filter(process=process).aggregate(
        waiting=Count("pk", filter=Q(status=PaperEntryStatus.AWAITING_SECOND)),
        mismatched=Count("pk", filter=Q(status=PaperEntryStatus.MISMATCH)),
    )
    return Turnout(
        units=units,
        census=census["total"],
        census_voted=census["voted"],
        census_on_paper=census["paper"],
        codes=codes["total"],
        codes_used=codes["used"],
        codes_revoked=codes["revoked"],
        paper_waiting=paper["waiting"],
        paper_mismatched=paper["mismatched"],
    )


__all__ = [
    "CODE_ALPHABET",
    "CensusImport",
    "Choices",
    "CleanBallot",
    "Turnout",
    "UnitTurnout",
    "VoterPass",
    "ballot_for",
    "ballot_projects",
    "cast_ballot",
    "choices_of",
    "enter_paper_ballot",
    "error_codes",
    "format_code",
    "generate_codes",
    "import_census",
    "mark_voted_on_paper",
    "normalise_code",
    "normalise_identifier",
    "rank_count",
    "read_ballot_form",
    "resolve_paper_entry",
    "revoke_code",
    "turnout",
    "units_for",
    "validate_choices",
    "verify_voter",
    "voted_units",
]
