"""Mapping files: how one city's CSV export becomes Townhall requests.

A mapping is a TOML file validated here once, before any row is read, so that a typo in a
key or a status name fails at the start with the key's path rather than halfway through a
million rows. The built-in ``nyc`` and ``boston`` formats are mappings shipped in
``mappings/`` and read by the same code.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from townhall.places.models import AreaKind
from townhall.servicedesk.models import Channel, Status

BUILT_IN_FORMATS = ("nyc", "boston")

SLUG_RE = r"^[a-z0-9][a-z0-9.\-]{0,98}[a-z0-9]$"
CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


class MappingError(Exception):
    """The format name or mapping file is unusable; nothing was read from the CSV."""


def value_key(text: str) -> str:
    """How source values are compared with a mapping's keys: case and spacing ignored."""
    return " ".join(text.split()).casefold()


def column_key(name: str) -> str:
    """How header names are matched: ``Unique Key``, ``unique_key`` and ``UNIQUE KEY`` agree."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def _value_keys(values: dict[str, Any]) -> dict[str, Any]:
    return {value_key(k): v for k, v in values.items()}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvOptions(_Section):
    delimiter: str = ","
    quotechar: str = '"'
    encoding: str = "utf-8-sig"
    # Values that mean "nothing here" in any mapped column, besides blanks.
    null_values: list[str] = []
    # Mapped columns that some exports of this format leave out; read as empty when absent.
    optional_columns: list[str] = []

    @field_validator("delimiter", "quotechar")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise ValueError("must be exactly one character")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError as exc:
            raise ValueError(f"unknown encoding {value!r}") from exc
        return value


class DateOptions(_Section):
    # IANA name of the zone the export's local times are in; ignored for values with an offset.
    timezone: str = "UTC"
    # strptime formats tried in order, or "iso" for ISO 8601.
    format: str | list[str] = "iso"
    created: str
    closed: str | None = None
    due: str | None = None
    updated: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @property
    def formats(self) -> list[str]:
        return [self.format] if isinstance(self.format, str) else list(self.format)

    @model_validator(mode="after")
    def _some_format(self) -> DateOptions:
        if not self.formats:
            raise ValueError("format needs at least one entry")
        return self


class StatusRule(_Section):
    """Refines a mapped status from another column, e.g. a closure text saying "duplicate"."""

    column: str
    contains: str | list[str] | None = None
    matches: str | None = None
    status: Status
    # Which rows the rule may change, by their status after [status.values].
    when: Literal["closed", "open", "any"] = "closed"

    @field_validator("matches")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _one_test(self) -> StatusRule:
        if (self.contains is None) == (self.matches is None):
            raise ValueError("a status rule needs exactly one of contains or matches")
        return self

    @property
    def needles(self) -> list[str]:
        if self.contains is None:
            return []
        items = [self.contains] if isinstance(self.contains, str) else self.contains
        return [value_key(i) for i in items]


class StatusOptions(_Section):
    column: str | None = None
    values: dict[str, Status] = {}
    # For values not in ``values``; without it such rows are reported and skipped.
    default: Status | None = None
    rules: list[StatusRule] = []

    @field_validator("values")
    @classmethod
    def _keys(cls, value: dict[str, Status]) -> dict[str, Status]:
        return _value_keys(value)


class ServiceOptions(_Section):
    column: str
    # Refines the type: codes keyed "Type | Detail" win over "Type".
    detail_column: str | None = None
    codes: dict[str, str] = {}
    # Names for services the import creates, by code (else the source's type text).
    names: dict[str, str] = {}
    # Codes created as sensitive: never published with their location.
    sensitive: list[str] = []
    create_unknown: bool = True
    # The group of services the import creates; group_column's first value wins when given.
    group: str = Field("Imported", max_length=100)
    group_column: str | None = None
    # The code for rows whose type column is empty; without it they are reported.
    default: str | None = Field(None, pattern=CODE_RE)

    @field_validator("codes")
    @classmethod
    def _codes(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [c for c in value.values() if not re.match(CODE_RE, c)]
        if bad:
            raise ValueError(
                f"service codes use letters, digits, _ . - and at most 64 characters: {bad[0]!r}"
            )
        return {" | ".join(value_key(p) for p in k.split("|")): c for k, c in value.items()}


class DepartmentOptions(_Section):
    column: str
    # A column with the department's name; the first value seen names a new department.
    name_column: str | None = None
    names: dict[str, str] = {}

    @field_validator("names")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        return _value_keys(value)


class TextOptions(_Section):
    columns: list[str] = Field(min_length=1)
    separator: str = "; "
    # A regular expression removed from the joined text (e.g. boilerplate prefixes).
    remove: str | None = None

    @field_validator("remove")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from exc
        return value


class LocationOptions(_Section):
    latitude: str | None = None
    longitude: str | None = None
    # Points an export uses for "location unknown" (a city hall default): read as no point.
    placeholder_points: list[tuple[float, float]] = []
    # Alternatives, first non-empty wins; a list of columns is joined with address_join.
    address: list[str | list[str]] = []
    address_join: str = " & "
    # Columns appended to a non-empty address, comma-separated (e.g. the city).
    address_suffix: list[str] = []
    zipcode: str | None = None
    # When true, a row with neither a point nor an address is reported and skipped.
    required: bool = False

    @model_validator(mode="after")
    def _both_or_neither(self) -> LocationOptions:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude are given together or not at all")
        return self


class AreaOptions(_Section):
    column: str
    kind: AreaKind = AreaKind.DISTRICT
    names: dict[str, str] = {}
    titlecase: bool = False
    # When false, names that match no existing area leave the request without one.
    create: bool = True

    @field_validator("names")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        return _value_keys(value)


class ChannelOptions(_Section):
    column: str | None = None
    values: dict[str, Channel] = {}
    default: Channel = Channel.IMPORT

    @field_validator("values")
    @classmethod
    def _keys(cls, value: dict[str, Channel]) -> dict[str, Channel]:
        return _value_keys(value)


class Mapping(_Section):
    name: str
    # Stored on each request with its id: re-importing skips what is already there.
    source: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,49}$")
    jurisdiction: str = Field(pattern=SLUG_RE)
    jurisdiction_name: str = Field(max_length=200)
    id_column: str
    csv: CsvOptions = CsvOptions()
    dates: DateOptions
    status: StatusOptions = StatusOptions()
    service: ServiceOptions
    department: DepartmentOptions | None = None
    description: TextOptions | None = None
    notes: TextOptions | None = None
    location: LocationOptions = LocationOptions()
    area: AreaOptions | None = None
    channel: ChannelOptions = ChannelOptions()

    def columns(self) -> list[str]:
        """Every column the mapping reads, in a stable order without repeats."""
        named: list[str | None] = [
            self.id_column,
            self.dates.created,
            self.dates.closed,
            self.dates.due,
            self.dates.updated,
            self.status.column,
        ]
        named += [rule.column for rule in self.status.rules]
        named += [self.service.column, self.service.detail_column, self.service.group_column]
        if self.department:
            named += [self.department.column, self.department.name_column]
        for text in (self.description, self.notes):
            if text:
                named += text.columns
        location = self.location
        named += [location.latitude, location.longitude, location.zipcode]
        for alternative in location.address:
            named += [alternative] if isinstance(alternative, str) else alternative
        named += location.address_suffix
        named += [self.area.column if self.area else None, self.channel.column]
        return list(dict.fromkeys(c for c in named if c))

    def required_columns(self) -> list[str]:
        optional = {column_key(c) for c in self.csv.optional_columns}
        essential = {column_key(self.id_column), column_key(self.dates.created)}
        return [
            c for c in self.columns()
            if column_key(c) not in optional or column_key(c) in essential
        ]  # fmt: skip


def load_mapping(spec: str) -> tuple[str, Mapping]:
    """``nyc``, ``boston`` or a path to a ``.toml`` mapping: (label, mapping)."""
    if spec.lower() in BUILT_IN_FORMATS:
        label = spec.lower()
        text = resources.files(__package__).joinpath("mappings", f"{label}.toml").read_text("utf-8")
    elif spec.lower().endswith(".toml"):
        path = Path(spec)
        label = path.name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MappingError(f"cannot read the mapping file {spec}: {exc}") from exc
    else:
        choices = ", ".join(BUILT_IN_FORMATS)
        raise MappingError(
            f"unknown format {spec!r}: use one of {choices} or a mapping file ending in .toml"
        )
    return label, parse_mapping(text, label)


def with_csv(mapping: Mapping, **changes: str) -> Mapping:
    """The mapping for a file saved differently (another encoding or delimiter) than its
    export usually is; ``changes`` are [csv] keys, named as the command's options."""
    try:
        options = CsvOptions.model_validate({**mapping.csv.model_dump(), **changes})
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        raise MappingError(f"--{error['loc'][0]}: {message}") from exc
    return mapping.model_copy(update={"csv": options})


def parse_mapping(text: str, label: str = "mapping") -> Mapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{label} is not valid TOML: {exc}") from exc
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        lines = [f"{label} is not a valid mapping:"]
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "(top level)"
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown key (a typo?)"
            elif error["type"] == "missing":
                message = "required key is missing"
            lines.append(f"  {where}: {message}")
        raise MappingError("\n".join(lines)) from exc
