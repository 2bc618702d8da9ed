"""Reading and writing Pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, each a title line (``META``, ``PROJECTS``, ``VOTES``) followed by
a header line and semicolon-separated rows with CSV quoting. Every error names the physical
line and the section, because the people who fix a broken file open it in an editor, not in
Python.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from townhall.budgeting.rules.election import (
    POINT_TYPES,
    VOTE_TYPES,
    Election,
    Money,
    Project,
)

SECTIONS = ("META", "PROJECTS", "VOTES")


class PabulibParseError(ValueError):
    """A ``.pb`` file that cannot be counted, with the line and section at fault."""

    def __init__(self, message: str, line: int | None = None, section: str | None = None):
        self.message = message
        self.line = line
        self.section = section
        where = []
        if line is not None:
            where.append(f"line {line}")
        if section is not None:
            where.append(f"in {section}")
        super().__init__(f"{' '.join(where)}: {message}" if where else message)


# ----------------------------------------------------------------------------- reading


def parse_pabulib(path: str | Path) -> Election:
    """Parse a ``.pb`` file. Raises :class:`PabulibParseError` (an OSError for I/O)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PabulibParseError("the file is not valid UTF-8", line) from None
    return parse_pabulib_text(text)


def parse_pabulib_text(text: str) -> Election:
    """Parse the text of a ``.pb`` file."""
    # One newline convention, so that a quoted multi-line name reads the same from a
    # Windows-edited file.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    sections = _split_sections(text)
    meta, meta_line = _read_meta(sections)
    vote_type = meta.get("vote_type", "").strip().lower()
    if vote_type not in VOTE_TYPES:
        raise PabulibParseError(
            f"vote_type must be one of {', '.join(VOTE_TYPES)}, got {vote_type!r}",
            meta_line,
            "META",
        )
    if "budget" not in meta:
        raise PabulibParseError("missing 'budget'", meta_line, "META")
    budget = _parse_money(meta["budget"], "budget", meta_line, "META")
    projects = _read_projects(sections)
    election = _read_votes(sections, meta, projects, vote_type, budget)
    _check_counts(election, meta)
    return election


class _Block:
    """One section occurrence: its header and its data rows with their line numbers."""

    def __init__(self, name: str, title_line: int):
        self.name = name
        self.title_line = title_line
        self.header: list[str] | None = None
        self.header_line = title_line
        self.rows: list[tuple[int, list[str]]] = []


def _split_sections(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    for line, row in _rows(text):
        if not row or all(not cell.strip() for cell in row):
            continue  # blank lines are allowed anywhere
        title = row[0].strip().upper()
        if title in SECTIONS and all(not cell.strip() for cell in row[1:]):
            current = _Block(title, line)
            blocks.append(current)
        elif current is None:
            raise PabulibParseError("expected a section title (META, PROJECTS or VOTES)", line)
        elif current.header is None:
            current.header = [cell.strip() for cell in row]
            current.header_line = line
        else:
            current.rows.append((line, row))
    for name in SECTIONS:
        if not any(b.name == name for b in blocks):
            raise PabulibParseError(f"missing {name} section")
    for block in blocks:
        if block.header is None:
            raise PabulibParseError("section has no header line", block.title_line, block.name)
    return blocks


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the physical line each starts on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=True)
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise PabulibParseError(f"malformed CSV ({exc})", previous + 1) from None
        yield previous + 1, row
        previous = reader.line_num


def _read_meta(blocks: list[_Block]) -> tuple[dict[str, str], int]:
    meta: dict[str, str] = {}
    first_line = 0
    for block in blocks:
        if block.name != "META":
            continue
        first_line = first_line or block.title_line
        for line, row in block.rows:
            key = row[0].strip()
            if len(row) < 2 or not key:
                raise PabulibParseError("expected a 'key;value' row", line, "META")
            meta[key] = row[1].strip()
    return meta, first_line


def _column(header: list[str], name: str) -> int | None:
    lowered = [h.lower() for h in header]
    return lowered.index(name) if name in lowered else None


def _cells(row: list[str], width: int, line: int, section: str) -> list[str]:
    """Pad short rows; reject long rows unless the surplus cells are empty (a trailing ';')."""
    if len(row) > width:
        if any(cell.strip() for cell in row[width:]):
            raise PabulibParseError(f"{len(row)} values for {width} columns", line, section)
        row = row[:width]
    return row + [""] * (width - len(row))


def _absent(value: str) -> bool:
    # Pabulib writes "None" for a missing value; an empty cell means the same.
    return value == "" or value.lower() == "none"


