"""What the importer could not use, by physical line of the file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RowProblem:
    """One problem with one row.

    ``line`` is the physical line where the row starts, counting the header as line 1,
    so that a row after a quoted multi-line field still points at the right place in an
    editor. ``skipped`` says whether the row was left out or imported without the value.
    """

    line: int
    ref: str
    column: str
    reason: str
    detail: str
    skipped: bool

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (id {self.ref})" if self.ref else "")
        outcome = "row skipped" if self.skipped else "value ignored"
        return f"{where}: {self.detail} [{outcome}]"


class ProblemLog:
    """Counts every problem by reason and keeps the first ``keep`` for the summary.

    A million-row file with a systematic fault would otherwise hold a million messages;
    ``sink`` receives every one as it happens (the command writes them to a CSV file).
    """

    def __init__(self, keep: int = 1000, sink: Callable[[RowProblem], None] | None = None):
        self.keep = keep
        self.sink = sink
        self.kept: list[RowProblem] = []
        self.total = 0
        self.reasons: Counter[tuple[str, bool]] = Counter()
        self.skipped_rows = 0
        self.rows_with_ignored_values = 0

    def commit(self, problems: list[RowProblem]) -> bool:
        """Record one row's problems; True when the row must be left out."""
        if not problems:
            return False
        skipped = any(p.skipped for p in problems)
        if skipped:
            self.skipped_rows += 1
        else:
            self.rows_with_ignored_values += 1
        for problem in problems:
            self.total += 1
            self.reasons[(problem.reason, problem.skipped)] += 1
            if len(self.kept) < self.keep:
                self.kept.append(problem)
            if self.sink is not None:
                self.sink(problem)
        return skipped
