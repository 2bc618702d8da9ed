"""Riverton's real demo catalogue and knowledge base, built for each test that asks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from townhall.assistant import services
from townhall.assistant.engine.content import EVAL_DIR
from townhall.demo.catalogue import DEPARTMENTS, GROUPS_ES, SERVICES
from townhall.lib.actors import Actor
from townhall.places.models import Jurisdiction
from townhall.servicedesk.models import Department, Service, ServiceAttribute

SYSTEM = Actor.system("tests")


def build_catalogue(city: Jurisdiction) -> None:
    """The demo's 24 services with their Spanish texts, as the demo builder stores them."""
    departments = {
        d.code: Department.objects.create(jurisdiction=city, code=d.code, name=d.name)
        for d in DEPARTMENTS
    }
    for order, spec in enumerate(SERVICES, start=1):
        es = {
            "name": spec.es_name,
            "description": spec.es_description,
            "group": GROUPS_ES[spec.group],
            "keywords": ", ".join(spec.es_keywords),
            "service_notice": spec.es_notice,
        }
        service = Service.objects.create(
            jurisdiction=city,
            code=spec.code,
            name=spec.name,
            description=spec.description,
            group=spec.group,
            keywords=", ".join(spec.keywords),
            department=departments[spec.department],
            service_notice=spec.notice,
            is_sensitive=spec.sensitive,
            allows_anonymous=spec.anonymous,
            order=order * 10,
            translations={"es": {k: v for k, v in es.items() if v}},
        )
        for position, a in enumerate(spec.attributes, start=1):
            translated: dict[str, Any] = {"description": a.es}
            if a.values:
                translated["values"] = {c.key: c.es for c in a.values}
            ServiceAttribute.objects.create(
                service=service,
                code=a.code,
                order=position,
                variable=a.variable,
                datatype=a.datatype,
                required=a.required and a.variable,
                description=a.description,
                datatype_description=a.datatype_description,
                values=[{"key": c.key, "name": c.name} for c in a.values],
                translations={"es": translated},
            )


@pytest.fixture
def riverton(db) -> Jurisdiction:
    city = Jurisdiction.objects.create(slug="riverton.example", name="Riverton", is_default=True)
    build_catalogue(city)
    services.load_content(SYSTEM, city)
    return city


def eval_rows(split: str) -> list[dict[str, Any]]:
    with open(EVAL_DIR / f"{split}.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
