"""``manage.py build_demo``: what the person starting the demo sees."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from townhall.demo.builder import build_demo_city, demo_exists
from townhall.servicedesk.models import ServiceRequest


@pytest.fixture(autouse=True)
def _fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_command_builds_once_and_prints_the_credentials(db):
    out = StringIO()
    call_command("build_demo", "--requests", "300", "--years", "1", "--seed", "5", stdout=out)
    text = out.getvalue()
    assert "demo.admin" in text and "Open311 API key" in text
    assert ServiceRequest.objects.count() == 300

    again = StringIO()
    call_command("build_demo", stdout=again)
    assert "already built" in again.getvalue()
    assert ServiceRequest.objects.count() == 300


def test_the_command_refuses_an_impossible_size(db):
    with pytest.raises(CommandError, match="years"):
        call_command("build_demo", "--years", "0")


@pytest.mark.parametrize("kwargs", [{"years": 0}, {"years": 11}, {"requests": -1}])
def test_impossible_sizes_are_refused_before_anything_is_written(kwargs, db):
    with pytest.raises(ValueError):
        build_demo_city(**kwargs)
    assert not demo_exists()
