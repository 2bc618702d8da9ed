"""Who is acting: every service function takes an Actor so that it can authorise and audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """A person, an API client or the system itself, seen from a service function.

    ``user`` is the Django user when a person is signed in (typed loosely because this
    module must not import Django); ``label`` names the actor in the audit trail even
    when there is no user, e.g. ``api:FixMyStreet`` or ``system:demo``.
    """

    label: str
    user: Any = None
    api_key_id: int | None = None
    ip: str | None = None
    channel: str = "web"

    @classmethod
    def system(cls, purpose: str) -> Actor:
        return cls(label=f"system:{purpose}", channel="system")

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)
