"""One renderer for both Open311 formats.

Views build plain Python data (lists, dicts, strings, numbers, booleans, None) once; this
module writes it as JSON or as XML. The JSON is the data as it is (the spec's "Spark
convention": a root that only holds repeated children is a bare array); the XML wraps
it in the spec's element names, with the repeated child of each list named by
:data:`ITEM_TAGS` (``services`` holds ``service`` elements, and so on).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - writing XML only; parsing uses defusedxml
from typing import Any

from django.http import HttpResponse

FORMATS = ("xml", "json")
CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}

# The element name of one item in each list, by the list's own element name.
ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "service_request_updates": "request_update",
    "notes": "note",
}

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot carry at all (not even escaped): C0 controls other than tab,
# newline and carriage return, lone surrogates, and U+FFFE/U+FFFF. Stored text from any
# channel may hold them; dropping them keeps every response well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render(data: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """``data`` as an HTTP response in ``fmt`` ("xml" or "json") with root element ``root``."""
    body = to_xml(data, root) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def to_json(data: Any) -> bytes:
    # allow_nan=False: NaN is not JSON; the views never produce it, and if they did a
    # loud failure beats a body that clients cannot parse.
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8", "replace")


def to_xml(data: Any, root: str) -> bytes:
    element = ET.Element(root)
    _fill(element, root, data)
    text = ET.tostring(element, encoding="unicode", short_empty_elements=False)
    return (XML_DECLARATION + _NOT_XML.sub("", text)).encode("utf-8")


def _fill(element: ET.Element, tag: str, value: Any) -> None:
    # Scalars are handled inline: a page of 1,000 requests is some 17,000 elements.
    sub = ET.SubElement
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, dict | list | tuple):
                _fill(sub(element, key), key, child)
            else:
                sub(element, key).text = _text(child)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(tag, "item")
        for child in value:
            if isinstance(child, dict | list | tuple):
                _fill(sub(element, item_tag), item_tag, child)
            else:
                sub(element, item_tag).text = _text(child)
    else:
        element.text = _text(value)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return _decimal(value)
    return str(value)


def _decimal(value: float) -> str:
    """A float without an exponent: XML readers take lat/long as xsd:decimal, which has
    none, and a longitude near Greenwich prints as ``-5e-05``."""
    text = repr(value)
    if "e" in text:
        text = format(value, ".17f").rstrip("0").rstrip(".") or "0"
    return text


def error_body(problems: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """The spec's error list: one ``{code, description}`` per problem."""
    return [{"code": code, "description": description} for code, description in problems]


def render_errors(problems: list[tuple[int, str]], fmt: str, status: int) -> HttpResponse:
    return render(error_body(problems), fmt if fmt in FORMATS else "json", "errors", status)
