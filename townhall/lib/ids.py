"""Public identifiers shown to residents. They are not database keys."""

from __future__ import annotations

import re

PUBLIC_ID_RE = re.compile(r"^SR-(\d{4})-(\d{6,})$")


def format_public_id(year: int, number: int) -> str:
    return f"SR-{year:04d}-{number:06d}"


def is_public_id(text: str) -> bool:
    return bool(PUBLIC_ID_RE.match(text))
