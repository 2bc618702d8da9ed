"""Personas for the back office: each a user with a role, departments and an enrolled,
verified second factor, signed in on its own test client."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from townhall.accounts.models import Role, User
from townhall.servicedesk.models import Department

PERSONAS = {
    # name: (role, department codes)
    "resident": (Role.RESIDENT, []),
    "agent": (Role.AGENT, []),
    "staff": (Role.STAFF, ["DPW"]),
    "other_staff": (Role.STAFF, ["HS"]),
    "supervisor": (Role.SUPERVISOR, ["DPW"]),
    "admin": (Role.ADMIN, []),
    "analyst": (Role.ANALYST, []),
}


def make_person(name: str, role: str, departments: list[str]) -> User:
    user = User.objects.create_user(
        username=name, email=f"{name}@riverton.example", password="correct horse battery", role=role
    )
    user.departments.set(Department.objects.filter(code__in=departments))
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def signed_in(user: User) -> Client:
    """A client past both steps of sign-in (the login flow itself is tested end to end)."""
    client = Client()
    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


class People(dict):
    def __init__(self) -> None:
        super().__init__()
        self._clients: dict[str, Client] = {}

    def client(self, name: str) -> Client:
        if name not in self._clients:
            self._clients[name] = signed_in(self[name])
        return self._clients[name]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(city) -> People:
    found = People()
    for name, (role, departments) in PERSONAS.items():
        found[name] = make_person(name, role, departments)
    return found
