from __future__ import annotations

import pytest

from tests.factories import make_api_key, make_city

# Every service call that writes must audit (issue 3): see tests/audit_guard.py.
pytest_plugins = ["tests.audit_guard"]


@pytest.fixture
def city(db):
    return make_city()


@pytest.fixture
def api_key(city):
    return make_api_key()


@pytest.fixture(autouse=True)
def _fresh_reference_data():
    # Rolled-back test data leaves no signal behind: start every test with an empty memo.
    from townhall.open311.queries import reference_data
    from townhall.places.models import area_indexes
    from townhall.servicedesk import routing, sla

    for memo in (reference_data, area_indexes, routing.rule_sets, sla.levels):
        memo.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    # db_worker closes "old" connections between tasks; inside a test's transaction that
    # closes the test's own connection on PostgreSQL (SQLite's in-memory one survives).
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections",
        lambda **kwargs: None,
    )
