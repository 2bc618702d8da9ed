"""The register of personal data: every model field that holds it, why, and for how long.

Privacy features (subject access, erasure, retention, open-data filters) and an
architecture test walk this list; a new field that holds personal data and is not listed
here fails the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalData:
    model: str  # app_label.ModelName
    fields: tuple[str, ...]
    purpose: str
    retention: str


REGISTRY: tuple[PersonalData, ...] = (
    PersonalData(
        "servicedesk.ReporterContact",
        ("email", "first_name", "last_name", "phone", "device_id", "account_id"),
        "Tell the reporter about progress on their request; contact them for details.",
        "Until two years after the request closes.",
    ),
    PersonalData(
        "accounts.User",
        ("username", "email", "first_name", "last_name", "password", "last_login"),
        "Sign-in and attribution of staff work.",
        "While the account is active; staff accounts are deactivated, not deleted.",
    ),
    PersonalData(
        "audit.AuditEvent",
        ("actor", "actor_label", "ip"),
        "Accountability for staff actions and security investigations.",
        "Seven years (records retention schedule).",
    ),
    PersonalData(
        "servicedesk.ServiceRequest",
        ("description", "lat", "lon", "address"),
        "Describe and locate the problem. Free text and exact location may identify a "
        "person; sensitive services never publish them.",
        "Kept with the request; open data publishes a coarsened copy.",
    ),
    PersonalData(
        "servicedesk.Media",
        ("file",),
        "Show the problem. Stored re-encoded without EXIF or GPS.",
        "Kept with the request.",
    ),
)


def registered_fields() -> set[tuple[str, str]]:
    return {(entry.model.lower(), name) for entry in REGISTRY for name in entry.fields}
