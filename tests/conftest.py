from __future__ import annotations

import pytest

from tests.factories import make_api_key, make_city


@pytest.fixture
def city(db):
    return make_city()


@pytest.fixture
def api_key(city):
    return make_api_key()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
