"""The audit guard (tests/audit_guard.py) fails a test whose service call wrote without
auditing; these tests show it does, and that the rule covers every service module."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.audit_guard import service_functions
from townhall.audit import record
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction

ACTOR = Actor.system("tests")


def sneaky_write(name: str) -> Jurisdiction:
    """Writes and forgets the audit event, like a careless new service function would."""
    with transaction.atomic():
        return Jurisdiction.objects.create(slug=name, name=name)


def honest_write(name: str) -> Jurisdiction:
    with transaction.atomic():
        jurisdiction = Jurisdiction.objects.create(slug=name, name=name)
        record(ACTOR, "jurisdiction.created", jurisdiction)
    return jurisdiction


def test_the_guard_watches_every_public_service_function():
    names = set(service_functions().values())
    for expected in (
        "townhall.servicedesk.services.submit_request",
        "townhall.servicedesk.services.merge_duplicate",
        "townhall.servicedesk.services.scan_service_levels",
        "townhall.accounts.services.verify_second_factor",
        "townhall.accounts.services.create_api_key",
    ):
        assert expected in names


@pytest.mark.django_db
def test_an_unaudited_write_is_caught_and_an_audited_one_is_not(audit_guard):
    audit_guard.watched[sneaky_write.__code__] = "sneaky_write"
    audit_guard.watched[honest_write.__code__] = "honest_write"
    honest_write("honest.example")
    assert audit_guard.violations() == []
    sneaky_write("sneaky.example")
    assert audit_guard.violations() == ["sneaky_write"]
    audit_guard.reset()  # this test's own violation is the point; do not fail it