def _read_projects(blocks: list[_Block]) -> list[tuple[Project, int]]:
    projects: list[tuple[Project, int]] = []
    first_seen: dict[str, int] = {}
    for block in blocks:
        if block.name != "PROJECTS":
            continue
        header = block.header or []
        id_col = _column(header, "project_id")
        cost_col = _column(header, "cost")
        if id_col is None or cost_col is None:
            raise PabulibParseError(
                "the header needs 'project_id' and 'cost' columns", block.header_line, "PROJECTS"
            )
        for line, raw in block.rows:
            row = [cell.strip() for cell in _cells(raw, len(header), line, "PROJECTS")]
            project_id = row[id_col]
            if _absent(project_id):
                raise PabulibParseError("missing project_id", line, "PROJECTS")
            if "," in project_id:
                raise PabulibParseError(
                    f"project id {project_id!r} contains a comma, which votes cannot reference",
                    line,
                    "PROJECTS",
                )
            if project_id in first_seen:
                raise PabulibParseError(
                    f"duplicate project id {project_id!r} (first on line {first_seen[project_id]})",
                    line,
                    "PROJECTS",
                )
            first_seen[project_id] = line
            if _absent(row[cost_col]):
                raise PabulibParseError(
                    f"missing cost for project {project_id!r}", line, "PROJECTS"
                )
            cost = _parse_money(row[cost_col], f"cost of project {project_id!r}", line, "PROJECTS")
            fields = {
                header[k]: value
                for k, value in enumerate(row)
                if k not in (id_col, cost_col) and not _absent(value) and header[k]
            }
            projects.append((Project(project_id, cost, fields), line))
    return projects


def _read_votes(
    blocks: list[_Block],
    meta: dict[str, str],
    projects: list[tuple[Project, int]],
    vote_type: str,
    budget: Money,
) -> Election:
    index = {p.id: j for j, (p, _) in enumerate(projects)}
    with_points = vote_type in POINT_TYPES
    voter_ids: list[str] = []
    lengths: list[int] = []
    flat: list[int] = []
    flat_points: list[Fraction] = []
    fields: dict[str, list[str | None]] = {}
    warnings: list[str] = []
    # Many voters cast identical ballots; parsing each distinct string once keeps 50,000-row
    # files fast.
    cache: dict[tuple[str, str], tuple[list[int], list[Fraction], str | None]] = {}
    for block in blocks:
        if block.name != "VOTES":
            continue
        header = block.header or []
        vote_col = _column(header, "vote")
        if vote_col is None:
            raise PabulibParseError("the header needs a 'vote' column", block.header_line, "VOTES")
        id_col = _column(header, "voter_id")
        points_col = _column(header, "points") if with_points else None
        if with_points and points_col is None:
            raise PabulibParseError(
                f"{vote_type} ballots need a 'points' column", block.header_line, "VOTES"
            )
        extra = [k for k in range(len(header)) if k not in (vote_col, id_col, points_col)]
        for k in extra:
            fields.setdefault(header[k], [None] * len(voter_ids))
        # Columns of earlier VOTES blocks that this block lacks are padded with None.
        layout = [
            (column, header.index(name) if name in header else -1)
            for name, column in fields.items()
        ]
        for line, raw in block.rows:
            row = _cells(raw, len(header), line, "VOTES")
            vote = row[vote_col].strip()
            points = row[points_col].strip() if points_col is not None else ""
            key = (vote, points)
            parsed = cache.get(key)
            if parsed is None:
                parsed = _parse_ballot(vote, points, index, with_points, vote_type, line)
                cache[key] = parsed
            ids, pts, note = parsed
            if note:
                _warn(warnings, f"line {line} in VOTES: {note}")
            voter_id = row[id_col].strip() if id_col is not None else ""
            voter_ids.append(voter_id if voter_id else str(len(voter_ids)))
            lengths.append(len(ids))
            flat.extend(ids)
            flat_points.extend(pts)
            for column, k in layout:
                value = row[k].strip() if k >= 0 else ""
                column.append(None if _absent(value) else value)
    if len(set(voter_ids)) != len(voter_ids):
        warnings.append("some voter_id values appear more than once; each row counts as a ballot")
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=indptr[1:])
    points_array = None
    denominator = 1
    if with_points:
        denominator = math.lcm(1, *{p.denominator for p in flat_points})
        points_array = np.asarray([int(p * denominator) for p in flat_points], dtype=np.int64)
    return Election(
        meta=meta,
        projects=tuple(p for p, _ in projects),
        budget=budget,
        vote_type=vote_type,
        voter_ids=voter_ids,
        indptr=indptr,
        indices=np.asarray(flat, dtype=np.int32),
        points=points_array,
        points_denominator=denominator,
        voter_fields=fields,
        warnings=warnings,
    )


