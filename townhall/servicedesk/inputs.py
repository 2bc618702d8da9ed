"""What every channel (Open311, web form, assistant, agents, imports) hands to services.py.

Channels parse their own wire format into these plain values; :mod:`validation` checks
them against the catalogue once, so that every channel gives the same answer to the
same mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from townhall.servicedesk.models import Channel, Service


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input. ``field`` names the input the way the channel does."""

    field: str
    message: str
    code: int = 400


class InvalidInput(Exception):
    """Raised by a service function when the input fails validation; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ContactInput:
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    device_id: str = ""
    account_id: str = ""
    # How the reporter wants progress updates (issue 3): email, SMS, both or neither.
    updates_by_email: bool = True
    updates_by_sms: bool = False

    def is_empty(self) -> bool:
        return not any(v for v in vars(self).values() if isinstance(v, str))


@dataclass(frozen=True)
class PhotoInput:
    """A photo already re-encoded and stripped of metadata (see :mod:`media`)."""

    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class RequestInput:
    service: Service
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    address_id: str = ""
    zipcode: str = ""
    description: str = ""
    # Raw answers keyed by attribute code; list values for multivaluelist.
    attributes: dict[str, Any] = field(default_factory=dict)
    contact: ContactInput = field(default_factory=ContactInput)
    channel: str = Channel.WEB
    photos: tuple[PhotoInput, ...] = ()
    # A photo the client hosts itself (Open311 media_url); uploaded photos take precedence.
    media_url: str = ""
    requested_at: datetime | None = None
    # The reporter's language for emails ("es"); empty: unknown, emails are bilingual.
    language: str = ""
