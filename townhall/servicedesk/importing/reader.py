"""Streams a CSV export row by row with the physical line each row starts on."""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from townhall.servicedesk.importing.mapping import Mapping, column_key


class ImportFailed(Exception):
    """The file as a whole cannot be imported (unreadable, wrong format); nothing was written."""


# Real exports carry long free-text fields; a runaway field is a broken quote instead.
MAX_FIELD_CHARS = 1_000_000


class CsvSource:
    """An open export: ``header``, ``positions`` of the mapped columns, then ``records()``."""

    def __init__(self, path: Path, mapping: Mapping):
        self.path = path
        self.mapping = mapping
        options = mapping.csv
        try:
            self._file: TextIO = path.open("r", encoding=options.encoding, newline="")
        except OSError as exc:
            raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from exc
        csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
        self._reader = csv.reader(
            self._file, delimiter=options.delimiter, quotechar=options.quotechar, strict=True
        )
        try:
            self.header = [name.strip() for name in self._next()]
        except StopIteration:
            self.close()
            raise ImportFailed(f"{path.name} is empty: expected a header line") from None
        except ImportFailed:
            self.close()
            raise
        self.header_end = self._reader.line_num
        try:
            self.positions = self._positions()
        except ImportFailed:
            self.close()
            raise

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def _next(self) -> list[str]:
        try:
            return next(self._reader)
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                f"{self.path.name} is not {self.mapping.csv.encoding} text at line "
                f"{self._undecodable_line()}: set [csv] encoding in a mapping file "
                f'(e.g. "cp1252" or "latin-1")'
            ) from exc
        except csv.Error as exc:
            raise ImportFailed(
                f"{self.path.name} line {self._reader.line_num}: not readable as CSV ({exc}); "
                "a quote that is never closed, or the wrong delimiter?"
            ) from exc

    def _undecodable_line(self) -> int | str:
        """The first line that does not decode (the text reader fails a whole block early)."""
        encoding = self.mapping.csv.encoding
        with self.path.open("rb") as raw:
            for number, line in enumerate(raw, start=1):
                try:
                    line.decode(encoding)
                except UnicodeDecodeError:
                    return number
        return "?"

    def _positions(self) -> dict[str, int]:
        """Where each mapped column sits; -1 for an optional column the file lacks."""
        by_key: dict[str, int] = {}
        for position, name in enumerate(self.header):
            by_key.setdefault(column_key(name), position)
        required = {column_key(c) for c in self.mapping.required_columns()}
        positions: dict[str, int] = {}
        missing = []
        for column in self.mapping.columns():
            position = by_key.get(column_key(column), -1)
            if position < 0 and column_key(column) in required:
                missing.append(column)
            positions[column] = position
        if missing:
            listed = "; ".join(self._describe_missing(c) for c in missing)
            raise ImportFailed(
                f"{self.path.name} does not look like a {self.mapping.name} export: "
                f"missing column{'s' if len(missing) > 1 else ''} {listed}{self._delimiter_hint()}"
            )
        return positions

    def _delimiter_hint(self) -> str:
        if len(self.header) != 1:
            return ""
        counts = {d: self.header[0].count(d) for d in ",;\t|" if d != self.mapping.csv.delimiter}
        likely = max(counts, key=lambda d: counts[d])
        if not counts[likely]:
            return ""
        return (
            f". The header reads as one column: is the delimiter {likely!r}? "
            "(set [csv] delimiter in a mapping file)"
        )

    def _describe_missing(self, column: str) -> str:
        close = difflib.get_close_matches(column, self.header, n=1, cutoff=0.6)
        return f"{column!r}" + (f" (the file has {close[0]!r})" if close else "")

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(first physical line, fields) for every non-blank row after the header."""
        end = self.header_end
        while True:
            try:
                fields = self._next()
            except StopIteration:
                return
            start, end = end + 1, self._reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            yield start, fields