def _parse_ballot(
    vote: str,
    points: str,
    index: dict[str, int],
    with_points: bool,
    vote_type: str,
    line: int,
) -> tuple[list[int], list[Fraction], str | None]:
    names = [] if _absent(vote) else [s.strip() for s in vote.split(",")]
    if with_points:
        values = [] if _absent(points) else [s.strip() for s in points.split(",")]
        while names and not names[-1] and values and not values[-1]:
            names.pop()  # a trailing comma in both lists
            values.pop()
        if len(values) != len(names):
            raise PabulibParseError(
                f"{len(names)} projects in 'vote' but {len(values)} values in 'points'",
                line,
                "VOTES",
            )
    else:
        names = [n for n in names if n]  # pabutools skips empty names too ("1,,2")
        values = []
    ids: list[int] = []
    pts: list[Fraction] = []
    position: dict[int, int] = {}
    note = None
    for k, name in enumerate(names):
        j = index.get(name)
        if j is None:
            raise PabulibParseError(f"unknown project id {name!r}", line, "VOTES")
        point = _parse_number(values[k], "points", line, "VOTES") if with_points else None
        if j in position:
            # Matches pabutools: an approval ballot is a set, an ordinal ballot keeps the
            # first position, a cumulative ballot keeps the last points given.
            note = f"project {name!r} listed twice in one ballot"
            if point is not None:
                pts[position[j]] = point
            continue
        position[j] = len(ids)
        ids.append(j)
        if point is not None:
            pts.append(point)
    if vote_type == "choose-1" and len(ids) > 1:
        note = f"a choose-1 ballot lists {len(ids)} projects; counted as approval of each"
    return ids, pts, note


def _warn(warnings: list[str], message: str, limit: int = 20) -> None:
    # A file with a systematic problem would otherwise carry one warning per voter.
    if len(warnings) < limit:
        warnings.append(message)
    elif len(warnings) == limit:
        warnings.append("... further warnings of this kind omitted")


def _parse_number(text: str, what: str, line: int, section: str) -> Fraction:
    cleaned = text.strip().replace(",", ".").replace(" ", "")
    try:
        value = Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        raise PabulibParseError(f"{what} is not a number: {text!r}", line, section) from None
    return value


def _parse_money(text: str, what: str, line: int, section: str) -> Money:
    value = _parse_number(text, what, line, section)
    if value < 0:
        raise PabulibParseError(f"{what} is negative: {text!r}", line, section)
    return value.numerator if value.denominator == 1 else value


def _check_counts(election: Election, meta: dict[str, str]) -> None:
    # Real Pabulib files sometimes disagree with their own META counts; counting uses the
    # rows, so a mismatch is reported but not fatal.
    for key, actual in (
        ("num_projects", election.num_projects),
        ("num_votes", election.num_voters),
    ):
        declared = meta.get(key)
        if declared is not None and declared.strip() != str(actual):
            election.warnings.append(f"META says {key}={declared} but the file has {actual}")


# ----------------------------------------------------------------------------- writing


def format_number(value: Money) -> str:
    """Exact decimal text for a cost or budget (a fraction prints as num/den if it must)."""
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = value * 10**digits
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(int(scaled)), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


def dumps_pabulib(election: Election) -> str:
    """The election as ``.pb`` text; parsing it back gives an equal election."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    meta = dict(election.meta)
    meta["vote_type"] = election.vote_type
    if _parse_quiet(meta.get("budget")) != election.budget:
        meta["budget"] = format_number(election.budget)
    for key, actual in (
        ("num_projects", election.num_projects),
        ("num_votes", election.num_voters),
    ):
        if (key in meta or key == "num_votes") and meta.get(key, "").strip() != str(actual):
            meta[key] = str(actual)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])

    project_columns: list[str] = []
    for project in election.projects:
        for key in project.fields:
            if key not in project_columns:
                project_columns.append(key)
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", *project_columns])
    for project in election.projects:
        writer.writerow(
            [project.id, format_number(project.cost)]
            + [project.fields.get(key, "") for key in project_columns]
        )

    with_points = election.points is not None
    writer.writerow(["VOTES"])
    writer.writerow(
        ["voter_id", "vote", *(["points"] if with_points else []), *election.voter_fields]
    )
    ids = election.project_ids
    columns = list(election.voter_fields.values())
    for i, voter_id in enumerate(election.voter_ids):
        start, stop = int(election.indptr[i]), int(election.indptr[i + 1])
        row = [voter_id, ",".join(ids[j] for j in election.indices[start:stop])]
        if with_points:
            row.append(",".join(format_number(p) for p in election.ballot_points(i)))
        row.extend(column[i] or "" for column in columns)
        writer.writerow(row)
    return out.getvalue()


def write_pabulib(election: Election, path: str | Path) -> None:
    Path(path).write_text(dumps_pabulib(election), encoding="utf-8")


def _parse_quiet(text: str | None) -> Fraction | None:
    if text is None:
        return None
    try:
        return Fraction(text.strip().replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return None
