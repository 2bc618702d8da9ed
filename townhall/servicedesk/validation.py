"""Checks a request against the catalogue: location, description, attribute answers."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.dateparse import parse_datetime

from townhall.lib.geo import valid_lat_lon
from townhall.places.models import Area
from townhall.servicedesk.inputs import Problem, RequestInput
from townhall.servicedesk.models import Datatype, Service, ServiceAttribute

MAX_STRING_CHARS = 1000


def check_request(data: RequestInput) -> tuple[dict[str, Any], Area | None, list[Problem]]:
    """Clean attribute values, find the area, and list every problem at once."""
    problems: list[Problem] = []
    area, location_problems = _check_location(data)
    problems += location_problems
    limit = int(settings.TOWNHALL["MAX_DESCRIPTION_CHARS"])
    if len(data.description) > limit:
        problems.append(Problem("description", f"description is longer than {limit} characters"))
    cleaned, attribute_problems = clean_attributes(data.service, data.attributes)
    problems += attribute_problems
    problems += _check_contact(data)
    return cleaned, area, problems


def _check_location(data: RequestInput) -> tuple[Area | None, list[Problem]]:
    has_point = data.lat is not None or data.lon is not None
    if not has_point and not data.address.strip() and not data.address_id.strip():
        return None, [
            Problem(
                "location", "a location is required: lat and long, address_string or address_id"
            )
        ]
    if not has_point:
        return None, []
    if data.lat is None or data.lon is None:
        return None, [Problem("location", "lat and long must be given together")]
    if not valid_lat_lon(data.lat, data.lon):
        return None, [Problem("location", "lat must be within -90..90 and long within -180..180")]
    jurisdiction_id = data.service.jurisdiction_id
    area = Area.objects.locate(jurisdiction_id, data.lat, data.lon)
    if area is None and Area.objects.any_mapped(jurisdiction_id):
        return None, [Problem("location", "the location is outside the jurisdiction's area")]
    return area, []


def _check_contact(data: RequestInput) -> list[Problem]:
    problems = []
    if data.contact.email:
        try:
            validate_email(data.contact.email)
        except ValidationError:
            problems.append(Problem("email", "email is not a valid address"))
    for name in ("first_name", "last_name", "device_id", "account_id"):
        if len(getattr(data.contact, name)) > 100:
            problems.append(Problem(name, f"{name} is longer than 100 characters"))
    if len(data.contact.phone) > 40:
        problems.append(Problem("phone", "phone is longer than 40 characters"))
    return problems


def clean_attributes(service: Service, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Answers typed per the attribute's datatype; problems name ``attribute[CODE]``."""
    attributes = {a.code: a for a in service.attributes.all()}
    problems = [
        Problem(f"attribute[{code}]", f"attribute {code} is not defined for {service.code}")
        for code in raw
        if code not in attributes or not attributes[code].variable
    ]
    cleaned: dict[str, Any] = {}
    for code, attribute in attributes.items():
        if not attribute.variable:
            continue
        value = raw.get(code)
        if _is_blank(value):
            if attribute.required:
                problems.append(Problem(f"attribute[{code}]", f"attribute {code} is required"))
            continue
        try:
            cleaned[code] = clean_value(attribute, value)
        except ValueError as exc:
            problems.append(Problem(f"attribute[{code}]", f"attribute {code}: {exc}"))
    return cleaned, problems


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, list):
        return all(_is_blank(v) for v in value)
    return str(value).strip() == ""


def clean_value(attribute: ServiceAttribute, value: Any) -> Any:
    """One answer in its stored form, or ValueError saying what is wrong."""
    datatype = attribute.datatype
    if datatype == Datatype.MULTIVALUELIST:
        values = value if isinstance(value, list) else [value]
        chosen = [str(v).strip() for v in values if str(v).strip()]
        unknown = [v for v in chosen if v not in attribute.value_keys]
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not one of the allowed values")
        return list(dict.fromkeys(chosen))
    if isinstance(value, list):
        if len(value) != 1:
            raise ValueError("takes a single value")
        value = value[0]
    text = str(value).strip()
    if datatype == Datatype.SINGLEVALUELIST:
        if text not in attribute.value_keys:
            raise ValueError(f"{text} is not one of the allowed values")
        return text
    if datatype == Datatype.NUMBER:
        return _clean_number(text)
    if datatype == Datatype.DATETIME:
        return _clean_datetime(text).isoformat()
    limit = (
        MAX_STRING_CHARS
        if datatype == Datatype.STRING
        else int(settings.TOWNHALL["MAX_DESCRIPTION_CHARS"])
    )
    if len(text) > limit:
        raise ValueError(f"is longer than {limit} characters")
    if datatype == Datatype.STRING and any(mark in text for mark in "\r\n"):
        # Open311: a string is "without line breaks"; several lines are a text answer.
        raise ValueError("must be a single line")
    return text


def _clean_number(text: str) -> int | float:
    try:
        number = float(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a number") from exc
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _clean_datetime(text: str) -> datetime:
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(f"{text!r} is not an ISO 8601 date and time")
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} needs a time zone offset, like 2026-05-01T09:30:00-04:00")
    return moment
