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
