"""Streams a CSV export row by row with the physical line each row starts on."""

from __future__ import annotations

import codecs
import csv
import difflib
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from townhall.servicedesk.importing.mapping import Mapping, column_key


class ImportFailed(Exception):
    """The file as a whole cannot be imported (unreadable, wrong format); nothing was written."""


class _MalformedRow(Exception):
    """One row the csv module cannot split (a stray quote); the rows after it are fine."""


# Real exports carry long free-text fields; a runaway field is a broken quote instead.
MAX_FIELD_CHARS = 1_000_000
# Bytes the file's encoding cannot read arrive as these (the "surrogateescape" handler).
_UNREAD = re.compile("[\udc80-\udcff]+")
# csv errors after which nothing more of the file can be trusted: a quote opened and never
# closed swallows the rest of the file into one field.
_FATAL_CSV_ERRORS = ("unexpected end of data", "field larger than field limit")


@dataclass(frozen=True, slots=True)
class Record:
    """One row as read: the physical line it starts on and its fields.

    ``malformed`` is the csv module's complaint when the row could not be split into fields
    (a stray quote); ``notes`` are (reason, detail) of repairs made to its lines: bytes not
    in the file's encoding read as Windows-1252, NUL characters removed.
    """

    line: int
    fields: list[str]
    malformed: str = ""
    notes: tuple[tuple[str, str], ...] = ()
    # The physical line the row ends on (a quoted field may span several).
    end: int = 0


def _fallback_decode(unread: re.Match[str]) -> str:
    """Bytes the file's encoding could not read, as Windows-1252.

    A mostly-UTF-8 export with a few Windows-1252 values (a description pasted from a
    spreadsheet) is the common case; Latin-1 reads the five bytes Windows-1252 leaves out.
    Only these bytes are re-read, so the line's valid characters stay as they are.
    """
    raw = bytes(ord(char) - 0xDC00 for char in unread.group())
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class CsvSource:
    """An open export: ``header``, ``positions`` of the mapped columns, then ``records()``."""

    def __init__(self, path: Path, mapping: Mapping):
        self.path = path
        self.mapping = mapping
        options = mapping.csv
        try:
            self._file: TextIO = path.open(
                "r", encoding=self._encoding(path), errors="surrogateescape", newline=""
            )
        except OSError as exc:
            raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from exc
        # (line, reason, detail) of lines repaired while reading, not yet given to a row.
        self._repairs: deque[tuple[int, str, str]] = deque()
        self._in_header = True
        csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
        self._reader = csv.reader(
            self._lines(), delimiter=options.delimiter, quotechar=options.quotechar, strict=True
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
        self._in_header = False
        if any("\x00" in name for name in self.header):
            self.close()
            raise ImportFailed(
                f"{path.name} has NUL characters in its header: is it UTF-16 text? "
                "(use --encoding utf-16)"
            )
        try:
            self.positions = self._positions()
        except ImportFailed:
            self.close()
            raise

    def _encoding(self, path: Path) -> str:
        """The mapping's encoding, unless the file starts with a UTF-16 byte-order mark.

        Spreadsheets save "Unicode text" as UTF-16; read as UTF-8 its NUL bytes would vanish
        from the header's names (which then still match) and ruin every value. The mark
        cannot start a UTF-8 or single-byte CSV, so it is trusted.
        """
        encoding = self.mapping.csv.encoding
        if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
            return encoding
        with path.open("rb") as raw:
            start = raw.read(2)
        return "utf-16" if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else encoding

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def _lines(self) -> Iterator[str]:
        """The file's physical lines; one with bytes the encoding cannot read is noted and
        read with a fallback, so a stray byte costs its row a note, not the whole file."""
        for number, line in enumerate(self._file, start=1):
            odd = _UNREAD.search(line)
            if odd is not None:
                line = _UNREAD.sub(_fallback_decode, line)
                note = self._misread_note(number, line, odd.start())
                self._repairs.append((number, "bytes not in the file's encoding", note))
            if "\x00" in line and not self._in_header:
                # A corrupt byte no database text column takes (PostgreSQL refuses it).
                line = line.replace("\x00", "")
                note = f"line {number} has NUL characters; removed"
                self._repairs.append((number, "NUL characters", note))
            yield line

    def _misread_note(self, number: int, line: str, first: int) -> str:
        # The word around the first odd byte, as the fallback reads it, for a person to judge.
        stops = (" ", self.mapping.csv.delimiter, "\n", "\r")
        start = max(line.rfind(stop, 0, first) for stop in stops) + 1
        ends = [end for end in (line.find(stop, first) for stop in stops) if end >= 0]
        word = line[start : min(ends, default=len(line))].strip(self.mapping.csv.quotechar)
        return (
            f"line {number} has bytes that are not {self.encoding_name}, read as Windows-1252: "
            f"{word!r} (if the whole file is Windows-1252, import it with --encoding cp1252)"
        )

    @property
    def encoding_name(self) -> str:
        """The encoding as people call it: "utf-8-sig" is UTF-8 to anyone but Python."""
        name = codecs.lookup(self.mapping.csv.encoding).name
        return "UTF-8" if name in ("utf-8", "utf-8-sig") else self.mapping.csv.encoding

    def _not_in_encoding(self, line: int | str) -> str:
        return (
            f"{self.path.name} is not {self.encoding_name} text at line {line}: "
            'use --encoding or set [csv] encoding in a mapping file (e.g. "cp1252" or "latin-1")'
        )

    def _next(self, start: int | None = None) -> list[str]:
        """The next row's fields. With ``start`` (a data row's first line), a row the csv
        module cannot split raises :class:`_MalformedRow` and reading goes on after it."""
        try:
            return next(self._reader)
        except UnicodeDecodeError as exc:
            raise ImportFailed(self._not_in_encoding(self._undecodable_line())) from exc
        except csv.Error as exc:
            if start is not None and not str(exc).startswith(_FATAL_CSV_ERRORS):
                raise _MalformedRow(str(exc)) from exc
            raise ImportFailed(
                f"{self.path.name} line {start or self._reader.line_num}: not readable as CSV "
                f"({exc}); a quote that is never closed, or the wrong delimiter?"
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
            "(use --delimiter, or set [csv] delimiter in a mapping file)"
        )

    def _describe_missing(self, column: str) -> str:
        close = difflib.get_close_matches(column, self.header, n=1, cutoff=0.6)
        return f"{column!r}" + (f" (the file has {close[0]!r})" if close else "")

    def records(self) -> Iterator[Record]:
        """Every non-blank row after the header, with the physical line it starts on."""
        end = self.header_end
        while True:
            malformed = ""
            try:
                fields = self._next(start=end + 1)
            except StopIteration:
                return
            except _MalformedRow as exc:
                # The csv reader drops the rest of the broken line and goes on with the next.
                fields, malformed = [], str(exc)
            start, end = end + 1, self._reader.line_num
            notes = self._repairs_until(end)
            if not malformed and (not fields or (len(fields) == 1 and not fields[0].strip())):
                continue
            yield Record(start, fields, malformed, notes, end)

    def _repairs_until(self, end: int) -> tuple[tuple[str, str], ...]:
        notes = []
        while self._repairs and self._repairs[0][0] <= end:
            _, reason, detail = self._repairs.popleft()
            notes.append((reason, detail))
        return tuple(notes)
