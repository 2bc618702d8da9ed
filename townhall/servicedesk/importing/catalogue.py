"""The target jurisdiction's services, departments and areas, as an export's rows name them.

Everything is loaded once; names seen for the first time are mapped, then found or created
through :mod:`townhall.servicedesk.services` (audited). In a dry run nothing is created:
unsaved stand-ins are returned and counted, so the summary says what an import would add.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from django.utils.text import slugify

from townhall.lib.actors import Actor
from townhall.places.geometry import AreaIndex
from townhall.places.models import Area, Jurisdiction
from townhall.servicedesk.importing.mapping import Mapping, value_key
from townhall.servicedesk.importing.rows import ParsedRow
from townhall.servicedesk.models import Department, Service
from townhall.servicedesk.services import ensure_area, ensure_department, ensure_service

MAX_SERVICE_CODE = 64
MAX_DEPARTMENT_CODE = 50
MAX_AREA_CODE = 50


def service_code(text: str) -> str:
    """The code for a type nobody mapped: "Street Light Condition" → STREET_LIGHT_CONDITION."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_").upper()[:MAX_SERVICE_CODE].rstrip("_")


class Catalogue:
    def __init__(self, actor: Actor, jurisdiction: Jurisdiction, mapping: Mapping, dry_run: bool):
        self.actor = actor
        self.jurisdiction = jurisdiction
        self.mapping = mapping
        self.dry_run = dry_run
        saved = jurisdiction.pk is not None
        services = (
            Service.objects.in_jurisdiction(jurisdiction) if saved else Service.objects.none()
        )
        self.services = {s.code: s for s in services}
        departments = Department.objects.filter(jurisdiction=jurisdiction) if saved else []
        self.departments = {d.code: d for d in departments}
        areas = list(Area.objects.in_jurisdiction(jurisdiction)) if saved else []
        self.areas_by_code = {a.code: a for a in areas}
        self.areas_by_name = {value_key(a.name): a for a in areas}
        self.index: AreaIndex | None = None
        if any(a.geometry for a in areas):
            self.index = Area.objects.in_jurisdiction(jurisdiction).index()
        self.new_services: list[str] = []
        self.new_departments: list[str] = []
        self.new_areas: list[str] = []
        self._by_type: dict[tuple[str, str], Service | tuple[str, str]] = {}
        self._by_area_name: dict[str, Area | None] = {}

    # -- services --------------------------------------------------------------------------

    def service(self, row: ParsedRow, department: Department | None) -> Service | tuple[str, str]:
        """The row's service, or (reason, detail) when there is none to give."""
        key = (row.service_type, row.service_detail)
        found = self._by_type.get(key)
        if found is None:
            found = self._by_type[key] = self._service(row, department)
        return found

    def _service(self, row: ParsedRow, department: Department | None) -> Service | tuple[str, str]:
        options = self.mapping.service
        type_text = row.service_type
        if not type_text:
            if options.default is None:
                return "missing request type", f"{options.column} is empty"
            code, name = options.default, options.names.get(options.default, options.default)
        else:
            kind, detail = value_key(type_text), value_key(row.service_detail)
            by_detail = options.codes.get(f"{kind} | {detail}") if detail else None
            code = by_detail or options.codes.get(kind) or service_code(type_text)
            fallback = f"{type_text}: {row.service_detail}" if by_detail else type_text
            name = options.names.get(code, fallback)
            if not code:
                return "unknown request type", f"{options.column} {type_text!r} gives no code"
        existing = self.services.get(code)
        if existing is not None:
            return existing
        if not options.create_unknown:
            return (
                "unknown request type",
                f"{options.column} {type_text!r} is service {code}, which {self.jurisdiction.slug} "
                "does not have (create_unknown is false)",
            )
        group = row.service_group or options.group
        sensitive = code in options.sensitive
        if self.dry_run:
            service = Service(
                jurisdiction=self.jurisdiction, code=code, name=name, group=group,
                department=department, is_sensitive=sensitive, is_active=False,
            )  # fmt: skip
        else:
            service = ensure_service(
                self.actor, self.jurisdiction, code, name=name, group=group,
                department=department, is_sensitive=sensitive,
            )  # fmt: skip
        self.services[code] = service
        self.new_services.append(code)
        return service

    # -- departments -----------------------------------------------------------------------

    def department(self, row: ParsedRow) -> Department | None:
        code = row.department_code[:MAX_DEPARTMENT_CODE]
        if not code or self.mapping.department is None:
            return None
        found = self.departments.get(code)
        if found is not None:
            return found
        name = self.mapping.department.names.get(value_key(code)) or row.department_name or code
        if self.dry_run:
            found = Department(jurisdiction=self.jurisdiction, code=code, name=name)
        else:
            found = ensure_department(self.actor, self.jurisdiction, code, name)
        self.departments[code] = found
        self.new_departments.append(code)
        return found

    # -- areas -----------------------------------------------------------------------------

    def locate(self, rows: list[ParsedRow]) -> list[int | None]:
        """Area ids by point for rows that have one, when the jurisdiction has polygons."""
        found: list[int | None] = [None] * len(rows)
        if self.index is None:
            return found
        placed = [i for i, row in enumerate(rows) if row.lat is not None and row.lon is not None]
        if not placed:
            return found
        lons = np.array([rows[i].lon for i in placed], dtype=float)
        lats = np.array([rows[i].lat for i in placed], dtype=float)
        for i, area_id in zip(placed, self.index.locate_many(lons, lats), strict=True):
            found[i] = area_id
        return found

    @property
    def has_polygons(self) -> bool:
        return self.index is not None

    def area_named(self, source_name: str) -> Area | None:
        options = self.mapping.area
        if not source_name or options is None:
            return None
        if source_name in self._by_area_name:
            return self._by_area_name[source_name]
        name = options.names.get(value_key(source_name)) or (
            source_name.title() if options.titlecase else source_name
        )
        code = slugify(name)[:MAX_AREA_CODE].strip("-")
        area = (
            self.areas_by_name.get(value_key(name))
            or self.areas_by_name.get(value_key(source_name))
            or self.areas_by_code.get(code)
        )
        if area is None and options.create and code:
            if self.dry_run:
                area = Area(jurisdiction=self.jurisdiction, code=code, name=name, kind=options.kind)
            else:
                area = ensure_area(self.actor, self.jurisdiction, code, name, options.kind)
            self.areas_by_code[code] = area
            self.areas_by_name[value_key(name)] = area
            self.new_areas.append(code)
        self._by_area_name[source_name] = area
        return area
